// Batch normalization over (N, H, W) per channel on the CPU.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "partrain/backend/cpu/reduce.hpp"
#include "partrain/core/tensor.hpp"

namespace partrain::backend::cpu {

/// Training mode: normalizes with batch statistics, saves mean and 1/sqrt(var+eps) for the
/// backward pass, and blends the batch statistics into the moving ones:
/// moving = (1 - momentum) * moving + momentum * batch (unbiased variance).
/// Each plane is summed in T (8 partial sums), the planes in double: two passes for the
/// statistics, one for y.
template <element_type T>
void batch_norm_forward_training(int n, int channels, int plane, const T* x, const T* scale,
                                 const T* offset, T epsilon, T momentum, T* y, T* saved_mean,
                                 T* saved_inv_std, T* moving_mean, T* moving_var) {
  const std::size_t m = std::size_t(n) * plane;
  for (int c = 0; c < channels; ++c) {
    double sum = 0;
    for (int i = 0; i < n; ++i) sum += sum_of(x + (std::size_t(i) * channels + c) * plane, plane);
    const double mean = sum / double(m);
    const T shift = T(mean);
    double sq = 0;
    for (int i = 0; i < n; ++i)
      sq += sum_of_squares(x + (std::size_t(i) * channels + c) * plane, plane, shift);
    // The squares are centred on T(mean); remove that shift's contribution exactly.
    sq = std::max(sq - double(m) * (mean - double(shift)) * (mean - double(shift)), 0.0);
    const double var = sq / double(m);
    const T inv_std = T(1 / std::sqrt(var + epsilon));
    saved_mean[c] = T(mean);
    saved_inv_std[c] = inv_std;
    const T a = scale[c] * inv_std, b = offset[c] - T(mean) * a;
    for (int i = 0; i < n; ++i) {
      const std::size_t base = (std::size_t(i) * channels + c) * plane;
      const T* xp = x + base;
      T* yp = y + base;
      for (int j = 0; j < plane; ++j) yp[j] = xp[j] * a + b;
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
    double sum_dy = 0, sum_dy_xc = 0;  // sums of dy and of dy * (x - mean)
    for (int i = 0; i < n; ++i) {
      const std::size_t base = (std::size_t(i) * channels + c) * plane;
      sum_dy += sum_of(dy + base, plane);
      sum_dy_xc += dot_centred(dy + base, x + base, plane, mean);
    }
    const double sum_dy_xhat = sum_dy_xc * double(inv_std);
    dscale[c] = T(sum_dy_xhat);
    doffset[c] = T(sum_dy);
    if (!dx) continue;
    // dx = k (dy - mean(dy) - xhat mean(dy xhat)), with xhat = (x - mean) inv_std.
    const T k = scale[c] * inv_std, mean_dy = T(sum_dy / m);
    const T slope = T(sum_dy_xhat / m) * inv_std;
    for (int i = 0; i < n; ++i) {
      const std::size_t base = (std::size_t(i) * channels + c) * plane;
      const T *xp = x + base, *dyp = dy + base;
      T* dxp = dx + base;
      for (int j = 0; j < plane; ++j) dxp[j] = k * (dyp[j] - mean_dy - (xp[j] - mean) * slope);
    }
  }
}

}  // namespace partrain::backend::cpu
