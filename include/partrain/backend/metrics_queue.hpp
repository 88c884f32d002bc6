// Each iteration's loss and correct count, read back without making the device wait.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>

#include "partrain/backend/context.hpp"
#include "partrain/core/buffer.hpp"
#if defined(PARTRAIN_HAS_CUDA)
#include "partrain/backend/cuda/metrics_queue.cuh"
#endif

namespace partrain::backend {
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
    if (!ctx.memory().host) cuda_.emplace(ctx);
#endif
  }
  metrics_queue(const metrics_queue&) = delete;
  metrics_queue& operator=(const metrics_queue&) = delete;

  /// Where iteration i's {loss, correct} go (the context's memory).
  double* slot(std::int64_t i) { return device_.data() + 2 * (i % depth); }

  /// Call after the metrics of iteration i were queued into slot(i).
  void queued(std::int64_t i) {
#if defined(PARTRAIN_HAS_CUDA)
    if (cuda_) cuda_->queued(ctx_, i, slot(i));
#endif
    (void)i;
  }
  /// Whether iteration i's metrics can be read without waiting.
  bool ready(std::int64_t i) const {
#if defined(PARTRAIN_HAS_CUDA)
    if (cuda_) return cuda_->ready(i);
#endif
    (void)i;
    return true;
  }
  /// Iteration i's {loss, correct}, waiting for them if needed. Valid until slot i + depth is reused.
  std::array<double, 2> read(std::int64_t i) {
#if defined(PARTRAIN_HAS_CUDA)
    if (cuda_) return cuda_->read(i);
#endif
    std::array<double, 2> m{};
    std::memcpy(m.data(), slot(i), sizeof m);
    return m;
  }

 private:
#if defined(PARTRAIN_HAS_CUDA)
  std::optional<cuda::metrics_readback<depth, 2>> cuda_;
#endif
  context& ctx_;
  buffer<double> device_;
};

}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace partrain::backend
