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
#include "partrain/data/source_view.hpp"
#if defined(PARTRAIN_HAS_CUDA)
#include "partrain/data/cuda/resident_images.cuh"
#endif

namespace partrain::data {
// Its layout differs between nvcc and g++ builds, as the context's does.
inline namespace PARTRAIN_ABI_NAMESPACE {

/// On a CUDA context, a source whose decoded images can live on the device (an image_set or
/// an augmented_image_datastore that does not stream, seen through the view; float networks) is uploaded once per
/// device and shared by the workers there; each batch is then gathered and augmented on the
/// device. active() says whether this is so; when not, the caller reads batches on the host.
template <element_type T>
class resident_batches {
 public:
  resident_batches(context& ctx, const source_view& data, int classes) {
#if defined(PARTRAIN_HAS_CUDA)
    if constexpr (std::is_same_v<T, float>) {
      if (!ctx.memory().host) {
        if (const auto* set = data.target<image_set>()) resident_.emplace(ctx, *set, classes), set_ = set;
        else if (const auto* aug = data.target<augmented_image_datastore>(); aug && !aug->underlying().streaming())
          resident_.emplace(ctx, *aug, classes), augmented_ = aug;  // a streaming one is read on the host
      }
    }
#endif
    (void)ctx, (void)data, (void)classes;
  }

  bool active() const {
#if defined(PARTRAIN_HAS_CUDA)
    return resident_.has_value();
#else
    return false;
#endif
  }
  /// The coming batches of `epoch` take their images in `order` (active() only).
  void start_epoch(context& ctx, std::span<const std::size_t> order, std::uint64_t epoch) {
#if defined(PARTRAIN_HAS_CUDA)
    if (set_) return resident_->start_epoch(ctx, *set_, order, epoch);
    if (augmented_) return resident_->start_epoch(ctx, *augmented_, order, epoch);
#endif
    (void)ctx, (void)order, (void)epoch;
    inactive();
  }
  /// Queues the batch order[first, first + count) into images() and labels() (active() only).
  void read(context& ctx, std::size_t first, std::size_t count) {
#if defined(PARTRAIN_HAS_CUDA)
    if (set_) return resident_->read(ctx, *set_, first, count);
    if (augmented_) return resident_->read(ctx, *augmented_, first, count);
#endif
    (void)ctx, (void)first, (void)count;
    inactive();
  }
  const tensor<T>& images() const {
#if defined(PARTRAIN_HAS_CUDA)
    if constexpr (std::is_same_v<T, float>)
      if (resident_) return resident_->images();
#endif
    inactive();
  }
  std::span<const int> labels() const {
#if defined(PARTRAIN_HAS_CUDA)
    if (resident_) return resident_->labels();
#endif
    inactive();
  }

 private:
  [[noreturn]] static void inactive() {
    throw error("[partrain::data::resident_batches] no device-resident images here; read the batch on the host");
  }
#if defined(PARTRAIN_HAS_CUDA)
  std::optional<cuda::resident_images> resident_;
  const image_set* set_ = nullptr;
  const augmented_image_datastore* augmented_ = nullptr;
#endif
};

}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace partrain::data
