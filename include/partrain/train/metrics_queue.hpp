// Each iteration's loss and correct count, read back without making the device wait.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "partrain/core/buffer.hpp"
#include "partrain/core/context.hpp"

namespace partrain {
// Its layout differs between nvcc and g++ builds, as the context's does.
inline namespace PARTRAIN_ABI_NAMESPACE {

/// On a CUDA context, batch metrics written to slot(i) are copied to pinned memory with an
/// event behind them and read when the event has passed, up to `depth` iterations later,
/// so the host never stalls the stream to learn a loss. On the CPU they are ready at once.
class metrics_queue {
 public:
  static constexpr int depth = 8;

  explicit metrics_queue(context& ctx) : ctx_(ctx), device_(2 * depth, ctx.memory()) {
#if defined(PARTRAIN_HAS_CUDA)
    if (!ctx.memory().host) {
      static_assert(2 * depth * sizeof(double) <= backend::cuda::stream_resources::pinned_bytes);
      pinned_ = static_cast<double*>(ctx.cuda().pinned_queue());
      for (auto& e : events_) PARTRAIN_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
    }
#endif
  }
  metrics_queue(const metrics_queue&) = delete;
  metrics_queue& operator=(const metrics_queue&) = delete;
  ~metrics_queue() {
#if defined(PARTRAIN_HAS_CUDA)
    for (auto& e : events_)
      if (e) (void)cudaEventDestroy(e);
#endif
  }

  /// Where iteration i's {loss, correct} go (the context's memory).
  double* slot(std::int64_t i) { return device_.data() + 2 * (i % depth); }

  /// Call after the metrics of iteration i were queued into slot(i).
  void queued(std::int64_t i) {
#if defined(PARTRAIN_HAS_CUDA)
    if (!ctx_.memory().host) {
      auto& r = ctx_.cuda();
      PARTRAIN_CUDA_CHECK(cudaMemcpyAsync(pinned(i), slot(i), 2 * sizeof(double), cudaMemcpyDeviceToHost, r.stream()));
      PARTRAIN_CUDA_CHECK(cudaEventRecord(events_[std::size_t(i % depth)], r.stream()));
    }
#endif
    (void)i;
  }
  /// Whether iteration i's metrics can be read without waiting.
  bool ready(std::int64_t i) const {
#if defined(PARTRAIN_HAS_CUDA)
    if (!ctx_.memory().host) {
      const cudaError_t e = cudaEventQuery(events_[std::size_t(i % depth)]);
      if (e == cudaErrorNotReady) return false;
      PARTRAIN_CUDA_CHECK(e);
    }
#endif
    (void)i;
    return true;
  }
  /// Iteration i's {loss, correct}, waiting for them if needed. Valid until slot i + depth is reused.
  std::array<double, 2> read(std::int64_t i) {
    std::array<double, 2> m{};
#if defined(PARTRAIN_HAS_CUDA)
    if (!ctx_.memory().host) {
      PARTRAIN_CUDA_CHECK(cudaEventSynchronize(events_[std::size_t(i % depth)]));
      std::memcpy(m.data(), pinned(i), sizeof m);
      return m;
    }
#endif
    std::memcpy(m.data(), slot(i), sizeof m);
    return m;
  }

 private:
#if defined(PARTRAIN_HAS_CUDA)
  double* pinned(std::int64_t i) { return pinned_ + 2 * (i % depth); }
  std::array<cudaEvent_t, depth> events_{};
  double* pinned_ = nullptr;  // the context's queue part, apart from what synchronous reads use
#endif
  context& ctx_;
  buffer<double> device_;
};

}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace partrain
