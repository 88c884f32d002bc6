// The per-worker execution context: device, random seed, scratch space and stop request.
// Every backend op takes one; nothing in partrain keeps global state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stop_token>
#include <utility>

#include "partrain/backend/gpu_count.hpp"
#include "partrain/core/device.hpp"
#include "partrain/core/memory.hpp"
#include "partrain/core/tensor.hpp"
#if defined(PARTRAIN_HAS_CUDA)
#include <memory>

#include "partrain/backend/cuda/stream_resources.cuh"
#endif

namespace partrain {
inline namespace PARTRAIN_ABI_NAMESPACE {

/// One per worker thread (and, with CUDA, per stream). Not shared between threads.
/// On a CUDA device (nvcc builds only) it owns a non-blocking stream and cuDNN/cuBLAS
/// handles bound to it; construct it on the thread that will use it.
class context {
 public:
  /// Throws cuda_error when `d` is a CUDA device that does not exist.
  explicit context(partrain::device d = device::cpu(), std::uint64_t seed = 0,
                   std::stop_token stop = {})
      : device_(d), seed_(seed), stop_(std::move(stop)) {
#if defined(PARTRAIN_HAS_CUDA)
    if (!d.is_cpu()) cuda_ = std::make_unique<backend::cuda::stream_resources>(d.index);
#endif
  }
  context(const context&) = delete;
  context& operator=(const context&) = delete;

  const partrain::device& device() const { return device_; }
  /// The pool worker this context belongs to (0-based), or -1 outside a pool; experiments
  /// record it as where a trial ran.
  int worker() const { return worker_; }
  void set_worker(int w) { worker_ = w; }
  /// Base seed of this worker; training derives its draws from the options' seed instead
  /// when one is given.
  std::uint64_t seed() const { return seed_; }
  void set_seed(std::uint64_t s) { seed_ = s; }

  /// Scratch memory of at least `count` elements of T, valid until the next call.
  /// Grows on demand and never shrinks, so after the first step it no longer allocates.
  template <element_type T>
  T* workspace(std::size_t count) {
    const std::size_t doubles = (count * sizeof(T) + sizeof(double) - 1) / sizeof(double);
    if (doubles > workspace_.size()) workspace_.resize({1, 1, 1, int(doubles)});
    return reinterpret_cast<T*>(workspace_.data());
  }

  /// Where this worker's tensors live: host memory, or its CUDA device's memory.
  const memory_space& memory() const {
#if defined(PARTRAIN_HAS_CUDA)
    if (cuda_) return backend::cuda::device_memory;
#endif
    return host_memory;
  }

  /// Changes whenever device scratch memory moves (a recorded CUDA graph must then be
  /// recorded again); always 0 on the CPU.
  std::uint64_t scratch_generation() const {
#if defined(PARTRAIN_HAS_CUDA)
    if (cuda_) return cuda_->scratch_generation();
#endif
    return 0;
  }

  /// Whether the owner of this worker asked the current job to stop (pool cancellation).
  bool stop_requested() const { return stop_.stop_requested(); }
  const std::stop_token& stop_token() const { return stop_; }
  void set_stop_token(std::stop_token t) { stop_ = std::move(t); }

#if defined(PARTRAIN_HAS_CUDA)
  /// The stream, handles and device scratch of this worker. Requires a CUDA device.
  backend::cuda::stream_resources& cuda() {
    PARTRAIN_CHECK(cuda_ != nullptr, error, "[partrain::context::cuda] device is ", device_.name(),
                   "; expected a CUDA device");
    return *cuda_;
  }
#endif

 private:
#if defined(PARTRAIN_HAS_CUDA)
  std::unique_ptr<backend::cuda::stream_resources> cuda_;
#endif
  partrain::device device_;
  std::uint64_t seed_;
  std::stop_token stop_;
  tensor<double> workspace_;
  int worker_ = -1;
};

}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace partrain
