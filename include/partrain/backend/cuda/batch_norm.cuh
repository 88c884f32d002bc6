// Batch normalization on a GPU: the statistics in double over many parts per channel (two
// passes, as the CPU backend; channel_sums.hpp), then elementwise passes; inference is
// one elementwise functor.
#pragma once

#include <cmath>

#include "partrain/backend/channel_sums.hpp"
#include "partrain/backend/cuda/launch.cuh"

namespace partrain::backend::cuda {

namespace detail {

template <class T>
struct batch_norm_inference_fn {
  const T *x, *scale, *offset, *moving_mean, *moving_var;
  T* y;
  T epsilon;
  int channels, plane;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t i) const {
    const unsigned c = channel_sums::channel_layout{channels, unsigned(plane), 0, 0}.channel_of(i);
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
  double* scratch = resources(ctx).scratch<double>(4, channel_sums::scratch_size(n, channels, plane));
  channel_sums::batch_norm_forward_training(launch_passes{ctx}, scratch, n, channels, plane, x, scale, offset, epsilon,
                                            momentum, y, saved_mean, saved_inv_std, moving_mean, moving_var);
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
  double* scratch = resources(ctx).scratch<double>(4, channel_sums::scratch_size(n, channels, plane));
  channel_sums::batch_norm_backward(launch_passes{ctx}, scratch, n, channels, plane, x, dy, scale, saved_mean,
                                    saved_inv_std, dx, dscale, doffset);
}

}  // namespace partrain::backend::cuda
