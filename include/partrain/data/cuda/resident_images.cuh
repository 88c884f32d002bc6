// Training images kept on a CUDA device: uploaded once per device, then every mini-batch is
// gathered and augmented there, with the same per-image draws as the CPU path. Per epoch the
// order and each image's 6-number source transform cross from the host; per batch nothing.
// (Moved from backend/cuda/ without a change of logic: the backend includes nothing from data/.)
#pragma once

#include <array>
#include <compare>
#include <concepts>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "partrain/backend/cuda/launch.cuh"
#include "partrain/backend/context.hpp"
#include "partrain/core/buffer.hpp"
#include "partrain/core/fingerprint.hpp"
#include "partrain/core/shared_cache.hpp"
#include "partrain/core/tensor.hpp"
#include "partrain/data/augmented_image_datastore.hpp"
#include "partrain/data/check_images.hpp"
#include "partrain/data/data_source.hpp"

namespace partrain::data::cuda {

/// Where one decoded image sits in the resident pixel buffer.
struct resident_image {
  std::uint64_t offset = 0;
  int height = 0, width = 0, channels = 0;
};

namespace detail {
// One output value (b, c, y, x) of an augmented batch: warp_pixel, as the CPU's read_batch.
struct warp_batch_fn {
  const std::uint8_t* pixels;
  const resident_image* images;
  const std::uint32_t* indices;      // the batch's images
  const data::affine2d* transforms;  // by image
  float* out;
  int out_h, out_w, out_c;
  float fill;
  __device__ void operator()(std::size_t i) const {
    const unsigned plane = unsigned(out_h) * unsigned(out_w), image_size = plane * unsigned(out_c);
    const unsigned b = unsigned(i) / image_size, r = unsigned(i) - b * image_size;
    const unsigned c = r / plane, p = r - c * plane, y = p / unsigned(out_w), x = p - y * unsigned(out_w);
    const std::uint32_t image = indices[b];
    const resident_image im = images[image];
    const data::warp_params w{pixels + im.offset, im.height, im.width, im.channels, out_h, out_w, out_c,
                              transforms[image], fill};
    out[i] = data::warp_pixel(w, int(c), int(y), int(x));
  }
};
struct gather_fn {
  const float* pixels;
  const std::uint32_t* indices;
  float* out;
  unsigned image_size;
  __device__ void operator()(std::size_t i) const {
    const unsigned b = unsigned(i) / image_size;
    out[i] = pixels[std::size_t(indices[b]) * image_size + (unsigned(i) - b * image_size)];
  }
};
struct gather_labels_fn {
  const int* labels;
  const std::uint32_t* indices;
  int* out;
  __device__ void operator()(std::size_t i) const { out[i] = labels[indices[i]]; }
};
}  // namespace detail

/// Sources whose decoded images can live on a device.
template <class D>
concept residable_source = std::same_as<D, data::image_set> || std::same_as<D, data::augmented_image_datastore>;

/// The decoded images and labels of one data set in the memory of the calling thread's
/// current device: float pixels for an image_set, 8-bit ones (each image's own size) for
/// an augmented_image_datastore. Immutable once made.
class device_images {
 public:
  template <residable_source D>
  explicit device_images(const D& data) {
    const memory_space& device = backend::cuda::device_memory;
    std::vector<int> labels(data.size());
    if constexpr (std::same_as<D, data::image_set>) {
      float_pixels_.ensure(device, data.pixels.size());
      copy_between(device, float_pixels_.data(), host_memory, data.pixels.data(), data.pixels.size() * sizeof(float));
      labels = data.labels;
    } else {
      const auto& ds = data.underlying();
      std::vector<resident_image> table(data.size());
      std::vector<std::uint8_t> pixels;
      for (std::size_t i = 0; i < data.size(); ++i) {
        const auto& img = ds.image(i);
        table[i] = {pixels.size(), img.height, img.width, img.channels};
        pixels.insert(pixels.end(), img.pixels.begin(), img.pixels.end());
        labels[i] = ds.label(i);
      }
      pixels_.ensure(device, pixels.size());
      copy_between(device, pixels_.data(), host_memory, pixels.data(), pixels.size());
      table_.ensure(device, table.size());
      copy_between(device, table_.data(), host_memory, table.data(), table.size() * sizeof(resident_image));
    }
    labels_.ensure(device, labels.size());
    copy_between(device, labels_.data(), host_memory, labels.data(), labels.size() * sizeof(int));
  }

  const float* float_pixels() const { return float_pixels_.data(); }
  const std::uint8_t* pixels() const { return pixels_.data(); }
  const resident_image* table() const { return table_.data(); }
  const int* labels() const { return labels_.data(); }

 private:
  buffer<float> float_pixels_;
  buffer<std::uint8_t> pixels_;
  buffer<resident_image> table_;
  buffer<int> labels_;
};

namespace detail {
struct device_images_key {
  int device;
  bool augmented;
  std::size_t images;
  std::uint64_t content;
  auto operator<=>(const device_images_key&) const = default;
};

// What device_images would hold: every image (with its size) and label, in order.
template <residable_source D>
std::uint64_t content_fingerprint(const D& data) {
  fingerprint f;
  if constexpr (std::same_as<D, data::image_set>) {
    f.add_value(data.image).add(std::span<const float>(data.pixels)).add(std::span<const int>(data.labels));
  } else {
    const auto& ds = data.underlying();
    for (std::size_t i = 0; i < data.size(); ++i) {
      const auto& img = ds.image(i);
      f.add_value(std::array{img.height, img.width, img.channels, ds.label(i)});
      f.add(std::span<const std::uint8_t>(img.pixels));
    }
  }
  return f.value();
}

// Workers on one device that train on the same images at the same time share one upload.
inline shared_cache<device_images_key, device_images>& shared_device_images() {
  static shared_cache<device_images_key, device_images> cache;
  return cache;
}
}  // namespace detail

/// One worker's view of a data set resident on its device: the images are checked (finite
/// pixels, labels in 0..classes-1) on the host, uploaded once per device and shared with
/// the other workers there that train on the same images; the batch buffers are its own.
class resident_images {
 public:
  template <residable_source D>
  resident_images(context& ctx, const D& data, int classes) {
    constexpr const char* where = "partrain::data::cuda::resident_images";
    const std::size_t n = data.size();
    PARTRAIN_CHECK(n < (std::size_t(1) << 32), data_error, "[", where, "] ", n, " images; expected fewer than 2^32");
    auto same = [](std::size_t i) { return i; };
    if constexpr (std::same_as<D, data::image_set>) {
      data::check_finite_pixels(where, std::span<const float>(data.pixels), data.image.image_size(), same);
      data::check_labels(where, data.labels, classes, same);
    } else {
      data::check_labels(where, data.underlying().labels(), classes, same);
    }
    const detail::device_images_key key{ctx.device().index, !std::same_as<D, data::image_set>, n,
                                        detail::content_fingerprint(data)};
    backend::cuda::resources(ctx);  // device_images allocate on this thread's current device: the context's
    images_ = detail::shared_device_images().get(key, [&] { return std::make_shared<const device_images>(data); });
  }

  /// Uploads the order of the coming batches of `epoch` and, for an augmented datastore, every
  /// image's source transform in that epoch (the CPU's draws), so reading a batch of it moves
  /// nothing from the host. Queued on the context's stream, behind the work already there.
  template <residable_source D>
  void start_epoch(context& ctx, const D& data, std::span<const std::size_t> order, std::uint64_t epoch) {
    host_order_.resize(order.size());
    for (std::size_t k = 0; k < order.size(); ++k) {
      PARTRAIN_CHECK(order[k] < data.size(), data_error, "[partrain::data::cuda::resident_images] index ",
                     order[k], " out of range for ", data.size(), " images");
      host_order_[k] = std::uint32_t(order[k]);
    }
    order_.ensure(ctx.memory(), order.size());
    backend::cuda::upload(backend::cuda::resources(ctx).stream(), host_order_.data(), order.size(), order_.data());
    if constexpr (std::same_as<D, data::augmented_image_datastore>) {
      host_transforms_.resize(data.size());
      for (std::size_t i = 0; i < data.size(); ++i) host_transforms_[i] = data.source_transform(i, epoch);
      transforms_.ensure(ctx.memory(), data.size());
      backend::cuda::upload(backend::cuda::resources(ctx).stream(), host_transforms_.data(), data.size(), transforms_.data());
    }
  }

  /// Queues on the context's stream the batch order[first, first + count) of the epoch
  /// started last into images() and labels().
  template <residable_source D>
  void read(context& ctx, const D& data, std::size_t first, std::size_t count) {
    PARTRAIN_CHECK(first + count <= host_order_.size(), error, "[partrain::data::cuda::resident_images] batch [",
                   first, ", ", first + count, ") is outside the epoch's ", host_order_.size(), " images");
    const dims d = data.image_dims();
    const std::size_t image_size = d.image_size();
    const std::uint32_t* indices = order_.data() + first;
    batch_.resize({int(count), d.c, d.h, d.w}, ctx.memory());
    batch_labels_.ensure(ctx.memory(), count);
    if constexpr (std::same_as<D, data::image_set>) {
      backend::cuda::for_each_index(ctx, count * image_size,
                     detail::gather_fn{images_->float_pixels(), indices, batch_.data(), unsigned(image_size)});
    } else {
      backend::cuda::for_each_index(ctx, count * image_size,
                     detail::warp_batch_fn{images_->pixels(), images_->table(), indices, transforms_.data(),
                                           batch_.data(), d.h, d.w, d.c, data.augmenter().fill_value});
    }
    backend::cuda::for_each_index(ctx, count, detail::gather_labels_fn{images_->labels(), indices, batch_labels_.data()});
  }

  const tensor<float>& images() const { return batch_; }
  std::span<const int> labels() const { return {batch_labels_.data(), batch_labels_.size()}; }
  /// The device-wide images this worker reads from (shared with its peers on the device).
  const device_images& shared() const { return *images_; }

 private:
  std::shared_ptr<const device_images> images_;
  buffer<std::uint32_t> order_;            // this epoch's order
  buffer<data::affine2d> transforms_;      // this epoch's transform of each image
  buffer<int> batch_labels_;
  tensor<float> batch_;
  std::vector<std::uint32_t> host_order_;
  std::vector<data::affine2d> host_transforms_;
};

}  // namespace partrain::data::cuda
