// The bodies of data/idx_datastore.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/data.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <zlib.h>

#include <algorithm>

#include "partrain/core/error.hpp"
#include "partrain/data/idx_datastore.hpp"
#include "partrain/data/image_io.hpp"

namespace partrain::data {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::vector<std::uint8_t> gunzip(std::span<const std::uint8_t> in, const std::string& name,
                                               std::size_t max_bytes) {
  z_stream s{};
  PARTRAIN_CHECK(inflateInit2(&s, 15 + 32) == Z_OK, data_error, "[partrain::data::gunzip] '", name,
                 "': zlib init failed");
  std::vector<std::uint8_t> out(std::min<std::size_t>(max_bytes, std::max<std::size_t>(in.size() * 4, 1 << 16)));
  s.next_in = const_cast<Bytef*>(in.data());
  int rc = Z_OK;
  std::size_t fed = 0;
  while (rc != Z_STREAM_END) {
    if (s.avail_in == 0 && fed < in.size()) {  // zlib counts in uInt, so feed <= 1 GiB at a time
      s.next_in = const_cast<Bytef*>(in.data() + fed);
      s.avail_in = uInt(std::min<std::size_t>(in.size() - fed, std::size_t(1) << 30));
      fed += s.avail_in;
    }
    if (s.total_out == out.size()) {
      if (out.size() >= max_bytes) {
        inflateEnd(&s);
        fail<data_error>("[partrain::data::gunzip] '", name, "': inflates to more than ", max_bytes, " bytes");
      }
      out.resize(std::min(max_bytes, out.size() * 2));
    }
    s.next_out = out.data() + s.total_out;
    s.avail_out = uInt(std::min<std::size_t>(out.size() - s.total_out, std::size_t(1) << 30));
    rc = inflate(&s, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && !(rc == Z_BUF_ERROR && s.avail_in == 0 && fed < in.size())) {
      const std::string msg = s.msg ? s.msg : (rc == Z_BUF_ERROR ? "truncated" : "error " + std::to_string(rc));
      inflateEnd(&s);
      fail<data_error>("[partrain::data::gunzip] '", name, "': corrupt or truncated gzip data (zlib: ", msg, ")");
    }
  }
  out.resize(s.total_out);
  inflateEnd(&s);
  return out;
}

PARTRAIN_DECL idx_array parse_idx(std::span<const std::uint8_t> bytes, const std::string& name,
                                  std::size_t max_bytes) {
  std::vector<std::uint8_t> inflated;
  if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) {
    inflated = gunzip(bytes, name, max_bytes);
    bytes = inflated;
  }
  const std::string where = "[partrain::data::parse_idx] '" + name + "': ";
  PARTRAIN_CHECK(bytes.size() >= 4 && bytes[0] == 0 && bytes[1] == 0, data_error, where,
                 "not an IDX file (expected the magic 00 00 <type> <dims>)");
  PARTRAIN_CHECK(bytes[2] == 0x08, data_error, where, "element type 0x", std::hex, int(bytes[2]),
                 "; only unsigned bytes (0x08) are supported");
  const int rank = bytes[3];
  PARTRAIN_CHECK(rank >= 1 && rank <= 4, data_error, where, rank, " dimensions; expected 1..4");
  const std::size_t header = 4 + 4 * std::size_t(rank);
  PARTRAIN_CHECK(bytes.size() >= header, data_error, where, "truncated header: ", bytes.size(), " bytes, expected ",
                 header);
  idx_array a;
  std::uint64_t count = 1;
  std::string shape;
  for (int d = 0; d < rank; ++d) {
    const auto* p = bytes.data() + 4 + 4 * d;
    const std::uint32_t e = std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
    a.extents.push_back(e);
    constexpr std::uint64_t cap = std::uint64_t(1) << 62;  // saturate: a forged header must not wrap
    count = (e != 0 && count > cap / e) ? cap : count * e;
    shape += (d ? "x" : "") + std::to_string(e);
  }
  PARTRAIN_CHECK(count == bytes.size() - header, data_error, where, "header says ", shape, " = ", count,
                 " values but the file holds ", bytes.size() - header, " bytes of data");
  a.values.assign(bytes.begin() + std::ptrdiff_t(header), bytes.end());
  return a;
}

PARTRAIN_DECL idx_array read_idx(const std::filesystem::path& file) { return parse_idx(read_file_bytes(file), file.string()); }

PARTRAIN_DECL idx_datastore::idx_datastore(const std::filesystem::path& images_file,
                                           const std::filesystem::path& labels_file, idx_options opt)
    : image_datastore(load(images_file, labels_file, std::move(opt))) {}

PARTRAIN_DECL void idx_datastore::check_labels(const std::vector<std::uint8_t>& labels,
                                               const std::vector<std::string>& class_names,
                                               const std::filesystem::path& file) {
  const std::string where = "[partrain::data::idx_datastore] '" + file.string() + "': ";
  for (std::size_t i = 0; i < labels.size() && !class_names.empty(); ++i)
    PARTRAIN_CHECK(labels[i] < class_names.size(), data_error, where, "label ", int(labels[i]), " at position ", i,
                   " (0-based) has no class name; ", class_names.size(), " were given (labels 0..",
                   class_names.size() - 1, ")");
  if (!class_names.empty()) return;
  bool present[256] = {};
  for (auto l : labels) present[l] = true;
  int missing = 0;
  while (missing < 256 && present[missing]) ++missing;
  for (std::size_t i = 0; i < labels.size(); ++i)
    PARTRAIN_CHECK(labels[i] < missing, data_error, where, "label ", int(labels[i]), " at position ", i,
                   " (0-based) leaves label ", missing, " without an image; without class names the labels must be "
                   "0..K-1 with every value present. Fix the file, or pass idx_options::class_names (one name for "
                   "each label 0..K-1) if classes may lack images");
}

PARTRAIN_DECL image_datastore idx_datastore::load(const std::filesystem::path& images_file,
                                                  const std::filesystem::path& labels_file, idx_options opt) {
  const auto images = read_idx(images_file), labels = read_idx(labels_file);
  const std::string where = "[partrain::data::idx_datastore] ";
  const auto& e = images.extents;
  PARTRAIN_CHECK(e.size() == 3 || (e.size() == 4 && (e[3] == 1 || e[3] == 3)), data_error, where, "'",
                 images_file.string(), "': ", e.size(), "-d array; expected images N x rows x cols (x 1 or 3 channels)");
  PARTRAIN_CHECK(labels.extents.size() == 1, data_error, where, "'", labels_file.string(), "': ",
                 labels.extents.size(), "-d array; expected N labels (1-d)");
  PARTRAIN_CHECK(labels.extents[0] == e[0], data_error, where, "'", images_file.string(), "' holds ", e[0],
                 " images but '", labels_file.string(), "' holds ", labels.extents[0], " labels");
  PARTRAIN_CHECK(e[0] > 0 && e[1] > 0 && e[2] > 0 && e[1] <= 65536 && e[2] <= 65536, data_error, where, "'", images_file.string(),
                 "': extents ", e[0], "x", e[1], "x", e[2], "; expected at least one image of 1..65536 rows and columns");
  check_labels(labels.values, opt.class_names, labels_file);
  if (opt.class_names.empty()) {
    const int max_label = labels.values.empty() ? 0 : *std::max_element(labels.values.begin(), labels.values.end());
    for (int c = 0; c <= max_label; ++c) opt.class_names.push_back(std::to_string(c));
  }
  const int channels = e.size() == 4 ? int(e[3]) : 1;
  const std::size_t stride = std::size_t(e[1]) * e[2] * channels;
  std::vector<std::string> names;
  std::vector<decoded_image> decoded;
  std::vector<std::string> label_names;
  for (std::size_t i = 0; i < e[0]; ++i) {
    names.push_back(images_file.string() + "#" + std::to_string(i));
    const auto* p = images.values.data() + i * stride;
    decoded.push_back({int(e[1]), int(e[2]), channels, std::vector<std::uint8_t>(p, p + stride)});
    label_names.push_back(opt.class_names[labels.values[i]]);
  }
  return image_datastore::from_images(std::move(names), std::move(decoded), label_names, opt.class_names);
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::data
