// Mini-batches gathered on the training device from images uploaded there once: the CUDA
// backend's device-resident data sets (data/cuda/resident_images.cuh) behind one interface,
// empty where the build, the context or the source does not allow them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>

#include "partrain/backend/context.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/tensor.hpp"
#if defined(PARTRAIN_HAS_CUDA)
#include "partrain/data/cuda/resident_images.cuh"
#endif

namespace partrain::data {
// Its layout differs between nvcc and g++ builds, as the context's does.
inline namespace PARTRAIN_ABI_NAMESPACE {

/// On a CUDA context, a source whose decoded images can live on the device (image_set,
/// augmented_image_datastore; float networks) is uploaded once per device and shared by the
/// workers there; each batch is then gathered and augmented on the device. active() says
/// whether this is so; when not, the caller reads batches on the host.
template <element_type T, class D>
class resident_batches {
 public:
  resident_batches(context& ctx, const D& data, int classes) {
#if defined(PARTRAIN_HAS_CUDA)
    if constexpr (residable)
      if (!ctx.memory().host) resident_.emplace(ctx, data, classes);
#endif
    (void)ctx, (void)data, (void)classes;
  }

  bool active() const {
#if defined(PARTRAIN_HAS_CUDA)
    if constexpr (residable) return resident_.has_value();
#endif
    return false;
  }
  /// The coming batches of `epoch` take their images in `order` (active() only).
  void start_epoch(context& ctx, const D& data, std::span<const std::size_t> order, std::uint64_t epoch) {
#if defined(PARTRAIN_HAS_CUDA)
    if constexpr (residable) return resident_->start_epoch(ctx, data, order, epoch);
#endif
    (void)ctx, (void)data, (void)order, (void)epoch;
    inactive();
  }
  /// Queues the batch order[first, first + count) into images() and labels() (active() only).
  void read(context& ctx, const D& data, std::size_t first, std::size_t count) {
#if defined(PARTRAIN_HAS_CUDA)
    if constexpr (residable) return resident_->read(ctx, data, first, count);
#endif
    (void)ctx, (void)data, (void)first, (void)count;
    inactive();
  }
  const tensor<T>& images() const {
#if defined(PARTRAIN_HAS_CUDA)
    if constexpr (residable) return resident_->images();
#endif
    inactive();
  }
  std::span<const int> labels() const {
#if defined(PARTRAIN_HAS_CUDA)
    if constexpr (residable) return resident_->labels();
#endif
    inactive();
  }

 private:
  [[noreturn]] static void inactive() {
    throw error("[partrain::data::resident_batches] no device-resident images here; read the batch on the host");
  }
#if defined(PARTRAIN_HAS_CUDA)
  static constexpr bool residable = std::is_same_v<T, float> && cuda::residable_source<D>;
  std::optional<cuda::resident_images> resident_;
#endif
};

}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace partrain::data
