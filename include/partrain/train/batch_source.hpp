// The mini-batches of one training run, in the memory of the context that trains on them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>

#include "partrain/core/context.hpp"
#include "partrain/core/tensor.hpp"
#include "partrain/data/data_source.hpp"
#include "partrain/train/batch_reader.hpp"
#if defined(PARTRAIN_HAS_CUDA)
#include "partrain/backend/cuda/resident_images.cuh"
#endif

namespace partrain {
// Its layout differs between nvcc and g++ builds, as the context's does.
inline namespace PARTRAIN_ABI_NAMESPACE {

/// On a CUDA context, a source whose decoded images can live on the device (image_set,
/// augmented_image_datastore; float networks) is uploaded once per device, shared by the
/// workers there that train on the same images, and each batch is gathered and augmented
/// there, with the CPU's draws. Any other source is read on the host, checked
/// and uploaded (batch_reader).
template <element_type T, data::source D>
class batch_source {
 public:
  batch_source(context& ctx, const D& data, int classes) : ctx_(ctx), data_(data), classes_(classes) {
#if defined(PARTRAIN_HAS_CUDA)
    if constexpr (residable)
      if (!ctx.memory().host) resident_.emplace(ctx, data, classes);
#endif
  }

  /// Queues the batch of `indices` in `epoch` (0-based; keys augmentation).
  void read(std::span<const std::size_t> indices, std::uint64_t epoch) {
#if defined(PARTRAIN_HAS_CUDA)
    if constexpr (residable)
      if (resident_) {
        resident_->read(ctx_, data_, indices, epoch);
        images_ = &resident_->images(), labels_ = resident_->labels();
        return;
      }
#endif
    reader_.read(ctx_, data_, indices, epoch, data_.image_dims(), classes_);
    images_ = &reader_.images(), labels_ = reader_.labels();
  }

  const tensor<T>& images() const { return *images_; }
  std::span<const int> labels() const { return labels_; }
  /// Whether the images live on the device (then the source's host prefetch is of no use).
  bool resident() const {
#if defined(PARTRAIN_HAS_CUDA)
    return resident_.has_value();
#else
    return false;
#endif
  }

 private:
#if defined(PARTRAIN_HAS_CUDA)
  static constexpr bool residable = std::is_same_v<T, float> && backend::cuda::residable_source<D>;
  std::optional<backend::cuda::resident_images> resident_;
#endif
  context& ctx_;
  const D& data_;
  int classes_;
  batch_reader<T> reader_;
  const tensor<T>* images_ = nullptr;
  std::span<const int> labels_;
};

}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace partrain
