// Training images kept on a CUDA device: uploaded once, then every mini-batch is gathered and
// augmented there, with the same per-image draws as the CPU path. Per batch only the indices
// and each image's 6-number source transform cross from the host.
#pragma once

#include <cmath>
#include <concepts>
#include <cstdint>
#include <span>
#include <vector>

#include "partrain/backend/cuda/launch.cuh"
#include "partrain/core/buffer.hpp"
#include "partrain/core/tensor.hpp"
#include "partrain/data/augmented_image_datastore.hpp"
#include "partrain/data/data_source.hpp"

namespace partrain::backend::cuda {

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
  const std::uint32_t* indices;
  const data::affine2d* transforms;
  float* out;
  int out_h, out_w, out_c;
  float fill;
  __device__ void operator()(std::size_t i) const {
    const unsigned plane = unsigned(out_h) * unsigned(out_w), image_size = plane * unsigned(out_c);
    const unsigned b = unsigned(i) / image_size, r = unsigned(i) - b * image_size;
    const unsigned c = r / plane, p = r - c * plane, y = p / unsigned(out_w), x = p - y * unsigned(out_w);
    const resident_image im = images[indices[b]];
    const data::warp_params w{pixels + im.offset, im.height, im.width, im.channels, out_h, out_w, out_c,
                              transforms[b], fill};
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

/// The images and labels of an image_set or an augmented_image_datastore in the memory of
/// one context's device. Checks them once (finite pixels, labels in 0..classes-1).
class resident_images {
 public:
  template <class D>
  static constexpr bool supports =
      std::same_as<D, data::image_set> || std::same_as<D, data::augmented_image_datastore>;

  template <class D>
    requires supports<D>
  resident_images(context& ctx, const D& data, int classes) {
    constexpr const char* where = "[partrain::backend::cuda::resident_images] ";
    const std::size_t n = data.size();
    PARTRAIN_CHECK(n < (std::size_t(1) << 32), data_error, where, n, " images; expected fewer than 2^32");
    std::vector<int> labels(n);
    if constexpr (std::same_as<D, data::image_set>) {
      for (std::size_t i = 0; i < data.pixels.size(); ++i)
        PARTRAIN_CHECK(std::isfinite(data.pixels[i]), data_error, where, "image ", i / data.image.image_size(),
                       " has a non-finite value (", data.pixels[i], ") at element ", i % data.image.image_size(),
                       "; expected finite pixel values");
      float_pixels_.ensure(ctx.memory(), data.pixels.size());
      copy_between(ctx.memory(), float_pixels_.data(), host_memory, data.pixels.data(), data.pixels.size() * sizeof(float));
      labels = data.labels;
    } else {
      const auto& ds = data.underlying();
      std::vector<resident_image> table(n);
      std::vector<std::uint8_t> pixels;
      for (std::size_t i = 0; i < n; ++i) {
        const auto& img = ds.image(i);
        table[i] = {pixels.size(), img.height, img.width, img.channels};
        pixels.insert(pixels.end(), img.pixels.begin(), img.pixels.end());
        labels[i] = ds.label(i);
      }
      pixels_.ensure(ctx.memory(), pixels.size());
      copy_between(ctx.memory(), pixels_.data(), host_memory, pixels.data(), pixels.size());
      images_.ensure(ctx.memory(), n);
      copy_between(ctx.memory(), images_.data(), host_memory, table.data(), n * sizeof(resident_image));
    }
    for (std::size_t i = 0; i < n; ++i)
      PARTRAIN_CHECK(labels[i] >= 0 && labels[i] < classes, data_error, where, "label ", labels[i], " of image ",
                     i, " is outside 0..", classes - 1);
    labels_.ensure(ctx.memory(), n);
    copy_between(ctx.memory(), labels_.data(), host_memory, labels.data(), n * sizeof(int));
  }

  /// Queues on the context's stream the batch of `indices` in `epoch` into images() and labels().
  template <class D>
    requires supports<D>
  void read(context& ctx, const D& data, std::span<const std::size_t> indices, std::uint64_t epoch) {
    const dims d = data.image_dims();
    const std::size_t n = indices.size(), image_size = d.image_size();
    host_indices_.resize(n);
    for (std::size_t b = 0; b < n; ++b) {
      PARTRAIN_CHECK(indices[b] < data.size(), data_error, "[partrain::backend::cuda::resident_images] index ",
                     indices[b], " out of range for ", data.size(), " images");
      host_indices_[b] = std::uint32_t(indices[b]);
    }
    batch_.resize({int(n), d.c, d.h, d.w}, ctx.memory());
    batch_labels_.ensure(ctx.memory(), n);
    indices_.ensure(ctx.memory(), n);
    upload(resources(ctx).stream(), host_indices_.data(), n, indices_.data());
    if constexpr (std::same_as<D, data::image_set>) {
      for_each_index(ctx, n * image_size,
                     detail::gather_fn{float_pixels_.data(), indices_.data(), batch_.data(), unsigned(image_size)});
    } else {
      host_transforms_.resize(n);
      for (std::size_t b = 0; b < n; ++b) host_transforms_[b] = data.source_transform(indices[b], epoch);
      transforms_.ensure(ctx.memory(), n);
      upload(resources(ctx).stream(), host_transforms_.data(), n, transforms_.data());
      for_each_index(ctx, n * image_size,
                     detail::warp_batch_fn{pixels_.data(), images_.data(), indices_.data(), transforms_.data(),
                                           batch_.data(), d.h, d.w, d.c, data.augmenter().fill_value});
    }
    for_each_index(ctx, n, detail::gather_labels_fn{labels_.data(), indices_.data(), batch_labels_.data()});
  }

  const tensor<float>& images() const { return batch_; }
  std::span<const int> labels() const { return {batch_labels_.data(), batch_labels_.size()}; }

 private:
  buffer<std::uint8_t> pixels_;
  buffer<float> float_pixels_;
  buffer<resident_image> images_;
  buffer<int> labels_, batch_labels_;
  buffer<std::uint32_t> indices_;
  buffer<data::affine2d> transforms_;
  tensor<float> batch_;
  std::vector<std::uint32_t> host_indices_;
  std::vector<data::affine2d> host_transforms_;
};

}  // namespace partrain::backend::cuda
