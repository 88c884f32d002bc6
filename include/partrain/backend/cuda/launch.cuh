// Kernel launching on a context's stream: the grid-stride for_each_index that runs the same
// functors as the CPU loop, and the block reductions the statistics kernels share.
#pragma once

#include <algorithm>
#include <cstddef>

#include <cuda_runtime_api.h>

#include "partrain/backend/cuda/error.cuh"
#include "partrain/backend/context.hpp"

namespace partrain::backend::cuda {

inline constexpr int block_size = 256;

/// The context's CUDA resources with its device made current on this thread.
inline stream_resources& resources(context& ctx) {
  stream_resources& r = ctx.cuda();
  r.activate();
  return r;
}

template <class F>
__global__ void for_each_index_kernel(std::size_t n, F f) {
  const std::size_t stride = std::size_t(blockDim.x) * gridDim.x;
  for (std::size_t i = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) f(i);
}

/// Enough blocks to fill the device (8 per multiprocessor), fewer for small n.
inline unsigned grid_for(const stream_resources& r, std::size_t n) {
  const std::size_t wanted = (n + block_size - 1) / block_size;
  return unsigned(std::max<std::size_t>(1, std::min<std::size_t>(wanted, std::size_t(r.multiprocessors()) * 8)));
}

/// Calls f(i) for every i in [0, n) on the context's stream (asynchronous). F is a
/// trivially copyable functor with a __host__ __device__ operator()(std::size_t).
template <class F>
void for_each_index(context& ctx, std::size_t n, F f) {
  if (n == 0) return;
  stream_resources& r = resources(ctx);
  for_each_index_kernel<<<grid_for(r, n), block_size, 0, r.stream()>>>(n, f);
  PARTRAIN_CUDA_CHECK(cudaGetLastError());
}

/// Runs for_each_index passes on the context's stream (the channel_sums drivers take one).
struct launch_passes {
  context& ctx;
  template <class F>
  void operator()(std::size_t count, F f) const {
    for_each_index(ctx, count, f);
  }
};

/// dst[i] = src[i] on the context's stream (device to device).
template <class V>
void copy(context& ctx, const V* src, std::size_t n, V* dst) {
  if (n == 0) return;
  stream_resources& r = resources(ctx);
  PARTRAIN_CUDA_CHECK(cudaMemcpyAsync(dst, src, n * sizeof(V), cudaMemcpyDeviceToDevice, r.stream()));
}

/// Sum of v over the block (blockDim.x == block_size); the result is valid in thread 0.
template <class V>
__device__ V block_sum(V v) {
  __shared__ V partial[block_size / 32];
  for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(0xffffffffu, v, offset);
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  v = threadIdx.x < block_size / 32 ? partial[threadIdx.x] : V(0);
  if (warp == 0)
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(0xffffffffu, v, offset);
  __syncthreads();  // partial may be reused by the caller's next block_sum
  return v;
}

/// Sum of v over the block, returned to every thread.
template <class V>
__device__ V block_sum_all(V v) {
  __shared__ V total;
  v = block_sum(v);
  if (threadIdx.x == 0) total = v;
  __syncthreads();
  const V out = total;
  __syncthreads();
  return out;
}

}  // namespace partrain::backend::cuda

namespace partrain::backend::cuda {

namespace detail {
// One block, so the sum is taken in the same order every run.
template <class T>
__global__ void sum_of_squares_kernel(std::size_t n, const T* x, double* out) {
  double s = 0;
  for (std::size_t i = threadIdx.x; i < n; i += blockDim.x) s += double(x[i]) * x[i];
  s = block_sum(s);
  if (threadIdx.x == 0) *out = s;
}
}  // namespace detail

/// Sum of x[i]^2 in double; waits for the stream.
template <class T>
double sum_of_squares(context& ctx, std::size_t n, const T* x) {
  stream_resources& r = resources(ctx);
  double* d = r.scratch<double>(3, 1);
  detail::sum_of_squares_kernel<<<1, block_size, 0, r.stream()>>>(n, x, d);
  PARTRAIN_CUDA_CHECK(cudaGetLastError());
  PARTRAIN_CUDA_CHECK(cudaMemcpyAsync(r.pinned(), d, sizeof(double), cudaMemcpyDeviceToHost, r.stream()));
  r.synchronize();
  return *static_cast<const double*>(r.pinned());
}

}  // namespace partrain::backend::cuda
