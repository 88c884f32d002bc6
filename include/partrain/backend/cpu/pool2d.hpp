// Max and average pooling on the CPU. Max pooling records the winning input index. The
// common 2x2 stride-2 unpadded windows run a branch-free forward loop.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "partrain/backend/cpu/kernel_tier.hpp"
#include "partrain/backend/cpu/simd.hpp"
#include "partrain/backend/functors.hpp"
#include "partrain/backend/geometry.hpp"
#include "partrain/config.hpp"
#include "partrain/core/tensor.hpp"

namespace partrain::backend::cpu {

namespace detail {
/// 2x2 windows at stride 2 without padding: disjoint windows, each cell in at most one.
PARTRAIN_TIERED_INLINE bool pool_2x2(const window_geometry& g) {
  return g.kernel_h == 2 && g.kernel_w == 2 && g.stride_h == 2 && g.stride_w == 2 &&
         g.pad_top == 0 && g.pad_left == 0 && 2 * g.out_h <= g.in_h && 2 * g.out_w <= g.in_w;
}

/// Whether 8 outputs from output row oy, and 16 inputs from each of its two input rows,
/// stay inside the plane: a short row may then run as one vector step, past its end.
PARTRAIN_TIERED_INLINE bool room_for_eight(const window_geometry& g, int oy) {
  return (g.out_h - oy) * g.out_w >= 8 && (g.in_h - 2 * oy - 1) * g.in_w >= 16;
}

/// Out of `best` and v, the window's winner so far: v when strictly greater (branch-free, as
/// the winners are data-dependent and unpredictable).
template <element_type T>
PARTRAIN_TIERED_INLINE void challenge(T& best, std::int32_t& at, T v, std::int32_t i) {
  const std::int32_t wins = -std::int32_t(v > best);
  at ^= (at ^ i) & wins;
  best = std::max(best, v);
}

/// Outputs [o, o + 8) of a 2x2 max-pool row in float vectors (the same winners as challenge).
PARTRAIN_TIERED_INLINE void max_pool_2x2_eight(int o, const float* __restrict r0, const float* __restrict r1,
                                               std::int32_t at0, std::int32_t w, float* __restrict y,
                                               std::int32_t* __restrict argmax) {
  using f8 = simd::lanes8<float>;
  using i8 = typename simd::vector_of<std::int32_t, 8>::type;
  simd::vec<float> top, bottom;
  simd::load(top, r0 + 2 * o), simd::load(bottom, r1 + 2 * o);
  const f8 a = __builtin_shufflevector(top, top, 0, 2, 4, 6, 8, 10, 12, 14);
  const f8 b = __builtin_shufflevector(top, top, 1, 3, 5, 7, 9, 11, 13, 15);
  const f8 c = __builtin_shufflevector(bottom, bottom, 0, 2, 4, 6, 8, 10, 12, 14);
  const f8 d = __builtin_shufflevector(bottom, bottom, 1, 3, 5, 7, 9, 11, 13, 15);
  const i8 i = at0 + 2 * o + i8{0, 2, 4, 6, 8, 10, 12, 14};
  f8 best = a;
  i8 at = i;
  i8 wins = b > best;
  at = wins ? i + 1 : at, best = wins ? b : best;
  wins = c > best;
  at = wins ? i + w : at, best = wins ? c : best;
  wins = d > best;
  at = wins ? i + w + 1 : at, best = wins ? d : best;
  simd::store(y + o, best), simd::store(argmax + o, at);
}

/// One output row of 2x2 max pooling over input rows r0, r1 (r1 = r0 + w); the same
/// winner as the general loop: scan order (0,0), (0,1), (1,0), (1,1), strictly greater wins.
/// Rows of 8 outputs or more run in vectors, the last step overlapping the one before;
/// shorter ones run one vector step where there is room, else through copies.
template <element_type T>
PARTRAIN_TIERED_INLINE void max_pool_2x2_row(int out_w, const T* __restrict r0, const T* __restrict r1,
                                             std::int32_t at0, std::int32_t w, T* __restrict y,
                                             std::int32_t* __restrict argmax, bool room) {
  if constexpr (std::is_same_v<T, float>) {
    if (out_w >= 8) {
      for (int o = 0; o < out_w; o += 8) max_pool_2x2_eight(std::min(o, out_w - 8), r0, r1, at0, w, y, argmax);
      return;
    }
    if (room) {  // a short row: the vectors read into the next rows and write into
      max_pool_2x2_eight(0, r0, r1, at0, w, y, argmax);  // the next output rows, computed after
      return;
    }
  }
  // The plane's last short rows (a vector would go past the plane; a copy into one would
  // stall on the store) and other element types: one window at a time.
  for (int ox = 0; ox < out_w; ++ox) {
    const std::int32_t i = at0 + 2 * ox;
    T best = r0[2 * ox];
    std::int32_t at = i;
    challenge(best, at, r0[2 * ox + 1], i + 1);
    challenge(best, at, r1[2 * ox], i + w);
    challenge(best, at, r1[2 * ox + 1], i + w + 1);
    y[ox] = best;
    argmax[ox] = at;
  }
}

/// Outputs [o, o + 8) of a 2x2 max-pool row's gradient: each window's four cells get dy
/// where the winner was, 0 elsewhere.
PARTRAIN_TIERED_INLINE void max_pool_2x2_gradient_eight(int o, const std::int32_t* __restrict at,
                                                        const float* __restrict dy, std::int32_t at0,
                                                        std::int32_t w, float* __restrict top,
                                                        float* __restrict bottom) {
  using f8 = simd::lanes8<float>;
  using i8 = typename simd::vector_of<std::int32_t, 8>::type;
  i8 winner;
  f8 d;
  simd::load(winner, at + o), simd::load(d, dy + o);
  const i8 i = at0 + 2 * o + i8{0, 2, 4, 6, 8, 10, 12, 14};
  const f8 zero{};
  const f8 a = winner == i ? d : zero, b = winner == i + 1 ? d : zero;
  const f8 c = winner == i + w ? d : zero, e = winner == i + w + 1 ? d : zero;
  // Interleaved: the top row is a0 b0 a1 b1 ..., the bottom row c0 e0 c1 e1 ...
  const simd::vec<float> upper =
      __builtin_shufflevector(a, b, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
  const simd::vec<float> lower =
      __builtin_shufflevector(c, e, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
  simd::store(top + 2 * o, upper), simd::store(bottom + 2 * o, lower);
}

/// The gradient of one 2x2 max-pool output row over input rows top and bottom (= top + w).
template <element_type T>
PARTRAIN_TIERED_INLINE void max_pool_2x2_row_gradient(int out_w, const std::int32_t* __restrict at,
                                                      const T* __restrict dy, std::int32_t at0, std::int32_t w,
                                                      T* __restrict top, T* __restrict bottom, bool room) {
  if constexpr (std::is_same_v<T, float>) {
    if (out_w >= 8) {
      for (int o = 0; o < out_w; o += 8)
        max_pool_2x2_gradient_eight(std::min(o, out_w - 8), at, dy, at0, w, top, bottom);
      return;
    }
    if (room) {  // a short row: the vectors read into the next output rows and
      max_pool_2x2_gradient_eight(0, at, dy, at0, w, top, bottom);  // write into rows done after
      return;
    }
  }
  // The plane's last short rows and other element types: one window at a time.
  for (int ox = 0; ox < out_w; ++ox) {
    const std::int32_t i = at0 + 2 * ox, winner = at[ox];
    const T d = dy[ox];
    top[2 * ox] = winner == i ? d : T(0);
    top[2 * ox + 1] = winner == i + 1 ? d : T(0);
    bottom[2 * ox] = winner == i + w ? d : T(0);
    bottom[2 * ox + 1] = winner == i + w + 1 ? d : T(0);
  }
}
}  // namespace detail

/// One plane (in_h x in_w) of max pooling: yp = window max, at = the winner's index in the
/// plane (the first of equal maxima in scan order).
template <element_type T>
PARTRAIN_TIERED_INLINE void max_pool_plane(const window_geometry& g, const T* xp, T* yp, std::int32_t* at) {
  if (detail::pool_2x2(g)) {
    for (int oy = 0; oy < g.out_h; ++oy) {
      const T* r0 = xp + std::size_t(2 * oy) * g.in_w;
      const std::size_t o = std::size_t(oy) * g.out_w;
      detail::max_pool_2x2_row(g.out_w, r0, r0 + g.in_w, 2 * oy * g.in_w, g.in_w, yp + o, at + o,
                               detail::room_for_eight(g, oy));
    }
    return;
  }
  for (int oy = 0; oy < g.out_h; ++oy)
    for (int ox = 0; ox < g.out_w; ++ox) {
      T best = -std::numeric_limits<T>::infinity();
      max_pool_window(g, xp, oy, ox, best, at[oy * g.out_w + ox]);
      yp[oy * g.out_w + ox] = best;
    }
}

/// One plane of the max-pool gradient: dxp = dyp routed to the recorded winners (dxp is
/// overwritten). Disjoint 2x2 windows write each cell once (no zero fill followed by
/// scattered adds, whose loads stall on the fill's wide stores); other windows scatter
/// into the plane just zeroed, in L1.
template <element_type T>
PARTRAIN_TIERED_INLINE void max_pool_backward_plane(const window_geometry& g, const std::int32_t* at,
                                                    const T* dyp, T* dxp) {
  const std::size_t in_plane = std::size_t(g.in_h) * g.in_w, out_plane = std::size_t(g.out_h) * g.out_w;
  if (!detail::pool_2x2(g)) {
    std::fill_n(dxp, in_plane, T(0));
    for (std::size_t o = 0; o < out_plane; ++o) dxp[at[o]] += dyp[o];
    return;
  }
  const int w = g.in_w;
  for (int oy = 0; oy < g.out_h; ++oy) {
    const std::size_t o = std::size_t(oy) * g.out_w;
    T* top = dxp + std::size_t(2 * oy) * w;
    detail::max_pool_2x2_row_gradient(g.out_w, at + o, dyp + o, 2 * oy * w, w, top, top + w,
                                      detail::room_for_eight(g, oy));
    std::fill(top + 2 * g.out_w, top + w, T(0)), std::fill(top + w + 2 * g.out_w, top + 2 * w, T(0));
  }
  std::fill(dxp + std::size_t(2 * g.out_h) * w, dxp + in_plane, T(0));  // rows no window covers
}

namespace detail {
template <element_type T>
struct max_pool_kernel {
  PARTRAIN_TIERED_INLINE static void run(window_geometry g, int n, const T* x, T* y, std::int32_t* argmax) {
    const std::size_t in_plane = std::size_t(g.in_h) * g.in_w, out_plane = std::size_t(g.out_h) * g.out_w;
    for (std::size_t p = 0; p < std::size_t(n) * g.channels; ++p)
      max_pool_plane(g, x + p * in_plane, y + p * out_plane, argmax + p * out_plane);
  }
};
template <element_type T>
struct max_pool_backward_kernel {
  PARTRAIN_TIERED_INLINE static void run(window_geometry g, int n, const std::int32_t* argmax, const T* dy,
                                         T* dx) {
    const std::size_t in_plane = std::size_t(g.in_h) * g.in_w, out_plane = std::size_t(g.out_h) * g.out_w;
    for (std::size_t p = 0; p < std::size_t(n) * g.channels; ++p)
      max_pool_backward_plane(g, argmax + p * out_plane, dy + p * out_plane, dx + p * in_plane);
  }
};
}  // namespace detail

// The entry points: instantiated once for float and double in partrain::compiled
// (backend/cpu/instantiations.hpp).
inline namespace PARTRAIN_MODE_NAMESPACE {

/// y = window max; argmax[j] is the index of the winner within its plane.
template <element_type T>
void max_pool_forward(const window_geometry& g, int n, const T* x, T* y, std::int32_t* argmax) {
  run_tiered<detail::max_pool_kernel<T>>(g, n, x, y, argmax);
}

/// dx = dy routed to the recorded winners (dx is overwritten), plane by plane.
template <element_type T>
void max_pool_backward(const window_geometry& g, int n, const std::int32_t* argmax, const T* dy, T* dx) {
  run_tiered<detail::max_pool_backward_kernel<T>>(g, n, argmax, dy, dx);
}

/// Average pooling; padded cells count as zeros in the window (MATLAB's default).
template <element_type T>
void avg_pool_forward(const window_geometry& g, int n, const T* x, T* y) {
  const std::size_t in_plane = std::size_t(g.in_h) * g.in_w, out_plane = std::size_t(g.out_h) * g.out_w;
  const T scale = T(1) / T(g.kernel_h * g.kernel_w);
  for (std::size_t p = 0; p < std::size_t(n) * g.channels; ++p)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox) {
        T s = 0;
        for (int ky = 0; ky < g.kernel_h; ++ky)
          for (int kx = 0; kx < g.kernel_w; ++kx) {
            const int iy = oy * g.stride_h - g.pad_top + ky, ix = ox * g.stride_w - g.pad_left + kx;
            if (iy >= 0 && iy < g.in_h && ix >= 0 && ix < g.in_w) s += x[p * in_plane + iy * g.in_w + ix];
          }
        y[p * out_plane + oy * g.out_w + ox] = s * scale;
      }
}

template <element_type T>
void avg_pool_backward(const window_geometry& g, int n, const T* dy, T* dx) {
  const std::size_t in_plane = std::size_t(g.in_h) * g.in_w, out_plane = std::size_t(g.out_h) * g.out_w;
  const T scale = T(1) / T(g.kernel_h * g.kernel_w);
  for (std::size_t i = 0; i < std::size_t(n) * g.channels * in_plane; ++i) dx[i] = T(0);
  for (std::size_t p = 0; p < std::size_t(n) * g.channels; ++p)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox) {
        const T d = dy[p * out_plane + oy * g.out_w + ox] * scale;
        for (int ky = 0; ky < g.kernel_h; ++ky)
          for (int kx = 0; kx < g.kernel_w; ++kx) {
            const int iy = oy * g.stride_h - g.pad_top + ky, ix = ox * g.stride_w - g.pad_left + kx;
            if (iy >= 0 && iy < g.in_h && ix >= 0 && ix < g.in_w) dx[p * in_plane + iy * g.in_w + ix] += d;
          }
      }
}

}  // namespace PARTRAIN_MODE_NAMESPACE

}  // namespace partrain::backend::cpu
