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

PARTRAIN_DECL dims image_datastore::image_dims() const {
  PARTRAIN_CHECK(size() > 0, data_error, "[partrain::data::image_datastore::image_dims] the datastore is empty");
  std::call_once(dims_->once, [&] {
    if (!streaming()) {
      const auto& first = image(0);
      for (std::size_t i = 1; i < size(); ++i) {
        const auto& img = image(i);
        PARTRAIN_CHECK(img.height == first.height && img.width == first.width && img.channels == first.channels,
                       shape_error, "[partrain::data::image_datastore] images differ in size: '", file(0), "' is ",
                       first.size_string(), ", '", file(i), "' is ", img.size_string(),
                       "; use augmented_image_datastore with an output size to resize them, or "
                       "color_preprocessing to match channels");
      }
      dims_->value = {1, first.channels, first.height, first.width};
      return;
    }
    for (std::size_t i = 0;; ++i) {  // the first readable image (skip_bad_files), else the first
      try {
        const auto img = read(i);
        dims_->value = {1, img->channels, img->height, img->width};
        return;
      } catch (const error&) {
        if (!skips_bad_files() || i + 1 == size()) throw;
      }
    }
  });
  return dims_->value;
}

PARTRAIN_DECL void image_datastore::start_epoch(std::span<const std::size_t> order, std::size_t /*batch_size*/,
                                                std::uint64_t /*epoch*/) const {
  if (!streaming()) return;
  announce(readers_.mine([&] { return open_reader(); }), order);
}

PARTRAIN_DECL void image_datastore::read_batch(std::span<const std::size_t> indices, std::uint64_t /*epoch*/,
                                               float* images, int* labels) const {
  read_into(indices, images, labels, nullptr);
}

PARTRAIN_DECL std::size_t image_datastore::read_batch(std::span<const std::size_t> indices, std::uint64_t /*epoch*/,
                                                      float* images, int* labels,
                                                      std::vector<dropped_image>& dropped) const {
  return read_into(indices, images, labels, skips_bad_files() ? &dropped : nullptr);
}

PARTRAIN_DECL std::size_t image_datastore::read_into(std::span<const std::size_t> indices, float* images,
                                                     int* labels, std::vector<dropped_image>* dropped) const {
  if (indices.empty()) return 0;
  for (std::size_t i : indices) check(i);
  const dims d = image_dims();
  auto* reader = streaming() ? readers_.find() : nullptr;
  const std::size_t hw = std::size_t(d.h) * std::size_t(d.w), stride = hw * std::size_t(d.c);
  std::size_t kept = 0;
  for (std::size_t i : indices) {
    std::shared_ptr<const decoded_image> img;
    try {
      img = read(i, reader);
      PARTRAIN_CHECK(img->height == d.h && img->width == d.w && img->channels == d.c, shape_error,
                     "[partrain::data::image_datastore::read_batch] '", file(i), "' is ", img->size_string(),
                     " but the datastore's images are ", d.h, "x", d.w, "x", d.c,
                     "; use augmented_image_datastore with an output size");
    } catch (const error& e) {
      if (!dropped) throw;
      dropped->push_back({i, file(i), e.what()});
      continue;
    }
    float* out = images + kept * stride;
    for (std::size_t p = 0; p < hw; ++p)
      for (int c = 0; c < d.c; ++c) out[std::size_t(c) * hw + p] = float(img->pixels[p * std::size_t(d.c) + std::size_t(c)]);
    labels[kept++] = labels_[i];
  }
  return kept;
}

PARTRAIN_DECL std::shared_ptr<const decoded_image> image_datastore::read(std::size_t i) const {
  const std::size_t k = item(i);
  if (streaming()) return std::make_shared<const decoded_image>(store_->decode(k));
  store_->load();
  return std::shared_ptr<const decoded_image>(store_, &store_->images[k]);  // shares the store's ownership
}

PARTRAIN_DECL std::shared_ptr<const decoded_image> image_datastore::read(std::size_t i,
                                                                      detail::image_stream::reader* r) const {
  return r && streaming() ? r->take(item(i)) : read(i);
}

PARTRAIN_DECL const decoded_image& image_datastore::image(std::size_t i) const {
  PARTRAIN_CHECK(!streaming(), config_error, "[partrain::data::image_datastore::image] this datastore streams its ",
                 "images and keeps none in memory; use read(i)");
  preload();
  return store_->images[item(i)];
}

PARTRAIN_DECL std::unique_ptr<detail::image_stream::reader> image_datastore::open_reader() const {
  if (!streaming()) return nullptr;
  // Aliasing: the reader keeps the whole store (names, reader) alive, not just its stream.
  return detail::image_stream::open(std::shared_ptr<detail::image_stream>(store_, store_->stream.get()));
}

PARTRAIN_DECL void image_datastore::announce(detail::image_stream::reader& r, std::span<const std::size_t> order) const {
  std::vector<std::size_t> items;
  items.reserve(order.size());
  for (std::size_t i : order) items.push_back(item(i));
  r.start(std::move(items));
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::data
