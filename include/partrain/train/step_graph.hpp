// A training step recorded once as a CUDA graph and replayed: one launch per iteration
// instead of dozens. A no-op stand-in on the CPU.
#pragma once

#include <cstdint>
#include <utility>

#include "partrain/core/context.hpp"

namespace partrain {

/// run(ctx, key, enqueue) replays the graph recorded for `key`, recording enqueue() anew
/// (and updating the executable graph in place) when the key changed. The key must
/// capture every value the step bakes into its launches: the learn rate, and the
/// context's scratch generation (a grown scratch buffer moves the step's workspace).
/// enqueue() must queue work on the context's stream only, allocate nothing and not wait.
class step_graph {
 public:
  struct key_type {
    double learn_rate = 0;
    std::uint64_t scratch_generation = 0;
    bool operator==(const key_type&) const = default;
  };

  step_graph() = default;
  step_graph(const step_graph&) = delete;
  step_graph& operator=(const step_graph&) = delete;
  ~step_graph() {
#if defined(PARTRAIN_HAS_CUDA)
    if (exec_) (void)cudaGraphExecDestroy(exec_);
#endif
  }

  template <class F>
  void run(context& ctx, key_type key, F&& enqueue) {
#if defined(PARTRAIN_HAS_CUDA)
    if (!ctx.memory().host) {
      auto& r = ctx.cuda();
      if (!exec_ || !(key == key_)) record(r.stream(), enqueue), key_ = key, ++recordings_;
      PARTRAIN_CUDA_CHECK(cudaGraphLaunch(exec_, r.stream()));
      return;
    }
#endif
    (void)key;
    enqueue();
  }
  /// How many times the step was recorded (1 when the key never changed).
  int recordings() const { return recordings_; }

 private:
#if defined(PARTRAIN_HAS_CUDA)
  template <class F>
  void record(cudaStream_t stream, F& enqueue) {
    cudaGraph_t graph = nullptr;
    PARTRAIN_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    try {
      enqueue();
    } catch (...) {
      (void)cudaStreamEndCapture(stream, &graph);
      if (graph) (void)cudaGraphDestroy(graph);
      throw;
    }
    PARTRAIN_CUDA_CHECK(cudaStreamEndCapture(stream, &graph));
    bool updated = false;
    if (exec_) {
      cudaGraphExecUpdateResultInfo info{};
      updated = cudaGraphExecUpdate(exec_, graph, &info) == cudaSuccess;
      if (!updated) {
        (void)cudaGetLastError();
        (void)cudaGraphExecDestroy(exec_);
        exec_ = nullptr;
      }
    }
    cudaError_t e = cudaSuccess;
    if (!updated) e = cudaGraphInstantiate(&exec_, graph, 0);
    (void)cudaGraphDestroy(graph);
    PARTRAIN_CUDA_CHECK(e);
  }
  cudaGraphExec_t exec_ = nullptr;
#endif
  key_type key_{};
  int recordings_ = 0;
};

}  // namespace partrain
