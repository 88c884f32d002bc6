// Batch normalization over (N, H, W) per channel on the CPU, on the best vector tier. The
// kernels take an epilogue: the layers that follow (leaky_relu, max pooling; see
// batch_norm_epilogues.hpp), applied to each normalized plane while it is in cache, so a
// fused group reads and writes its activations once.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <type_traits>

#include "partrain/backend/cpu/kernel_tier.hpp"
#include "partrain/backend/cpu/reduce.hpp"
#include "partrain/backend/cpu/simd.hpp"
#include "partrain/config.hpp"
#include "partrain/core/tensor.hpp"

namespace partrain::backend::cpu {

/// No epilogue: the batch norm writes its own output (the unfused layer).
struct no_epilogue {};

namespace detail {
/// y[0..n) = x a + b.
template <element_type T>
PARTRAIN_TIERED_INLINE void affine_span(const T* __restrict x, T a, T b, T* __restrict y, std::size_t n) {
  simd::vec<T> v;
  std::size_t j = 0;
  for (; j + simd::width <= n; j += simd::width) {
    simd::load(v, x + j);
    simd::store(y + j, simd::vec<T>(v * a + b));
  }
  for (std::size_t l = 0; l < n - j && l < simd::width; ++l) y[j + l] = x[j + l] * a + b;
}

/// dx[0..n) = k (dy - mean_dy - (x - mean) slope): the input gradient of one plane. dx may
/// be dy itself (each vector is loaded before it is stored).
template <element_type T>
PARTRAIN_TIERED_INLINE void input_gradient_span(const T* __restrict x, const T* dy, T* dx, std::size_t n, T k,
                                                T mean_dy, T mean, T slope) {
  simd::vec<T> v, d;
  std::size_t j = 0;
  for (; j + simd::width <= n; j += simd::width) {
    simd::load(v, x + j), simd::load(d, dy + j);
    simd::store(dx + j, simd::vec<T>(k * (d - mean_dy - (v - mean) * slope)));
  }
  for (std::size_t l = 0; l < n - j && l < simd::width; ++l)
    dx[j + l] = k * (dy[j + l] - mean_dy - (x[j + l] - mean) * slope);
}

/// Mean and centred second moment of a channel, one plane at a time: each plane's sum and
/// its squares about its own mean (the second read from L1), combined in double by Chan's
/// pairwise update, so a channel is read once from far memory for its statistics, not twice.
struct moments {
  double count = 0, mean = 0, m2 = 0;
  template <element_type T>
  PARTRAIN_TIERED_INLINE void add(const T* p, std::size_t n) {
    const T sum = sum_of(p, n), shift = sum / T(n);
    const T squares = sum_of_squares(p, n, shift);
    const double size = double(n), plane_mean = double(sum) / size;
    // The squares are centred on T(plane_mean); remove that shift's contribution exactly.
    const double plane_m2 =
        std::max(double(squares) - size * (plane_mean - double(shift)) * (plane_mean - double(shift)), 0.0);
    const double total = count + size, delta = plane_mean - mean;
    mean += delta * size / total;
    m2 += plane_m2 + delta * delta * count * size / total;
    count = total;
  }
};

/// The normalization of a channel, y = x a + b.
template <element_type T>
struct affine {
  T a, b;
};

/// Plane p of the normalized input x (base at x + p plane), through the epilogue or into y.
template <element_type T, class E>
PARTRAIN_TIERED_INLINE void normalize_plane(std::size_t p, std::size_t plane, const T* x, affine<T> f, T* y,
                                            E& e) {
  if constexpr (std::is_same_v<E, no_epilogue>)
    affine_span(x + p * plane, f.a, f.b, y + p * plane, plane);
  else {
    affine_span(x + p * plane, f.a, f.b, e.z, plane);
    e.forward(p, y);
  }
}

/// The gradient with respect to plane p of the normalized output: dy's own plane, or what
/// the epilogue computes from dy (the group's output gradient), written into dx's plane p
/// (which the input gradient then overwrites in place) or, without dx, into scratch.
template <element_type T, class E>
PARTRAIN_TIERED_INLINE const T* output_gradient_plane(std::size_t p, std::size_t plane, const T* dy, T* dx,
                                                      E& e) {
  if constexpr (std::is_same_v<E, no_epilogue>) {
    return dy + p * plane;
  } else {
    T* out = dx ? dx + p * plane : e.gradient_scratch();
    e.backward(p, dy, out);
    return out;
  }
}

/// Asks for what the backward's first pass reads of plane p to be loaded: x's plane, and
/// dy's or what the epilogue reads instead.
template <element_type T, class E>
PARTRAIN_TIERED_INLINE void prefetch_gradient_inputs(std::size_t p, std::size_t plane, const T* x, const T* dy,
                                                     const E& e) {
  simd::prefetch(x + p * plane, plane);
  if constexpr (std::is_same_v<E, no_epilogue>)
    simd::prefetch(dy + p * plane, plane);
  else
    e.prefetch_backward(p, dy);
}

template <element_type T, class E>
struct batch_norm_training_kernel {
  PARTRAIN_TIERED_INLINE static void run(int n, int channels, int plane, const T* x, const T* scale,
                                         const T* offset, T epsilon, T momentum, T* y, T* saved_mean,
                                         T* saved_inv_std, T* moving_mean, T* moving_var, E e) {
    const std::size_t m = std::size_t(n) * plane;
    for (int c = 0; c < channels; ++c) {
      moments stats;
      for (int i = 0; i < n; ++i) {
        const T* xp = x + (std::size_t(i) * channels + c) * plane;
        if (i + 1 < n) simd::prefetch(xp + std::size_t(channels) * plane, plane);
        stats.add(xp, plane);
      }
      const double mean = stats.mean, sq = stats.m2, var = sq / double(m);
      const T inv_std = T(1 / std::sqrt(var + epsilon));
      saved_mean[c] = T(mean);
      saved_inv_std[c] = inv_std;
      const T a = scale[c] * inv_std;
      const affine<T> f{a, offset[c] - T(mean) * a};
      for (int i = 0; i < n; ++i) {
        const std::size_t p = std::size_t(i) * channels + c;
        if (i + 1 < n) simd::prefetch(x + (p + channels) * plane, plane);
        normalize_plane(p, plane, x, f, y, e);
      }
      const double unbiased = m > 1 ? sq / double(m - 1) : var;
      moving_mean[c] = T((1 - momentum) * moving_mean[c] + momentum * mean);
      moving_var[c] = T((1 - momentum) * moving_var[c] + momentum * unbiased);
    }
  }
};

template <element_type T, class E>
struct batch_norm_inference_kernel {
  PARTRAIN_TIERED_INLINE static void run(int n, int channels, int plane, const T* x, const T* scale,
                                         const T* offset, T epsilon, const T* moving_mean,
                                         const T* moving_var, T* y, E e) {
    for (int c = 0; c < channels; ++c) {
      const T a = scale[c] / std::sqrt(moving_var[c] + epsilon);
      const affine<T> f{a, offset[c] - moving_mean[c] * a};
      for (int i = 0; i < n; ++i) normalize_plane(std::size_t(i) * channels + c, plane, x, f, y, e);
    }
  }
};

template <element_type T, class E>
struct batch_norm_backward_kernel {
  PARTRAIN_TIERED_INLINE static void run(int n, int channels, int plane, const T* x, const T* dy,
                                         const T* scale, const T* saved_mean, const T* saved_inv_std, T* dx,
                                         T* dscale, T* doffset, E e) {
    const double m = double(n) * plane;
    for (int c = 0; c < channels; ++c) {
      const T mean = saved_mean[c], inv_std = saved_inv_std[c];
      double sum_dy = 0, sum_dy_xc = 0;  // sums of dy and of dy * (x - mean)
      for (int i = 0; i < n; ++i) {
        const std::size_t p = std::size_t(i) * channels + c;
        if (i + 1 < n) prefetch_gradient_inputs(p + channels, plane, x, dy, e);
        const T* d = output_gradient_plane(p, plane, dy, dx, e);
        const sum_and_dot<T> s = sum_and_dot_centred(d, x + p * plane, plane, mean);
        sum_dy += s.sum, sum_dy_xc += s.dot;
      }
      const double sum_dy_xhat = sum_dy_xc * double(inv_std);
      dscale[c] = T(sum_dy_xhat);
      doffset[c] = T(sum_dy);
      if (!dx) continue;
      // dx = k (dy - mean(dy) - xhat mean(dy xhat)), with xhat = (x - mean) inv_std.
      const T k = scale[c] * inv_std, mean_dy = T(sum_dy / m);
      const T slope = T(sum_dy_xhat / m) * inv_std;
      for (int i = 0; i < n; ++i) {  // dy's plane, or the group's gradient kept in dx
        const std::size_t p = std::size_t(i) * channels + c;
        const T* d = std::is_same_v<E, no_epilogue> ? dy + p * plane : dx + p * plane;
        if (i + 1 < n)
          simd::prefetch(x + (p + channels) * plane, plane), simd::prefetch(d + channels * plane, plane);
        input_gradient_span(x + p * plane, d, dx + p * plane, plane, k, mean_dy, mean, slope);
      }
    }
  }
};
}  // namespace detail

// The entry points: instantiated once for float and double in partrain::compiled
// (backend/cpu/instantiations.hpp).
inline namespace PARTRAIN_MODE_NAMESPACE {

/// Training mode: normalizes with batch statistics, saves mean and 1/sqrt(var+eps) for the
/// backward pass, and blends the batch statistics into the moving ones:
/// moving = (1 - momentum) * moving + momentum * batch (unbiased variance).
/// Each plane is summed in T (32 partial sums), its moments combined in double (`moments`):
/// one pass over the channel for the statistics, one for y. With an epilogue, y is the
/// epilogue's output.
template <element_type T, class E = no_epilogue>
void batch_norm_forward_training(int n, int channels, int plane, const T* x, const T* scale, const T* offset,
                                 T epsilon, T momentum, T* y, T* saved_mean, T* saved_inv_std, T* moving_mean,
                                 T* moving_var, E e = {}) {
  run_tiered<detail::batch_norm_training_kernel<T, E>>(n, channels, plane, x, scale, offset, epsilon,
                                                       momentum, y, saved_mean, saved_inv_std, moving_mean,
                                                       moving_var, e);
}

/// Inference mode: normalizes with the moving statistics.
template <element_type T, class E = no_epilogue>
void batch_norm_forward_inference(int n, int channels, int plane, const T* x, const T* scale, const T* offset,
                                  T epsilon, const T* moving_mean, const T* moving_var, T* y, E e = {}) {
  run_tiered<detail::batch_norm_inference_kernel<T, E>>(n, channels, plane, x, scale, offset, epsilon,
                                                        moving_mean, moving_var, y, e);
}

/// Gradients of the training-mode forward; dx, dscale, doffset are overwritten. With an
/// epilogue, dy is the gradient of the epilogue's output.
template <element_type T, class E = no_epilogue>
void batch_norm_backward(int n, int channels, int plane, const T* x, const T* dy, const T* scale,
                         const T* saved_mean, const T* saved_inv_std, T* dx, T* dscale, T* doffset,
                         E e = {}) {
  run_tiered<detail::batch_norm_backward_kernel<T, E>>(n, channels, plane, x, dy, scale, saved_mean,
                                                       saved_inv_std, dx, dscale, doffset, e);
}

}  // namespace PARTRAIN_MODE_NAMESPACE

}  // namespace partrain::backend::cpu
