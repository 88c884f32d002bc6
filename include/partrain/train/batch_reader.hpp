// Fills a network's input tensor and label vector from a data source, mini-batch by mini-batch.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <type_traits>
#include <vector>

#include "partrain/backend/ops.hpp"
#include "partrain/core/buffer.hpp"
#include "partrain/backend/context.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/tensor.hpp"
#include "partrain/data/check_images.hpp"
#include "partrain/data/data_source.hpp"

namespace partrain {

/// Owns the batch buffers; reuses them, so reading batch after batch does not allocate.
template <element_type T>
class batch_reader {
 public:
  /// Reads the images at `indices` (with augmentation keyed by `epoch`) into images()/labels().
  /// A source that skips bad files may leave some out (dropped()); the batch is then smaller.
  /// Throws data_error when it leaves out every one. With `every_image`, the source must
  /// read each one (a file it cannot read stops the read, naming it).
  template <data::source D>
  void read(const D& data, std::span<const std::size_t> indices, std::uint64_t epoch, dims image,
            bool every_image = false) {
    const int n = int(indices.size());
    images_.resize({n, image.c, image.h, image.w});
    labels_.resize(indices.size());
    dropped_.clear();
    std::size_t kept = indices.size();
    auto read_into = [&](float* x) {
      if (every_image) data.read_batch(indices, epoch, x, labels_.data());
      else kept = data::read_batch_dropping(data, indices, epoch, x, labels_.data(), dropped_);
    };
    if constexpr (std::is_same_v<T, float>) {
      read_into(images_.data());
    } else {
      staging_.resize(images_.size());
      read_into(staging_.data());
      std::copy(staging_.begin(), staging_.begin() + std::ptrdiff_t(kept * image.image_size()), images_.data());
    }
    if (kept == indices.size()) return;
    PARTRAIN_CHECK(kept > 0, data_error, "[partrain::batch_reader] every image of a batch of ", n,
                   " was left out as unreadable; the first: ", dropped_.front().reason);
    images_.resize({int(kept), image.c, image.h, image.w});  // keeps the kept images' values
    labels_.resize(kept);
  }
  /// The same, then into the context's memory: on a CUDA context the batch is checked on
  /// the host (finite pixels, labels in 0..classes-1) and queued for upload on the
  /// context's stream, behind the work already queued there. images() and labels() then
  /// refer to device memory.
  template <data::source D>
  void read(context& ctx, const D& data, std::span<const std::size_t> indices, std::uint64_t epoch, dims image,
            int classes, bool every_image = false) {
    read(data, indices, epoch, image, every_image);
    on_device_ = !ctx.memory().host;
    if (!on_device_) return;
    kept_indices_.assign(indices.begin(), indices.end());
    for (const auto& d : dropped_) std::erase(kept_indices_, d.index);
    auto image_index = [&](std::size_t b) { return kept_indices_[b]; };
    data::check_finite_pixels("partrain::batch_reader", std::span<const T>(images_.data(), images_.size()),
                              image.image_size(), image_index);
    data::check_labels("partrain::batch_reader", labels_, classes, image_index);
    device_images_.resize(images_.extents(), ctx.memory());
    device_labels_.ensure(ctx.memory(), labels_.size());
    backend::upload(ctx, images_.data(), images_.size(), device_images_.data());
    backend::upload(ctx, labels_.data(), labels_.size(), device_labels_.data());
  }

  /// The last batch, in the memory of the context it was read for.
  const tensor<T>& images() const { return on_device_ ? device_images_ : images_; }
  std::span<const int> labels() const {
    return on_device_ ? std::span<const int>(device_labels_.data(), device_labels_.size()) : std::span<const int>(labels_);
  }
  /// The last batch's labels in host memory.
  std::span<const int> host_labels() const { return labels_; }
  /// The images the source left out of the last batch (skip_bad_files), naming their files.
  const std::vector<data::dropped_image>& dropped() const { return dropped_; }

 private:
  tensor<T> images_, device_images_;
  std::vector<int> labels_;
  buffer<int> device_labels_;
  std::vector<float> staging_;
  std::vector<data::dropped_image> dropped_;
  std::vector<std::size_t> kept_indices_;
  bool on_device_ = false;
};

/// Checks that `data` fits a network with input shape In and Classes outputs.
template <static_shape In, data::source D>
void check_data_fits(const D& data, int classes, const char* where, const char* which) {
  const dims d = data.image_dims();
  PARTRAIN_CHECK(d.c == In::channels && d.h == In::height && d.w == In::width, shape_error, "[", where,
                 "] ", which, " images are ", d.h, "x", d.w, "x", d.c, "; the network's image_input expects ",
                 shape_string<In>());
  PARTRAIN_CHECK(data.num_classes() == classes, shape_error, "[", where, "] ", which, " has ",
                 data.num_classes(), " classes; the network's classification layer has ", classes);
  PARTRAIN_CHECK(data.size() > 0, data_error, "[", where, "] ", which, " is empty");
}

}  // namespace partrain
