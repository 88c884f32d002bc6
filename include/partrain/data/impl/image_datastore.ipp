// The bodies of data/image_datastore.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/data.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>

#include "partrain/core/error.hpp"
#include "partrain/core/filesystem.hpp"
#include "partrain/core/fingerprint.hpp"
#include "partrain/data/image_datastore.hpp"
#include "partrain/data/image_io.hpp"

namespace partrain::data {
namespace detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL void warn(const warning_handler& h, const std::string& message) {
  if (h)
    h(message);
  else
    std::clog << message << "\n";
}

PARTRAIN_DECL decoded_image convert_color(decoded_image img, color_preprocessing mode) {
  if (mode == color_preprocessing::gray2rgb && img.channels == 1) {
    decoded_image out{img.height, img.width, 3, std::vector<std::uint8_t>(img.pixels.size() * 3)};
    for (std::size_t i = 0; i < img.pixels.size(); ++i)
      out.pixels[3 * i] = out.pixels[3 * i + 1] = out.pixels[3 * i + 2] = img.pixels[i];
    return out;
  }
  if (mode == color_preprocessing::rgb2gray && img.channels == 3) {
    decoded_image out{img.height, img.width, 1, std::vector<std::uint8_t>(img.pixels.size() / 3)};
    for (std::size_t i = 0; i < out.pixels.size(); ++i) {
      const double v = 0.298936021293775 * img.pixels[3 * i] + 0.587043074451121 * img.pixels[3 * i + 1] +
                       0.114020904255103 * img.pixels[3 * i + 2];
      out.pixels[i] = std::uint8_t(std::min(255.0, v + 0.5));
    }
    return out;
  }
  return img;
}

PARTRAIN_DECL void image_store::load() {
  std::call_once(loaded, [this] {
    std::vector<decoded_image> decoded;
    decoded.reserve(names.size());
    for (const auto& n : names) decoded.push_back(convert_color(read_image(n), color));
    images = std::move(decoded);
  });
}

PARTRAIN_DECL std::string lower(std::string s) {
  for (auto& ch : s) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace detail

inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL image_datastore::image_datastore(const std::filesystem::path& location, image_datastore_options opt) {
  namespace fs = std::filesystem;
  const std::string where = "[partrain::data::image_datastore] '" + location.string() + "': ";
  std::error_code ec;
  PARTRAIN_CHECK(fs::exists(location, ec), io_error, where, "no such folder or file");
  std::vector<std::string> exts;
  for (const auto& e : opt.file_extensions) exts.push_back(detail::lower(e));
  auto is_image = [&](const fs::path& p) {
    return std::find(exts.begin(), exts.end(), detail::lower(p.extension().string())) != exts.end();
  };
  std::vector<fs::path> files;
  if (fs::is_regular_file(location, ec)) {
    files.push_back(location);
  } else {
    std::map<fs::path, std::size_t> per_folder;  // images directly inside each folder
    auto visit = [&](const fs::directory_entry& e) {
      if (e.is_directory(ec))
        per_folder.try_emplace(e.path(), 0);
      else if (e.is_regular_file(ec) && is_image(e.path())) {
        files.push_back(e.path());
        ++per_folder[e.path().parent_path()];
      }
    };
    for (const auto& e : partrain::list_folder(location, opt.include_subfolders, "partrain::data::image_datastore"))
      visit(e);
    for (const auto& entry : per_folder) {
      const fs::path& folder = entry.first;  // not a structured binding: clang 14 cannot capture one
      if (entry.second > 0 || folder == location) continue;
      const bool has_children = std::any_of(per_folder.begin(), per_folder.end(), [&](const auto& kv) {
        return kv.first.parent_path() == folder;
      });
      if (!has_children && opt.include_subfolders)
        detail::warn(opt.on_warning, "[partrain::data::image_datastore] warning: folder '" + folder.string() +
                                         "' holds no image files; skipped, so label '" +
                                         folder.filename().string() + "' has no images");
    }
  }
  std::string ext_list;
  for (const auto& e : exts) ext_list += (ext_list.empty() ? "" : " ") + e;
  PARTRAIN_CHECK(!files.empty(), data_error, where, "no image files (", ext_list, ") found",
                 opt.include_subfolders ? "" : "; set include_subfolders = true to search sub-folders");
  std::sort(files.begin(), files.end());

  std::vector<std::string> names;
  for (const auto& f : files) names.push_back(f.string());
  std::vector<std::string> label_names;
  if (!opt.labels.empty()) {
    PARTRAIN_CHECK(opt.labels.size() == files.size(), data_error, where, opt.labels.size(),
                   " labels given for ", files.size(), " image files; expected one label per file");
    label_names = opt.labels;
  } else if (opt.label_source == label_source::folder_names) {
    for (const auto& f : files) label_names.push_back(f.parent_path().filename().string());
  }
  *this = image_datastore(std::move(names), label_names, opt.color_preprocessing);
}

PARTRAIN_DECL image_datastore image_datastore::from_images(std::vector<std::string> names,
                                                         std::vector<decoded_image> images,
                                                         const std::vector<std::string>& label_names,
                                                         std::vector<std::string> classes) {
  PARTRAIN_CHECK(names.size() == images.size(), data_error, "[partrain::data::image_datastore::from_images] ",
                 names.size(), " names for ", images.size(), " images");
  image_datastore ds(std::move(names), label_names, color_preprocessing::none, std::move(classes));
  std::call_once(ds.store_->loaded, [&] { ds.store_->images = std::move(images); });
  return ds;
}

PARTRAIN_DECL std::uint64_t image_datastore::fingerprint() const {
  partrain::fingerprint f;
  for (std::size_t i = 0; i < size(); ++i) f.add(file(i).data(), file(i).size());
  return f.add(std::span<const int>(labels_)).value();
}

PARTRAIN_DECL std::vector<label_count> image_datastore::count_each_label() const {
  std::vector<label_count> out;
  for (const auto& c : classes_) out.push_back({c, 0});
  for (int l : labels_)
    if (l >= 0) ++out[std::size_t(l)].count;
  return out;
}

PARTRAIN_DECL dims image_datastore::image_dims() const {
  PARTRAIN_CHECK(size() > 0, data_error, "[partrain::data::image_datastore::image_dims] the datastore is empty");
  const auto& first = image(0);
  for (std::size_t i = 1; i < size(); ++i) {
    const auto& img = image(i);
    PARTRAIN_CHECK(img.height == first.height && img.width == first.width && img.channels == first.channels,
                   shape_error, "[partrain::data::image_datastore] images differ in size: '", file(0), "' is ",
                   first.size_string(), ", '", file(i), "' is ", img.size_string(),
                   "; use augmented_image_datastore with an output size to resize them, or "
                   "color_preprocessing to match channels");
  }
  return {1, first.channels, first.height, first.width};
}

PARTRAIN_DECL void image_datastore::read_batch(std::span<const std::size_t> indices, std::uint64_t /*epoch*/,
                                               float* images, int* labels) const {
  if (indices.empty()) return;
  const auto& ref = image(indices[0]);
  const std::size_t hw = std::size_t(ref.height) * ref.width, stride = hw * ref.channels;
  for (std::size_t b = 0; b < indices.size(); ++b) {
    const auto& img = image(indices[b]);
    PARTRAIN_CHECK(img.height == ref.height && img.width == ref.width && img.channels == ref.channels,
                   shape_error, "[partrain::data::image_datastore::read_batch] '", file(indices[b]), "' is ",
                   img.size_string(), " but '", file(indices[0]), "' is ", ref.size_string(),
                   "; use augmented_image_datastore with an output size");
    float* out = images + b * stride;
    for (std::size_t p = 0; p < hw; ++p)
      for (int c = 0; c < img.channels; ++c) out[std::size_t(c) * hw + p] = float(img.pixels[p * img.channels + c]);
    labels[b] = labels_[indices[b]];
  }
}

PARTRAIN_DECL image_datastore image_datastore::subset(std::span<const std::size_t> indices) const {
  image_datastore out;
  out.store_ = store_;
  out.classes_ = classes_;
  for (std::size_t i : indices) {
    out.items_.push_back(item(i));
    out.labels_.push_back(labels_[i]);
  }
  return out;
}

PARTRAIN_DECL image_datastore::image_datastore(std::vector<std::string> names,
                                               const std::vector<std::string>& label_names,
                                               data::color_preprocessing color, std::vector<std::string> classes)
    : store_(std::make_shared<detail::image_store>()) {
  store_->names = std::move(names);
  store_->color = color;
  items_.resize(store_->names.size());
  for (std::size_t i = 0; i < items_.size(); ++i) items_[i] = i;
  labels_.assign(items_.size(), -1);
  if (label_names.empty()) return;
  if (classes.empty()) {  // sorted unique names, as MATLAB's categorical
    classes = label_names;
    std::sort(classes.begin(), classes.end());
    classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
  }
  classes_ = std::move(classes);
  for (std::size_t i = 0; i < items_.size(); ++i) {
    const auto it = std::find(classes_.begin(), classes_.end(), label_names[i]);
    PARTRAIN_CHECK(it != classes_.end(), data_error, "[partrain::data::image_datastore] '", store_->names[i],
                   "': label '", label_names[i], "' is not among the ", classes_.size(), " class names");
    labels_[i] = int(it - classes_.begin());
  }
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::data
