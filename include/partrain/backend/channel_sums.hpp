// Sums over each channel of an NCHW tensor (batch-norm statistics, a convolution's bias
// gradient) in many small parts, so a GPU spreads one channel over thousands of threads
// instead of one block: each part sums a fixed stride of the channel's values in double,
// then one thread per channel adds its parts in order (the same sum every run).
// Host-callable functors: the CUDA backend launches them; the CPU tests check their arithmetic.
#pragma once

#include <cmath>
#include <cstddef>

#include "partrain/core/error.hpp"
#include "partrain/core/random.hpp"

namespace partrain::backend::channel_sums {

/// Parts per channel for m = n * plane values: about 64 values each, at most 1024.
constexpr unsigned parts_for(unsigned m) {
  const unsigned p = m / 64;
  return p < 1 ? 1 : (p > 1024 ? 1024 : p);
}

/// Where value k (0 <= k < n*plane) of channel c sits in NCHW memory. 32-bit division: a
/// 64-bit one per element costs more than the math.
struct channel_layout {
  int channels;
  unsigned plane, m, parts;
  PARTRAIN_HOST_DEVICE std::size_t at(unsigned c, unsigned k) const {
    const unsigned image = k / plane;
    return (std::size_t(image) * unsigned(channels) + c) * plane + (k - image * plane);
  }
  /// The channel of element i of the whole NCHW tensor.
  PARTRAIN_HOST_DEVICE unsigned channel_of(std::size_t i) const {
    if (i < (std::size_t(1) << 32)) return (unsigned(i) / plane) % unsigned(channels);
    return unsigned((i / plane) % unsigned(channels));
  }
  /// Sum of parts[c * parts .. c * parts + parts - 1], in order.
  PARTRAIN_HOST_DEVICE double total(const double* part_sums, unsigned c, unsigned stride = 1,
                                    unsigned field = 0) const {
    double s = 0;
    for (unsigned p = 0; p < parts; ++p) s += part_sums[(std::size_t(c) * parts + p) * stride + field];
    return s;
  }
};

/// Part t (channel t / parts): sum of x, or of (x - mean[c])^2 when mean is given.
template <class T>
struct sum_part_fn {
  channel_layout l;
  const T* x;
  const double* mean;  // null: plain sum
  double* part_sums;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t t) const {
    const unsigned c = unsigned(t) / l.parts, p = unsigned(t) - c * l.parts;
    double s = 0;
    if (mean) {
      const double mu = mean[c];
      for (unsigned k = p; k < l.m; k += l.parts) {
        const double d = double(x[l.at(c, k)]) - mu;
        s += d * d;
      }
    } else {
      for (unsigned k = p; k < l.m; k += l.parts) s += double(x[l.at(c, k)]);
    }
    part_sums[t] = s;
  }
};

/// Channel c: sums[c] from the parts of sum_part_fn.
template <class T>
struct store_sum_fn {
  channel_layout l;
  const double* part_sums;
  T* sums;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t c) const { sums[c] = T(l.total(part_sums, unsigned(c))); }
};

/// Channel c: mean[c] from the parts of sum_part_fn.
struct mean_fn {
  channel_layout l;
  const double* part_sums;
  double* mean;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t c) const { mean[c] = l.total(part_sums, unsigned(c)) / double(l.m); }
};

/// Channel c, from the squared deviations' parts: saved statistics, moving statistics
/// (momentum, unbiased variance, as the CPU backend) and y = a*x + b's coefficients.
template <class T>
struct finish_forward_fn {
  channel_layout l;
  const double* part_sums;
  const double* mean;
  const T *scale, *offset;
  T epsilon, momentum;
  T *saved_mean, *saved_inv_std, *moving_mean, *moving_var;
  double* coefficients;  // a, b per channel (values of T)
  PARTRAIN_HOST_DEVICE void operator()(std::size_t c) const {
    const double sq = l.total(part_sums, unsigned(c)), mu = mean[c];
    const double var = sq / double(l.m);
    const T inv_std = T(1 / sqrt(var + double(epsilon)));
    const T a = scale[c] * inv_std;
    coefficients[2 * c] = a;
    coefficients[2 * c + 1] = T(offset[c] - T(mu) * a);
    saved_mean[c] = T(mu);
    saved_inv_std[c] = inv_std;
    const double unbiased = l.m > 1 ? sq / double(l.m - 1) : var;
    moving_mean[c] = T((1 - momentum) * moving_mean[c] + momentum * mu);
    moving_var[c] = T((1 - momentum) * moving_var[c] + momentum * unbiased);
  }
};

/// Element i: y = a[c] * x + b[c].
template <class T>
struct apply_fn {
  channel_layout l;
  const T* x;
  const double* coefficients;
  T* y;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t i) const {
    const unsigned c = l.channel_of(i);
    y[i] = x[i] * T(coefficients[2 * c]) + T(coefficients[2 * c + 1]);
  }
};

/// Part t: sums of dy and of dy * (x - saved_mean) into part_sums[2t], part_sums[2t + 1].
template <class T>
struct backward_part_fn {
  channel_layout l;
  const T *x, *dy, *saved_mean;
  double* part_sums;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t t) const {
    const unsigned c = unsigned(t) / l.parts, p = unsigned(t) - c * l.parts;
    const T mean = saved_mean[c];
    double s_dy = 0, s_dy_xc = 0;
    for (unsigned k = p; k < l.m; k += l.parts) {
      const std::size_t j = l.at(c, k);
      s_dy += double(dy[j]);
      s_dy_xc += double(dy[j]) * double(x[j] - mean);
    }
    part_sums[2 * t] = s_dy;
    part_sums[2 * t + 1] = s_dy_xc;
  }
};

/// Channel c: dscale, doffset and dx = k * (dy - mean_dy - (x - mean) * slope)'s coefficients.
template <class T>
struct finish_backward_fn {
  channel_layout l;
  const double* part_sums;
  const T *scale, *saved_inv_std;
  T *dscale, *doffset;
  double* coefficients;  // k, mean_dy, slope per channel (values of T)
  PARTRAIN_HOST_DEVICE void operator()(std::size_t c) const {
    const double s_dy = l.total(part_sums, unsigned(c), 2, 0), s_dy_xc = l.total(part_sums, unsigned(c), 2, 1);
    const T inv_std = saved_inv_std[c];
    const double s_dy_xhat = s_dy_xc * double(inv_std);
    dscale[c] = T(s_dy_xhat);
    doffset[c] = T(s_dy);
    coefficients[3 * c] = T(scale[c] * inv_std);
    coefficients[3 * c + 1] = T(s_dy / double(l.m));
    coefficients[3 * c + 2] = T(T(s_dy_xhat / double(l.m)) * inv_std);
  }
};

/// Element i: dx.
template <class T>
struct input_gradient_fn {
  channel_layout l;
  const T *x, *dy, *saved_mean;
  const double* coefficients;
  T* dx;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t i) const {
    const unsigned c = l.channel_of(i);
    const double* k = coefficients + 3 * c;
    dx[i] = T(k[0]) * (dy[i] - T(k[1]) - (x[i] - saved_mean[c]) * T(k[2]));
  }
};

/// Doubles of scratch the passes below need for n images of `channels` planes.
inline std::size_t scratch_size(int n, int channels, int plane) {
  return std::size_t(channels) * (2 * parts_for(unsigned(n) * unsigned(plane)) + 4);
}

namespace detail {
inline channel_layout layout(int n, int channels, int plane) {
  PARTRAIN_CHECK(std::size_t(n) * std::size_t(plane) < (std::size_t(1) << 31), shape_error,
                 "[partrain::backend::channel_sums] ", n, " images of ", plane,
                 " values per channel; expected fewer than 2^31 values per channel");
  const unsigned m = unsigned(n) * unsigned(plane);
  return {channels, unsigned(plane), m, parts_for(m)};
}
}  // namespace detail

/// sums[c] = the sum of channel c's n * plane values, as two passes of for_each(count,
/// functor), which runs functor(i) for i in [0, count), pass after pass. `scratch` holds
/// scratch_size(...) doubles. Requires n * plane < 2^31, as the passes below.
template <class T, class ForEach>
void sum(ForEach&& for_each, double* scratch, int n, int channels, int plane, const T* x, T* sums) {
  const channel_layout l = detail::layout(n, channels, plane);
  for_each(std::size_t(channels) * l.parts, sum_part_fn<T>{l, x, nullptr, scratch});
  for_each(std::size_t(channels), store_sum_fn<T>{l, scratch, sums});
}

/// Batch normalization's training-mode forward as five passes, as sum().
template <class T, class ForEach>
void batch_norm_forward_training(ForEach&& for_each, double* scratch, int n, int channels, int plane, const T* x,
                      const T* scale, const T* offset, T epsilon, T momentum, T* y, T* saved_mean,
                      T* saved_inv_std, T* moving_mean, T* moving_var) {
  const channel_layout l = detail::layout(n, channels, plane);
  const std::size_t parts = std::size_t(channels) * l.parts;
  double *part_sums = scratch, *mean = scratch + 2 * parts, *coefficients = mean + channels;
  for_each(parts, sum_part_fn<T>{l, x, nullptr, part_sums});
  for_each(std::size_t(channels), mean_fn{l, part_sums, mean});
  for_each(parts, sum_part_fn<T>{l, x, mean, part_sums});
  for_each(std::size_t(channels), finish_forward_fn<T>{l, part_sums, mean, scale, offset, epsilon, momentum,
                                                       saved_mean, saved_inv_std, moving_mean, moving_var,
                                                       coefficients});
  for_each(std::size_t(n) * channels * plane, apply_fn<T>{l, x, coefficients, y});
}

/// Gradients of the training-mode forward (dx optional) as three passes, as sum().
template <class T, class ForEach>
void batch_norm_backward(ForEach&& for_each, double* scratch, int n, int channels, int plane, const T* x, const T* dy,
              const T* scale, const T* saved_mean, const T* saved_inv_std, T* dx, T* dscale, T* doffset) {
  const channel_layout l = detail::layout(n, channels, plane);
  const std::size_t parts = std::size_t(channels) * l.parts;
  double *part_sums = scratch, *coefficients = scratch + 2 * parts + channels;
  for_each(parts, backward_part_fn<T>{l, x, dy, saved_mean, part_sums});
  for_each(std::size_t(channels),
           finish_backward_fn<T>{l, part_sums, scale, saved_inv_std, dscale, doffset, coefficients});
  if (dx) for_each(std::size_t(n) * channels * plane, input_gradient_fn<T>{l, x, dy, saved_mean, coefficients, dx});
}

}  // namespace partrain::backend::channel_sums
