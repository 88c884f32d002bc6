// The CUDA part of backend::step_graph: a step recorded once as a CUDA graph and replayed.
// Moved from train/step_graph.hpp without a change of logic.
#pragma once

#include <cstdint>

#include <cuda_runtime_api.h>

#include "partrain/backend/context.hpp"
#include "partrain/backend/cuda/error.cuh"
#include "partrain/core/error.hpp"

namespace partrain::backend::cuda {

/// run(ctx, enqueue) replays the graph recorded from enqueue() on the context's stream,
/// recording it anew (and updating the executable graph in place) when the context's
/// scratch memory moved since.
class step_graph {
 public:
  step_graph() = default;
  step_graph(const step_graph&) = delete;
  step_graph& operator=(const step_graph&) = delete;
  ~step_graph() {
    if (exec_) (void)cudaGraphExecDestroy(exec_);
  }

  template <class F>
  void run(context& ctx, F& enqueue) {
    auto& r = ctx.cuda();
    const std::uint64_t generation = ctx.scratch_generation();
    if (!exec_ || generation != generation_) {
      if (!record(r.stream(), enqueue)) {
        // Another thread synchronized the device (cudaFree, cudaFreeHost, destroying a
        // context) during the recording, which invalidates it: run this step plainly and
        // record on the next one.
        ++invalidated_;
        enqueue();
        return;
      }
      generation_ = generation, ++recordings_;
    }
    PARTRAIN_CUDA_CHECK(cudaGraphLaunch(exec_, r.stream()));
  }
  int recordings() const { return recordings_; }
  int invalidated() const { return invalidated_; }

 private:
  // Records enqueue() into exec_; false when the recording was invalidated from outside.
  template <class F>
  bool record(cudaStream_t stream, F& enqueue) {
    cudaGraph_t graph = nullptr;
    PARTRAIN_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    try {
      enqueue();
    } catch (const error&) {  // a launch, cuBLAS or cuDNN call failing because of it, or not
      const bool lost = invalidated(stream);
      (void)cudaStreamEndCapture(stream, &graph);
      if (graph) (void)cudaGraphDestroy(graph);
      (void)cudaGetLastError();
      if (lost) return false;
      throw;
    }
    const cudaError_t ended = cudaStreamEndCapture(stream, &graph);
    if (ended == cudaErrorStreamCaptureInvalidated) {
      if (graph) (void)cudaGraphDestroy(graph);
      (void)cudaGetLastError();
      return false;
    }
    PARTRAIN_CUDA_CHECK(ended);
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
    return true;
  }
  static bool invalidated(cudaStream_t stream) {
    cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
    return cudaStreamIsCapturing(stream, &status) == cudaSuccess && status == cudaStreamCaptureStatusInvalidated;
  }
  cudaGraphExec_t exec_ = nullptr;
  std::uint64_t generation_ = 0;
  int recordings_ = 0, invalidated_ = 0;
};

}  // namespace partrain::backend::cuda
