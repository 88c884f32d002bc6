// 2-d convolution on the CPU: im2col + GEMM, per image. Weights are (F, C, KH, KW).
#pragma once

#include <algorithm>
#include <cstddef>

#include "partrain/backend/cpu/gemm.hpp"
#include "partrain/backend/geometry.hpp"
#include "partrain/core/context.hpp"

namespace partrain::backend::cpu {

/// Unfolds one C x H x W image into a (C*KH*KW) x (OH*OW) matrix; padding reads as 0.
template <element_type T>
void im2col(const window_geometry& g, const T* x, T* col) {
  const int ohw = g.out_h * g.out_w;
  for (int c = 0; c < g.channels; ++c)
    for (int ky = 0; ky < g.kernel_h; ++ky)
      for (int kx = 0; kx < g.kernel_w; ++kx) {
        T* row = col + std::size_t((c * g.kernel_h + ky) * g.kernel_w + kx) * ohw;
        const T* plane = x + std::size_t(c) * g.in_h * g.in_w;
        for (int oy = 0; oy < g.out_h; ++oy) {
          const int iy = oy * g.stride_h - g.pad_top + ky;
          T* out = row + oy * g.out_w;
          if (iy < 0 || iy >= g.in_h) {
            std::fill_n(out, g.out_w, T(0));
            continue;
          }
          for (int ox = 0; ox < g.out_w; ++ox) {
            const int ix = ox * g.stride_w - g.pad_left + kx;
            out[ox] = (ix >= 0 && ix < g.in_w) ? plane[iy * g.in_w + ix] : T(0);
          }
        }
      }
}

/// Adds the columns back into one image (the adjoint of im2col); dx must be zeroed.
template <element_type T>
void col2im(const window_geometry& g, const T* col, T* dx) {
  const int ohw = g.out_h * g.out_w;
  for (int c = 0; c < g.channels; ++c)
    for (int ky = 0; ky < g.kernel_h; ++ky)
      for (int kx = 0; kx < g.kernel_w; ++kx) {
        const T* row = col + std::size_t((c * g.kernel_h + ky) * g.kernel_w + kx) * ohw;
        T* plane = dx + std::size_t(c) * g.in_h * g.in_w;
        for (int oy = 0; oy < g.out_h; ++oy) {
          const int iy = oy * g.stride_h - g.pad_top + ky;
          if (iy < 0 || iy >= g.in_h) continue;
          for (int ox = 0; ox < g.out_w; ++ox) {
            const int ix = ox * g.stride_w - g.pad_left + kx;
            if (ix >= 0 && ix < g.in_w) plane[iy * g.in_w + ix] += row[oy * g.out_w + ox];
          }
        }
      }
}

/// y[n] = w * im2col(x[n]) + b, for `filters` output channels.
template <element_type T>
void conv2d_forward(context& ctx, const window_geometry& g, int filters, int n, const T* x,
                    const T* w, const T* b, T* y) {
  const int k = g.channels * g.kernel_h * g.kernel_w, ohw = g.out_h * g.out_w;
  T* col = ctx.workspace<T>(std::size_t(k) * ohw);
  for (int i = 0; i < n; ++i) {
    T* yi = y + std::size_t(i) * filters * ohw;
    for (int f = 0; f < filters; ++f) std::fill_n(yi + std::size_t(f) * ohw, ohw, b[f]);
    im2col(g, x + std::size_t(i) * g.channels * g.in_h * g.in_w, col);
    gemm<T>(false, false, filters, ohw, k, T(1), w, k, col, ohw, T(1), yi, ohw);
  }
}

/// dw = sum_n dy[n] * im2col(x[n])^T, db = sum of dy per filter; dx[n] = col2im(w^T dy[n])
/// when dx is not null. Gradients are overwritten.
template <element_type T>
void conv2d_backward(context& ctx, const window_geometry& g, int filters, int n, const T* x,
                     const T* w, const T* dy, T* dx, T* dw, T* db) {
  const int k = g.channels * g.kernel_h * g.kernel_w, ohw = g.out_h * g.out_w;
  const std::size_t in_size = std::size_t(g.channels) * g.in_h * g.in_w;
  T* col = ctx.workspace<T>(std::size_t(k) * ohw);
  std::fill_n(dw, std::size_t(filters) * k, T(0));
  std::fill_n(db, filters, T(0));
  for (int i = 0; i < n; ++i) {
    const T* dyi = dy + std::size_t(i) * filters * ohw;
    for (int f = 0; f < filters; ++f) {
      T s = 0;
      for (int p = 0; p < ohw; ++p) s += dyi[std::size_t(f) * ohw + p];
      db[f] += s;
    }
    im2col(g, x + i * in_size, col);
    gemm<T>(false, true, filters, k, ohw, T(1), dyi, ohw, col, ohw, T(1), dw, k);
    if (dx) {
      gemm<T>(true, false, k, ohw, filters, T(1), w, k, dyi, ohw, T(0), col, ohw);
      T* dxi = dx + i * in_size;
      std::fill_n(dxi, in_size, T(0));
      col2im(g, col, dxi);
    }
  }
}

}  // namespace partrain::backend::cpu
