// Batch normalization kernels: one block per channel computes the statistics in double (two
// passes, as the CPU backend), then normalizes; inference is an elementwise functor.
#pragma once

#include <cmath>

#include "partrain/backend/cuda/launch.cuh"

namespace partrain::backend::cuda {

namespace detail {

inline void check_index_range(int n, int plane) {
  PARTRAIN_CHECK(std::size_t(n) * std::size_t(plane) < (std::size_t(1) << 31), shape_error,
                 "[partrain::backend::cuda::batch_norm] ", n, " images of ", plane,
                 " pixels per channel; expected fewer than 2^31 values per channel");
}

template <class T>
__global__ void batch_norm_training_kernel(int n, int channels, int plane, const T* x, const T* scale,
                                           const T* offset, T epsilon, T momentum, T* y, T* saved_mean,
                                           T* saved_inv_std, T* moving_mean, T* moving_var) {
  const int c = blockIdx.x;
  const unsigned m = unsigned(n) * unsigned(plane);
  // 32-bit index arithmetic: a 64-bit division per element costs more than the math.
  auto at = [&](unsigned k) {
    const unsigned image = k / unsigned(plane);
    return (std::size_t(image) * channels + c) * plane + (k - image * unsigned(plane));
  };
  double sum = 0;
  for (unsigned k = threadIdx.x; k < m; k += blockDim.x) sum += double(x[at(k)]);
  const double mean = block_sum_all(sum) / double(m);
  double sq = 0;
  for (unsigned k = threadIdx.x; k < m; k += blockDim.x) {
    const double d = double(x[at(k)]) - mean;
    sq += d * d;
  }
  sq = block_sum_all(sq);
  const double var = sq / double(m);
  const T inv_std = T(1 / sqrt(var + double(epsilon)));
  const T a = scale[c] * inv_std, b = offset[c] - T(mean) * a;
  for (unsigned k = threadIdx.x; k < m; k += blockDim.x) y[at(k)] = x[at(k)] * a + b;
  if (threadIdx.x == 0) {
    saved_mean[c] = T(mean);
    saved_inv_std[c] = inv_std;
    const double unbiased = m > 1 ? sq / double(m - 1) : var;
    moving_mean[c] = T((1 - momentum) * moving_mean[c] + momentum * mean);
    moving_var[c] = T((1 - momentum) * moving_var[c] + momentum * unbiased);
  }
}

template <class T>
__global__ void batch_norm_backward_kernel(int n, int channels, int plane, const T* x, const T* dy,
                                           const T* scale, const T* saved_mean, const T* saved_inv_std, T* dx,
                                           T* dscale, T* doffset) {
  const int c = blockIdx.x;
  const unsigned m = unsigned(n) * unsigned(plane);
  // 32-bit index arithmetic: a 64-bit division per element costs more than the math.
  auto at = [&](unsigned k) {
    const unsigned image = k / unsigned(plane);
    return (std::size_t(image) * channels + c) * plane + (k - image * unsigned(plane));
  };
  const T mean = saved_mean[c], inv_std = saved_inv_std[c];
  double s_dy = 0, s_dy_xc = 0;
  for (unsigned k = threadIdx.x; k < m; k += blockDim.x) {
    const std::size_t j = at(k);
    s_dy += double(dy[j]);
    s_dy_xc += double(dy[j]) * double(x[j] - mean);
  }
  s_dy = block_sum_all(s_dy);
  s_dy_xc = block_sum_all(s_dy_xc);
  const double s_dy_xhat = s_dy_xc * double(inv_std);
  if (threadIdx.x == 0) dscale[c] = T(s_dy_xhat), doffset[c] = T(s_dy);
  if (!dx) return;
  const T k = scale[c] * inv_std, mean_dy = T(s_dy / double(m)), slope = T(s_dy_xhat / double(m)) * inv_std;
  for (unsigned i = threadIdx.x; i < m; i += blockDim.x) {
    const std::size_t j = at(i);
    dx[j] = k * (dy[j] - mean_dy - (x[j] - mean) * slope);
  }
}

template <class T>
struct batch_norm_inference_fn {
  const T *x, *scale, *offset, *moving_mean, *moving_var;
  T* y;
  T epsilon;
  int channels, plane;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t i) const {
    const int c = int((i / plane) % channels);
    const T a = scale[c] / sqrt(moving_var[c] + epsilon), b = offset[c] - moving_mean[c] * a;
    y[i] = x[i] * a + b;
  }
};

}  // namespace detail

/// Training mode (batch statistics; moving statistics blended with `momentum`, unbiased
/// variance), as the CPU backend. Every pointer is device memory.
template <class T>
void batch_norm_forward_training(context& ctx, int n, int channels, int plane, const T* x, const T* scale,
                                 const T* offset, T epsilon, T momentum, T* y, T* saved_mean, T* saved_inv_std,
                                 T* moving_mean, T* moving_var) {
  detail::check_index_range(n, plane);
  stream_resources& r = resources(ctx);
  detail::batch_norm_training_kernel<<<channels, block_size, 0, r.stream()>>>(
      n, channels, plane, x, scale, offset, epsilon, momentum, y, saved_mean, saved_inv_std, moving_mean,
      moving_var);
  PARTRAIN_CUDA_CHECK(cudaGetLastError());
}

template <class T>
void batch_norm_forward_inference(context& ctx, int n, int channels, int plane, const T* x, const T* scale,
                                  const T* offset, T epsilon, const T* moving_mean, const T* moving_var, T* y) {
  for_each_index(ctx, std::size_t(n) * channels * plane,
                 detail::batch_norm_inference_fn<T>{x, scale, offset, moving_mean, moving_var, y, epsilon,
                                                    channels, plane});
}

/// Gradients of the training-mode forward; dx (optional), dscale, doffset overwritten.
template <class T>
void batch_norm_backward(context& ctx, int n, int channels, int plane, const T* x, const T* dy, const T* scale,
                         const T* saved_mean, const T* saved_inv_std, T* dx, T* dscale, T* doffset) {
  detail::check_index_range(n, plane);
  stream_resources& r = resources(ctx);
  detail::batch_norm_backward_kernel<<<channels, block_size, 0, r.stream()>>>(
      n, channels, plane, x, dy, scale, saved_mean, saved_inv_std, dx, dscale, doffset);
  PARTRAIN_CUDA_CHECK(cudaGetLastError());
}

}  // namespace partrain::backend::cuda
