// A training step recorded once and replayed: on a CUDA context one graph launch per
// iteration instead of dozens (backend/cuda/step_graph.cuh); elsewhere the step runs plainly.
#pragma once

#include "partrain/backend/context.hpp"
#if defined(PARTRAIN_HAS_CUDA)
#include "partrain/backend/cuda/step_graph.cuh"
#endif

namespace partrain::backend {
// Its layout differs between nvcc and g++ builds, as the context's does.
inline namespace PARTRAIN_ABI_NAMESPACE {

/// run(ctx, enqueue) replays the step recorded from enqueue(), recording it anew when the
/// context's scratch memory moved since. enqueue() must queue work on the context's stream
/// only, allocate nothing, not wait, and bake in no value that changes between calls.
class step_graph {
 public:
  template <class F>
  void run(context& ctx, F&& enqueue) {
#if defined(PARTRAIN_HAS_CUDA)
    if (!ctx.memory().host) return cuda_.run(ctx, enqueue);
#endif
    (void)ctx;
    enqueue();
  }
  /// How many times the step was recorded (1 when the scratch memory never moved), and how
  /// many recordings another thread invalidated.
  int recordings() const {
#if defined(PARTRAIN_HAS_CUDA)
    return cuda_.recordings();
#else
    return 0;
#endif
  }
  int invalidated() const {
#if defined(PARTRAIN_HAS_CUDA)
    return cuda_.invalidated();
#else
    return 0;
#endif
  }

 private:
#if defined(PARTRAIN_HAS_CUDA)
  cuda::step_graph cuda_;
#endif
};

}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace partrain::backend
