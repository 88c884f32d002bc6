// Max and average pooling on the CPU. Max pooling records the winning input index. The
// common 2x2 stride-2 unpadded windows run a branch-free forward loop.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "partrain/backend/geometry.hpp"
#include "partrain/core/tensor.hpp"

namespace partrain::backend::cpu {

namespace detail {
/// 2x2 windows at stride 2 without padding: disjoint windows, each cell in at most one.
inline bool pool_2x2(const window_geometry& g) {
  return g.kernel_h == 2 && g.kernel_w == 2 && g.stride_h == 2 && g.stride_w == 2 &&
         g.pad_top == 0 && g.pad_left == 0 && 2 * g.out_h <= g.in_h && 2 * g.out_w <= g.in_w;
}

/// One output row of 2x2 max pooling over input rows r0, r1 (r1 = r0 + w); the same
/// winner as the general loop: scan order (0,0), (0,1), (1,0), (1,1), strictly greater wins.
template <element_type T>
void max_pool_2x2_row(int out_w, const T* __restrict r0, const T* __restrict r1, std::int32_t at0,
                      std::int32_t w, T* __restrict y, std::int32_t* __restrict argmax) {
  for (int ox = 0; ox < out_w; ++ox) {
    const T a = r0[2 * ox], b = r0[2 * ox + 1], c = r1[2 * ox], d = r1[2 * ox + 1];
    const std::int32_t i = at0 + 2 * ox;
    T best = a;
    std::int32_t at = i;
    at = b > best ? i + 1 : at;
    best = b > best ? b : best;
    at = c > best ? i + w : at;
    best = c > best ? c : best;
    at = d > best ? i + w + 1 : at;
    best = d > best ? d : best;
    y[ox] = best;
    argmax[ox] = at;
  }
}
}  // namespace detail

/// y = window max; argmax[j] is the index of the winner within the image's plane set.
template <element_type T>
void max_pool_forward(const window_geometry& g, int n, const T* x, T* y, std::int32_t* argmax) {
  const std::size_t in_plane = std::size_t(g.in_h) * g.in_w, out_plane = std::size_t(g.out_h) * g.out_w;
  if (detail::pool_2x2(g)) {
    for (std::size_t p = 0; p < std::size_t(n) * g.channels; ++p)
      for (int oy = 0; oy < g.out_h; ++oy) {
        const T* r0 = x + p * in_plane + std::size_t(2 * oy) * g.in_w;
        const std::size_t o = p * out_plane + std::size_t(oy) * g.out_w;
        detail::max_pool_2x2_row(g.out_w, r0, r0 + g.in_w, 2 * oy * g.in_w, g.in_w, y + o, argmax + o);
      }
    return;
  }
  for (std::size_t p = 0; p < std::size_t(n) * g.channels; ++p) {
    const T* xp = x + p * in_plane;
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox) {
        T best = -std::numeric_limits<T>::infinity();
        std::int32_t at = -1;
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
        const std::size_t o = p * out_plane + oy * g.out_w + ox;
        y[o] = best;
        argmax[o] = at;
      }
  }
}

/// dx = dy routed to the recorded winners (dx is overwritten). Plane by plane, so the
/// scattered adds land in the plane just zeroed (in L1), not in a tensor-sized zero fill.
template <element_type T>
void max_pool_backward(const window_geometry& g, int n, const std::int32_t* argmax, const T* dy, T* dx) {
  const std::size_t in_plane = std::size_t(g.in_h) * g.in_w, out_plane = std::size_t(g.out_h) * g.out_w;
  for (std::size_t p = 0; p < std::size_t(n) * g.channels; ++p) {
    T* plane = dx + p * in_plane;
    const std::int32_t* at = argmax + p * out_plane;
    const T* d = dy + p * out_plane;
    std::fill_n(plane, in_plane, T(0));
    for (std::size_t o = 0; o < out_plane; ++o) plane[at[o]] += d[o];
  }
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

}  // namespace partrain::backend::cpu
