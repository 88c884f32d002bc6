// Elementwise math written once for every backend: plain functors over an index.
#pragma once

#include <cstddef>
#include <cstdint>

#include "partrain/backend/geometry.hpp"
#include "partrain/core/random.hpp"

namespace partrain::backend {

/// The winner of max-pool window (oy, ox) over the plane xp: best and its index `at` in the
/// plane, the first of equal maxima in scan order; at stays -1 (best as given) when the
/// window covers no cell.
template <class T>
PARTRAIN_HOST_DEVICE void max_pool_window(const window_geometry& g, const T* xp, int oy, int ox, T& best,
                                          std::int32_t& at) {
  at = -1;
  for (int ky = 0; ky < g.kernel_h; ++ky) {
    const int iy = oy * g.stride_h - g.pad_top + ky;
    if (iy < 0 || iy >= g.in_h) continue;
    for (int kx = 0; kx < g.kernel_w; ++kx) {
      const int ix = ox * g.stride_w - g.pad_left + kx;
      if (ix < 0 || ix >= g.in_w) continue;
      const T v = xp[iy * g.in_w + ix];
      if (at < 0 || v > best) best = v, at = iy * g.in_w + ix;
    }
  }
}

/// max(v, 0) with slope `leak` below zero (leak 0 is ReLU); NaN stays NaN. Written so that
/// for leak 0 it is a plain select the CPU loop vectorizes (a multiply under a branch is not
/// if-converted without -fno-trapping-math).
template <class T>
PARTRAIN_HOST_DEVICE inline T leaky_relu_value(T v, T leak) {
  return v <= T(0) ? (leak == T(0) ? T(0) : leak * v) : v;
}

/// y = leaky_relu(x).
template <class T>
struct leaky_relu_forward_fn {
  const T* x;
  T* y;
  T leak;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t i) const { y[i] = leaky_relu_value(x[i], leak); }
};

/// dx = dy where x > 0, leak * dy where x <= 0.
template <class T>
struct leaky_relu_backward_fn {
  const T* x;
  const T* dy;
  T* dx;
  T leak;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t i) const {
    const T d = dy[i];
    dx[i] = x[i] <= T(0) ? (leak == T(0) ? T(0) : leak * d) : d;
  }
};

/// y = a + b (a residual block's addition).
template <class T>
struct add_fn {
  const T* a;
  const T* b;
  T* y;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t i) const { y[i] = a[i] + b[i]; }
};

/// y = leaky_relu(a + b): a residual block's addition and its activation in one pass, the
/// same operations as add_fn then leaky_relu_forward_fn.
template <class T>
struct add_leaky_relu_fn {
  const T* a;
  const T* b;
  T* y;
  T leak;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t i) const { y[i] = leaky_relu_value(a[i] + b[i], leak); }
};

/// y += x (a block's input gradient: the shortcut's added to the body's).
template <class T>
struct add_to_fn {
  const T* x;
  T* y;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t i) const { y[i] += x[i]; }
};

/// Inverted dropout: keeps an element with probability 1-p and scales it by 1/(1-p).
/// The mask is a pure function of (seed, step, element), so it is recomputed in backward.
template <class T>
struct dropout_fn {
  const T* in;
  T* out;
  float p;
  std::uint64_t seed;
  std::uint32_t step;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t i) const {
    const auto bits = random_bits(seed, step, std::uint32_t(i >> 32), std::uint32_t(i));
    out[i] = uniform01(bits[0]) < p ? T(0) : in[i] / T(1 - p);
  }
};

/// y = (x - shift) * scale / divisor, with shift and divisor per image element (or the
/// scalars shift0 and 1 when null), repeated over the batch. With `range` ({min, max} in
/// the same memory as x), shift0 and scale0 map [min, max] to [0, 1] (or [-1, 1] when
/// symmetric), read where the op runs; shift0 only when range_shift (forward).
template <class T>
struct normalize_fn {
  const T* x;
  T* y;
  const T* shift;    ///< per image element, or nullptr for shift0
  const T* divisor;  ///< per image element, or nullptr for 1
  std::size_t image_size;
  T shift0, scale0;
  const T* range = nullptr;
  bool range_shift = false, symmetric = false;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t i) const {
    const std::size_t j = i % image_size;
    T s0 = shift0, k = scale0;
    if (range) {
      const T lo = range[0], hi = range[1];
      s0 = range_shift ? (symmetric ? (lo + hi) / 2 : lo) : T(0);
      k = (symmetric ? T(2) : T(1)) / (hi - lo);
    }
    y[i] = (x[i] - (shift ? shift[j] : s0)) * k / (divisor ? divisor[j] : T(1));
  }
};

/// f(i), unless *cancel is nonzero: work queued on a device that a flag set by earlier work
/// on the same stream can cancel (an update after a diverged loss) without the host waiting.
template <class F>
struct unless_cancelled_fn {
  F f;
  const int* cancel;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t i) const {
    if (*cancel == 0) f(i);
  }
};

}  // namespace partrain::backend
