// The bodies of format/safetensors.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/format.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/format/safetensors.hpp"

namespace partrain::format {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::size_t dtype_size(std::string_view dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64")
    return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32")
    return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16")
    return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL")
    return 1;
  return 0;
}

PARTRAIN_DECL std::string shape_string(std::span<const std::int64_t> shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + ")";
}

PARTRAIN_DECL std::vector<std::byte>
serialize_safetensors(std::span<const named_tensor> tensors,
                      const std::map<std::string, std::string>& metadata) {
  constexpr auto where = "[partrain::io::write_safetensors] ";
  std::vector<const named_tensor*> order;
  for (const auto& t : tensors)
    order.push_back(&t);
  std::sort(order.begin(), order.end(), [](const named_tensor* a, const named_tensor* b) {
    auto sa = dtype_size(a->dtype), sb = dtype_size(b->dtype);
    return sa != sb ? sa > sb : a->name < b->name;
  });
  std::uint64_t offset = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto& t = *order[i];
    PARTRAIN_CHECK(!t.name.empty() && t.name != "__metadata__", config_error, where,
                   "tensor name '", t.name, "' is reserved or empty");
    PARTRAIN_CHECK(i == 0 || order[i - 1]->name != t.name, config_error, where,
                   "two tensors are named '", t.name, "'; names must be unique");
    const auto size = dtype_size(t.dtype);
    PARTRAIN_CHECK(size != 0, config_error, where, "tensor '", t.name, "' has unknown dtype '",
                   t.dtype, "' (expected F32, F64, F16, BF16, I64, I32, I16, I8, U8 or BOOL)");
    for (auto d : t.shape)
      PARTRAIN_CHECK(d >= 0, config_error, where, "tensor '", t.name, "' has negative extent in ",
                     shape_string(t.shape));
    PARTRAIN_CHECK(std::uint64_t(t.element_count()) * size == t.bytes.size(), config_error, where,
                   "tensor '", t.name, "' of shape ", shape_string(t.shape), " and dtype ", t.dtype,
                   " needs ", std::uint64_t(t.element_count()) * size, " bytes; has ",
                   t.bytes.size());
    offset += t.bytes.size();
  }
  // Same names with dtypes of different sizes are not neighbours in `order`.
  std::vector<std::string_view> names;
  for (const auto* t : order)
    names.push_back(t->name);
  std::sort(names.begin(), names.end());
  const auto twin = std::adjacent_find(names.begin(), names.end());
  PARTRAIN_CHECK(twin == names.end(), config_error, where, "two tensors are named '",
                 twin == names.end() ? std::string_view() : *twin, "'; names must be unique");
  // The header text is exactly what nlohmann::ordered_json's compact dump() gave (keys in
  // insertion order), written directly: an ordered_json instantiates a second basic_json in
  // every TU that trains (checkpoints) for a few strings and integers. Strings still go
  // through json's escaping (which throws json's type_error on invalid UTF-8, as before).
  auto quoted = [](const std::string& v) { return nlohmann::json(v).dump(); };
  std::string text = "{";
  if (!metadata.empty()) {
    text += "\"__metadata__\":{";
    for (auto it = metadata.begin(); it != metadata.end(); ++it) {
      text += (it == metadata.begin() ? "" : ",") + quoted(it->first) + ":";
      text += quoted(it->second);
    }
    text += "}";
  }
  std::uint64_t begin = 0;
  for (const auto* t : order) {
    text += (text.size() > 1 ? "," : "") + quoted(t->name) + ":{\"dtype\":";
    text += quoted(t->dtype) + ",\"shape\":[";
    for (std::size_t d = 0; d < t->shape.size(); ++d)
      text += (d ? "," : "") + std::to_string(t->shape[d]);
    text += "],\"data_offsets\":[" + std::to_string(begin) + "," +
            std::to_string(begin + t->bytes.size()) + "]}";
    begin += t->bytes.size();
  }
  text += "}";
  text.append((8 - text.size() % 8) % 8, ' ');
  std::vector<std::byte> out(8 + text.size() + offset);
  const std::uint64_t n = text.size();
  std::memcpy(out.data(), &n, 8);
  std::memcpy(out.data() + 8, text.data(), text.size());
  auto* p = out.data() + 8 + text.size();
  for (const auto* t : order) {
    if (!t->bytes.empty())
      std::memcpy(p, t->bytes.data(), t->bytes.size());
    p += t->bytes.size();
  }
  return out;
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::format

namespace partrain::format::detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL safetensors_entry parse_safetensors_entry(const std::string& key, const nlohmann::json& v,
                                                        std::size_t data_size, const std::string& where) {
  const auto tw = partrain::concat_text(where, "tensor '", key, "': ");
  PARTRAIN_CHECK(v.is_object() && v.contains("dtype") && v.contains("shape") && v.contains("data_offsets"),
                 io_error, tw, "expected an object with dtype, shape and data_offsets");
  PARTRAIN_CHECK(v["dtype"].is_string() && dtype_size(v["dtype"].get<std::string>()) != 0, io_error, tw, "dtype ",
                 v["dtype"].dump(), " is not a known safetensors dtype");
  safetensors_entry e{0, 0, named_tensor{key, {}, v["dtype"].get<std::string>(), {}}};
  PARTRAIN_CHECK(v["shape"].is_array(), io_error, tw, "shape is not an array");
  std::uint64_t count = 1;
  for (const auto& d : v["shape"]) {
    PARTRAIN_CHECK(d.is_number_unsigned() || (d.is_number_integer() && d.get<std::int64_t>() >= 0), io_error, tw,
                   "shape ", v["shape"].dump(), " has an entry that is not a non-negative integer");
    const auto x = d.get<std::uint64_t>();
    PARTRAIN_CHECK(x == 0 || count <= (std::uint64_t(1) << 62) / x, io_error, tw, "shape ", v["shape"].dump(),
                   " is too large");
    count *= x;
    e.t.shape.push_back(std::int64_t(x));
  }
  const auto& off = v["data_offsets"];
  PARTRAIN_CHECK(off.is_array() && off.size() == 2 && off[0].is_number_unsigned() && off[1].is_number_unsigned(),
                 io_error, tw, "data_offsets ", off.dump(), " is not [begin, end]");
  e.begin = off[0].get<std::uint64_t>();
  e.end = off[1].get<std::uint64_t>();
  PARTRAIN_CHECK(e.begin <= e.end && e.end <= data_size, io_error, tw, "data_offsets [", e.begin, ", ", e.end,
                 "] lie outside the ", data_size, "-byte data buffer (truncated file?)");
  const auto need = count * dtype_size(e.t.dtype);
  PARTRAIN_CHECK(e.end - e.begin == need, io_error, tw, "data_offsets span ", e.end - e.begin, " bytes; shape ",
                 shape_string(e.t.shape), " of ", e.t.dtype, " needs ", need);
  return e;
}

PARTRAIN_DECL nlohmann::json parse_safetensors_header(std::span<const std::byte> file, const std::string& where,
                                                      std::size_t& data_start) {
  PARTRAIN_CHECK(file.size() >= 8, io_error, where, "file is ", file.size(),
                 " bytes; expected at least 8 (the little-endian header length)");
  std::uint64_t n = 0;
  std::memcpy(&n, file.data(), 8);
  constexpr std::uint64_t max_header = 100'000'000;  // the reference implementation's limit
  PARTRAIN_CHECK(n <= max_header, io_error, where, "header length ", n,
                 " exceeds the 100 MB limit (corrupted or not a safetensors file)");
  PARTRAIN_CHECK(n <= file.size() - 8, io_error, where, "header length ", n, " is larger than the file (",
                 file.size() - 8, " bytes after the length field)");
  std::string_view text(reinterpret_cast<const char*>(file.data()) + 8, n);
  PARTRAIN_CHECK(!text.empty() && text.front() == '{', io_error, where,
                 "header does not start with '{'; expected a JSON object");
  auto header = nlohmann::json::parse(text, nullptr, false);
  PARTRAIN_CHECK(!header.is_discarded(), io_error, where, "header is not valid JSON");
  PARTRAIN_CHECK(header.is_object(), io_error, where, "header is not a JSON object");
  data_start = 8 + n;
  return header;
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::format::detail

namespace partrain::format {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL safetensors_content parse_safetensors(std::span<const std::byte> file,
                                                    std::string_view source) {
  const auto where = partrain::concat_text("[partrain::io::read_safetensors] '", source, "': ");
  std::size_t data_start = 0;
  const nlohmann::json header = detail::parse_safetensors_header(file, where, data_start);
  const auto data = file.subspan(data_start);
  safetensors_content out;
  std::vector<detail::safetensors_entry> entries;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const auto& v = it.value();
    if (it.key() != "__metadata__") {
      entries.push_back(detail::parse_safetensors_entry(it.key(), v, data.size(), where));
      continue;
    }
    PARTRAIN_CHECK(v.is_object(), io_error, where, "__metadata__ is not a JSON object");
    for (auto m = v.begin(); m != v.end(); ++m) {
      PARTRAIN_CHECK(m.value().is_string(), io_error, where, "__metadata__ entry '", m.key(), "' is not a string");
      out.metadata[m.key()] = m.value().get<std::string>();
    }
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t expected = 0;
  for (auto& e : entries) {
    PARTRAIN_CHECK(e.begin == expected, io_error, where, "tensor '", e.t.name, "' starts at byte ", e.begin,
                   "; expected ", expected, " (tensors must tile the data without gaps or overlap)");
    expected = e.end;
    const auto bytes = data.subspan(e.begin, e.end - e.begin);
    e.t.bytes.assign(bytes.begin(), bytes.end());
    out.tensors.push_back(std::move(e.t));
  }
  PARTRAIN_CHECK(expected == data.size(), io_error, where, "tensors cover ", expected,
                 " bytes but the data buffer has ", data.size(), " (trailing bytes)");
  return out;
}

PARTRAIN_DECL void write_safetensors(const std::filesystem::path& path,
                                     std::span<const named_tensor> tensors,
                                     const std::map<std::string, std::string>& metadata) {
  write_file_atomic(path, serialize_safetensors(tensors, metadata),
                    "partrain::io::write_safetensors");
}

PARTRAIN_DECL safetensors_content read_safetensors(const std::filesystem::path& path) {
  return parse_safetensors(read_file(path, "partrain::io::read_safetensors"), path.string());
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::format
