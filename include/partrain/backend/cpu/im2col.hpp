// im2col and its adjoint col2im on the CPU, for a chunk of images at once, so that one GEMM
// covers the whole chunk. Stride-1 columns in float run the AVX-512 rows of im2col_avx512.hpp
// where the CPU has them; elsewhere stride-1 taps with equal input and output widths are one
// shifted copy of the plane (plus zeroed border columns) rather than a loop per output row.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <type_traits>

#include "partrain/backend/cpu/im2col_avx512.hpp"
#include "partrain/backend/geometry.hpp"
#include "partrain/core/tensor.hpp"

namespace partrain::backend::cpu {

namespace detail {

/// Whether tap rows are plain shifted copies of the plane (stride 1, same width in and out).
inline bool shifted_plane(const window_geometry& g) {
  return g.stride_h == 1 && g.stride_w == 1 && g.in_w == g.out_w;
}

/// out (OH x OW) = the plane seen through filter tap (ky, kx); padding reads as 0.
template <element_type T>
void unfold_tap(const window_geometry& g, int ky, int kx, const T* plane, T* out) {
  const int sy = ky - g.pad_top, sx = kx - g.pad_left;
  if (shifted_plane(g)) {
    // out[p] = plane[p + d] where the source is in range; wrapped border columns then zeroed.
    const int w = g.in_w, ohw = g.out_h * w, ihw = g.in_h * w, d = sy * w + sx;
    const int lo = std::clamp(-d, 0, ohw), hi = std::clamp(ihw - d, lo, ohw);
    for (int p = 0; p < lo; ++p) out[p] = T(0);
    const T* src = plane + (lo + d);
    T* dst = out + lo;
    for (int p = 0; p < hi - lo; ++p) dst[p] = src[p];
    for (int p = hi; p < ohw; ++p) out[p] = T(0);
    const auto cols = valid_span(w, w, 1, sx);
    if (cols.lo > 0 || cols.hi < w)
      for (int oy = 0; oy < g.out_h; ++oy) {
        T* row = out + oy * w;
        for (int ox = 0; ox < cols.lo; ++ox) row[ox] = T(0);
        for (int ox = cols.hi; ox < w; ++ox) row[ox] = T(0);
      }
    return;
  }
  const auto rows = valid_span(g.out_h, g.in_h, g.stride_h, sy);
  const auto cols = valid_span(g.out_w, g.in_w, g.stride_w, sx);
  for (int oy = 0; oy < g.out_h; ++oy) {
    T* row = out + oy * g.out_w;
    if (oy < rows.lo || oy >= rows.hi) {
      for (int ox = 0; ox < g.out_w; ++ox) row[ox] = T(0);
      continue;
    }
    const int base = (oy * g.stride_h + sy) * g.in_w + sx;
    for (int ox = 0; ox < cols.lo; ++ox) row[ox] = T(0);
    for (int ox = cols.lo; ox < cols.hi; ++ox) row[ox] = plane[base + ox * g.stride_w];
    for (int ox = cols.hi; ox < g.out_w; ++ox) row[ox] = T(0);
  }
}

/// plane += the adjoint of unfold_tap applied to col (OH x OW); col's padding entries may
/// be overwritten with zeros.
template <element_type T>
void fold_tap(const window_geometry& g, int ky, int kx, T* col, T* plane) {
  const int sy = ky - g.pad_top, sx = kx - g.pad_left;
  if (shifted_plane(g)) {
    const int w = g.in_w, ohw = g.out_h * w, ihw = g.in_h * w, d = sy * w + sx;
    const auto cols = valid_span(w, w, 1, sx);
    if (cols.lo > 0 || cols.hi < w)  // entries that read padding must not wrap into a neighbour
      for (int oy = 0; oy < g.out_h; ++oy) {
        T* row = col + oy * w;
        for (int ox = 0; ox < cols.lo; ++ox) row[ox] = T(0);
        for (int ox = cols.hi; ox < w; ++ox) row[ox] = T(0);
      }
    const int lo = std::clamp(-d, 0, ohw), hi = std::clamp(ihw - d, lo, ohw);
    const T* src = col + lo;
    T* dst = plane + (lo + d);
    for (int p = 0; p < hi - lo; ++p) dst[p] += src[p];
    return;
  }
  const auto rows = valid_span(g.out_h, g.in_h, g.stride_h, sy);
  const auto cols = valid_span(g.out_w, g.in_w, g.stride_w, sx);
  for (int oy = rows.lo; oy < rows.hi; ++oy) {
    const T* row = col + oy * g.out_w;
    const int base = (oy * g.stride_h + sy) * g.in_w + sx;
    for (int ox = cols.lo; ox < cols.hi; ++ox) plane[base + ox * g.stride_w] += row[ox];
  }
}

#if PARTRAIN_HAS_AVX2_KERNELS
/// plan_unfold(g) or plan_fold(g), worked out once per geometry and thread rather than once
/// per call: a convolution runs im2col once per chunk of a few images.
inline const avx512::tap_plan& cached_plan(const window_geometry& g, bool fold) {
  struct entry {
    window_geometry g{};
    bool fold = false, used = false;
    avx512::tap_plan plan;
  };
  thread_local std::array<entry, 8> cache;  // 8 geometries: a network's convolutions
  thread_local std::size_t next = 0;
  for (const auto& e : cache)
    if (e.used && e.fold == fold && std::memcmp(&e.g, &g, sizeof g) == 0) return e.plan;
  entry& e = cache[next++ % cache.size()];
  e.g = g, e.fold = fold, e.used = true;
  e.plan = fold ? avx512::plan_fold(g) : avx512::plan_unfold(g);
  return e.plan;
}
#endif

/// Whether the AVX-512 row taps apply: float, stride-1 columns, and a CPU that runs them.
template <element_type T>
bool avx512_taps(const window_geometry& g) {
  return std::is_same_v<T, float> && g.stride_w == 1 && has_avx512();
}

}  // namespace detail

/// Unfolds images [0, nb) of x (nb x C x H x W) into col, a (C*KH*KW) x (nb*OH*OW)
/// row-major matrix: column i*OH*OW + p holds what output position p of image i sees.
template <element_type T>
void im2col(const window_geometry& g, int nb, const T* x, T* col) {
  const std::size_t ohw = std::size_t(g.out_h) * g.out_w, cols = ohw * nb;
  const std::size_t ihw = std::size_t(g.in_h) * g.in_w;
  const std::size_t taps = std::size_t(g.kernel_h) * g.kernel_w;
#if PARTRAIN_HAS_AVX2_KERNELS
  if constexpr (std::is_same_v<T, float>)
    if (detail::avx512_taps<T>(g)) {
      const auto& plan = detail::cached_plan(g, false);
      for (int i = 0; i < nb; ++i)
        for (int c = 0; c < g.channels; ++c)
          avx512::unfold_plane(g, plan, x + (std::size_t(i) * g.channels + c) * ihw,
                               col + c * taps * cols + i * ohw, cols);
      return;
    }
#endif
  for (int i = 0; i < nb; ++i)
    for (int c = 0; c < g.channels; ++c) {
      const T* plane = x + (std::size_t(i) * g.channels + c) * ihw;
      for (int ky = 0; ky < g.kernel_h; ++ky)
        for (int kx = 0; kx < g.kernel_w; ++kx) {
          const std::size_t r = std::size_t(c * g.kernel_h + ky) * g.kernel_w + kx;
          detail::unfold_tap(g, ky, kx, plane, col + r * cols + i * ohw);
        }
    }
  (void)taps;
}

/// dx (nb images, overwritten) = col2im(col), the adjoint of im2col: every column entry is
/// added to the input pixel it was read from. col is used as scratch.
template <element_type T>
void col2im(const window_geometry& g, int nb, T* col, T* dx) {
  const std::size_t ohw = std::size_t(g.out_h) * g.out_w, cols = ohw * nb;
  const std::size_t ihw = std::size_t(g.in_h) * g.in_w;
  const std::size_t taps = std::size_t(g.kernel_h) * g.kernel_w;
#if PARTRAIN_HAS_AVX2_KERNELS
  if constexpr (std::is_same_v<T, float>)
    if (g.stride_h == 1 && detail::avx512_taps<T>(g)) {  // gather: each plane written once
      const auto& plan = detail::cached_plan(g, true);
      for (int i = 0; i < nb; ++i)
        for (int c = 0; c < g.channels; ++c)
          avx512::fold_plane(g, plan, col + c * taps * cols + i * ohw, cols,
                             dx + (std::size_t(i) * g.channels + c) * ihw);
      return;
    }
#endif
  std::fill_n(dx, std::size_t(nb) * g.channels * ihw, T(0));
  for (int i = 0; i < nb; ++i)
    for (int c = 0; c < g.channels; ++c) {
      T* plane = dx + (std::size_t(i) * g.channels + c) * ihw;
      for (int ky = 0; ky < g.kernel_h; ++ky)
        for (int kx = 0; kx < g.kernel_w; ++kx) {
          const std::size_t r = std::size_t(c * g.kernel_h + ky) * g.kernel_w + kx;
          detail::fold_tap(g, ky, kx, col + r * cols + i * ohw, plane);
        }
    }
  (void)taps;
}

}  // namespace partrain::backend::cpu
