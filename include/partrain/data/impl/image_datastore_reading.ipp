// The bodies of data/image_datastore.hpp that read images (in memory or streaming): inline
// in a header-only build, compiled once in partrain::compiled (src/data.cpp) with
// PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <memory>
#include <vector>

#include "partrain/core/error.hpp"
#include "partrain/data/image_datastore.hpp"

namespace partrain::data {
inline namespace PARTRAIN_MODE_NAMESPACE {

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
