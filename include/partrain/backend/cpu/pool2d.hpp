// Max and average pooling on the CPU. Max pooling records the winning input index.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

#include "partrain/backend/geometry.hpp"
#include "partrain/core/tensor.hpp"

namespace partrain::backend::cpu {

/// y = window max; argmax[j] is the index of the winner within the image's plane set.
template <element_type T>
void max_pool_forward(const window_geometry& g, int n, const T* x, T* y, std::int32_t* argmax) {
  const std::size_t in_plane = std::size_t(g.in_h) * g.in_w, out_plane = std::size_t(g.out_h) * g.out_w;
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

/// dx = dy routed to the recorded winners (dx is overwritten).
template <element_type T>
void max_pool_backward(const window_geometry& g, int n, const std::int32_t* argmax, const T* dy, T* dx) {
  const std::size_t in_plane = std::size_t(g.in_h) * g.in_w, out_plane = std::size_t(g.out_h) * g.out_w;
  for (std::size_t i = 0; i < std::size_t(n) * g.channels * in_plane; ++i) dx[i] = T(0);
  for (std::size_t p = 0; p < std::size_t(n) * g.channels; ++p)
    for (std::size_t o = 0; o < out_plane; ++o)
      dx[p * in_plane + argmax[p * out_plane + o]] += dy[p * out_plane + o];
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
