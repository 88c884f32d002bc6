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

PARTRAIN_DECL decoded_image image_store::decode(std::size_t k) const {
  const std::string& name = names[k];
  if (!reader) return convert_color(read_image(name), color);
  constexpr const char* where = "[partrain::data::image_datastore] '";
  decoded_image img;
  try {
    img = reader(name);
  } catch (const std::exception& e) {
    fail<data_error>(where, name, "': the custom reader refused it: ", e.what());
  }
  PARTRAIN_CHECK(img.height > 0 && img.width > 0 && (img.channels == 1 || img.channels == 3) &&
                     img.pixels.size() == std::size_t(img.height) * std::size_t(img.width) * std::size_t(img.channels),
                 data_error, where, name, "': the custom reader returned ", img.size_string(), " with ",
                 img.pixels.size(), " bytes; expected positive sizes, 1 or 3 channels, height*width*channels bytes");
  return convert_color(std::move(img), color);
}

PARTRAIN_DECL void image_store::load() {
  std::call_once(loaded, [this] {
    std::vector<decoded_image> decoded;
    std::size_t bytes = 0, done = 0;
    try {
      decoded.reserve(names.size());
      for (std::size_t k = 0; k < names.size(); ++k, ++done) {
        decoded.push_back(decode(k));
        bytes += decoded.back().pixels.size();
      }
    } catch (const std::bad_alloc&) {
      std::vector<decoded_image>().swap(decoded);  // room for the message
    }
    PARTRAIN_CHECK(done == names.size(), data_error, "[partrain::data::image_datastore] out of memory after decoding ",
                   done, " of ", names.size(), " images (", bytes >> 20, " MiB held); stream them instead ",
                   "(image_datastore_options::streaming) or use fewer images");
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
  stream(opt);
}

PARTRAIN_DECL void image_datastore::stream(const image_datastore_options& opt) {
  store_->reader = opt.reader;
  if (!opt.streaming) return;
  const stream_options& s = *opt.streaming;
  constexpr const char* where = "[partrain::data::image_datastore_options::streaming] ";
  PARTRAIN_CHECK(s.memory_budget_mib >= 1 && s.memory_budget_mib <= (std::size_t(1) << 24), config_error, where,
                 "memory_budget_mib is ", s.memory_budget_mib, "; expected 1 to 16777216 (MiB)");
  PARTRAIN_CHECK(s.decode_threads >= 0 && s.decode_threads <= 256, config_error, where, "decode_threads is ",
                 s.decode_threads, "; expected 0 to 256");
  store_->skip_bad_files = s.skip_bad_files;
  const detail::image_store* store = store_.get();
  store_->stream = std::make_unique<detail::image_stream>([store](std::size_t k) { return store->decode(k); },
                                                          s.memory_budget_mib << 20, s.decode_threads);
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
