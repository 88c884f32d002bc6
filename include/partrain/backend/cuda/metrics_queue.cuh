// The CUDA part of backend::metrics_queue: each iteration's metrics copied to pinned memory
// with an event behind them. Moved from train/metrics_queue.hpp without a change of logic.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <cuda_runtime_api.h>

#include "partrain/backend/context.hpp"
#include "partrain/backend/cuda/error.cuh"

namespace partrain::backend::cuda {

/// `Depth` slots of `Width` doubles in pinned memory, each with an event.
template <int Depth, int Width>
class metrics_readback {
 public:
  explicit metrics_readback(context& ctx) {
    static_assert(Depth * Width * sizeof(double) <= stream_resources::pinned_bytes);
    pinned_ = static_cast<double*>(ctx.cuda().pinned_queue());
    for (auto& e : events_) PARTRAIN_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
  }
  metrics_readback(const metrics_readback&) = delete;
  metrics_readback& operator=(const metrics_readback&) = delete;
  ~metrics_readback() {
    for (auto& e : events_)
      if (e) (void)cudaEventDestroy(e);
  }

  /// Queues the copy of slot i's device values (`from`) to pinned memory and its event.
  void queued(context& ctx, std::int64_t i, const double* from) {
    auto& r = ctx.cuda();
    PARTRAIN_CUDA_CHECK(cudaMemcpyAsync(pinned(i), from, Width * sizeof(double), cudaMemcpyDeviceToHost, r.stream()));
    PARTRAIN_CUDA_CHECK(cudaEventRecord(events_[std::size_t(i % Depth)], r.stream()));
  }
  bool ready(std::int64_t i) const {
    const cudaError_t e = cudaEventQuery(events_[std::size_t(i % Depth)]);
    if (e == cudaErrorNotReady) return false;
    PARTRAIN_CUDA_CHECK(e);
    return true;
  }
  std::array<double, Width> read(std::int64_t i) {
    std::array<double, Width> m{};
    PARTRAIN_CUDA_CHECK(cudaEventSynchronize(events_[std::size_t(i % Depth)]));
    std::memcpy(m.data(), pinned(i), sizeof m);
    return m;
  }

 private:
  double* pinned(std::int64_t i) { return pinned_ + Width * (i % Depth); }
  std::array<cudaEvent_t, Depth> events_{};
  double* pinned_ = nullptr;  // the context's queue part, apart from what synchronous reads use
};

}  // namespace partrain::backend::cuda
