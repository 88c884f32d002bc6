// Batch normalization over (N, H, W) per channel on the CPU.
#pragma once

#include <cmath>
#include <cstddef>

#include "partrain/core/tensor.hpp"

namespace partrain::backend::cpu {

/// Training mode: normalizes with batch statistics, saves mean and 1/sqrt(var+eps) for the
/// backward pass, and blends the batch statistics into the moving ones:
/// moving = (1 - momentum) * moving + momentum * batch (unbiased variance).
template <element_type T>
void batch_norm_forward_training(int n, int channels, int plane, const T* x, const T* scale,
                                 const T* offset, T epsilon, T momentum, T* y, T* saved_mean,
                                 T* saved_inv_std, T* moving_mean, T* moving_var) {
  const std::size_t m = std::size_t(n) * plane;
  for (int c = 0; c < channels; ++c) {
    double sum = 0;
    for (int i = 0; i < n; ++i) {
      const T* p = x + (std::size_t(i) * channels + c) * plane;
      for (int j = 0; j < plane; ++j) sum += p[j];
    }
    const double mean = sum / double(m);
    double sq = 0;
    for (int i = 0; i < n; ++i) {
      const T* p = x + (std::size_t(i) * channels + c) * plane;
      for (int j = 0; j < plane; ++j) sq += (p[j] - mean) * (p[j] - mean);
    }
    const double var = sq / double(m);
    const T inv_std = T(1 / std::sqrt(var + epsilon));
    saved_mean[c] = T(mean);
    saved_inv_std[c] = inv_std;
    const T a = scale[c] * inv_std, b = offset[c] - T(mean) * a;
    for (int i = 0; i < n; ++i) {
      const std::size_t base = (std::size_t(i) * channels + c) * plane;
      for (int j = 0; j < plane; ++j) y[base + j] = x[base + j] * a + b;
    }
    const double unbiased = m > 1 ? sq / double(m - 1) : var;
    moving_mean[c] = T((1 - momentum) * moving_mean[c] + momentum * mean);
    moving_var[c] = T((1 - momentum) * moving_var[c] + momentum * unbiased);
  }
}

/// Inference mode: normalizes with the moving statistics.
template <element_type T>
void batch_norm_forward_inference(int n, int channels, int plane, const T* x, const T* scale,
                                  const T* offset, T epsilon, const T* moving_mean,
                                  const T* moving_var, T* y) {
  for (int c = 0; c < channels; ++c) {
    const T a = scale[c] / std::sqrt(moving_var[c] + epsilon), b = offset[c] - moving_mean[c] * a;
    for (int i = 0; i < n; ++i) {
      const std::size_t base = (std::size_t(i) * channels + c) * plane;
      for (int j = 0; j < plane; ++j) y[base + j] = x[base + j] * a + b;
    }
  }
}

/// Gradients of the training-mode forward; dx, dscale, doffset are overwritten.
template <element_type T>
void batch_norm_backward(int n, int channels, int plane, const T* x, const T* dy, const T* scale,
                         const T* saved_mean, const T* saved_inv_std, T* dx, T* dscale,
                         T* doffset) {
  const double m = double(n) * plane;
  for (int c = 0; c < channels; ++c) {
    const T mean = saved_mean[c], inv_std = saved_inv_std[c];
    double sum_dy = 0, sum_dy_xhat = 0;
    for (int i = 0; i < n; ++i) {
      const std::size_t base = (std::size_t(i) * channels + c) * plane;
      for (int j = 0; j < plane; ++j) {
        sum_dy += dy[base + j];
        sum_dy_xhat += dy[base + j] * (x[base + j] - mean) * inv_std;
      }
    }
    dscale[c] = T(sum_dy_xhat);
    doffset[c] = T(sum_dy);
    if (!dx) continue;
    const T k = scale[c] * inv_std, mean_dy = T(sum_dy / m), mean_dy_xhat = T(sum_dy_xhat / m);
    for (int i = 0; i < n; ++i) {
      const std::size_t base = (std::size_t(i) * channels + c) * plane;
      for (int j = 0; j < plane; ++j) {
        const T xhat = (x[base + j] - mean) * inv_std;
        dx[base + j] = k * (dy[base + j] - mean_dy - xhat * mean_dy_xhat);
      }
    }
  }
}

}  // namespace partrain::backend::cpu
