// Direct 2-d convolution on the CPU for few input channels at stride 1 (a network's first
// layer on grey or colour images): im2col would copy each input value K x K times for a GEMM
// with a reduction of only C K K, so here each output row is computed in vectors of 16
// columns from a zero-padded copy of the image, in cache, for a block of filters at once.
#pragma once

#include <algorithm>
#include <cstddef>

#include "partrain/backend/cpu/kernel_tier.hpp"
#include "partrain/backend/cpu/reduce.hpp"
#include "partrain/backend/cpu/simd.hpp"
#include "partrain/backend/geometry.hpp"

namespace partrain::backend::cpu {

/// Whether the direct kernels run this convolution (float): stride 1, at most 4 input
/// channels, output rows of at least one vector, filters 3 or 5 wide (each width is a
/// compiled copy of the gradient kernel per tier: compile time).
inline bool direct_convolution(const window_geometry& g) {
  return g.channels <= 4 && g.stride_h == 1 && g.stride_w == 1 && g.out_w >= int(simd::width) &&
         (g.kernel_w == 3 || g.kernel_w == 5);
}

namespace detail {
/// The zero-padded image a direct convolution reads: C planes of (out_h + kernel_h - 1) rows
/// of `width` columns, so that every tap of every output vector is an in-bounds load.
struct padded_image {
  int rows, width;
  static padded_image of(const window_geometry& g) {
    const int vectors = (g.out_w + int(simd::width) - 1) / int(simd::width);
    return {g.out_h + g.kernel_h - 1, vectors * int(simd::width) + g.kernel_w - 1};
  }
  std::size_t plane() const { return std::size_t(rows) * width; }
  std::size_t size(const window_geometry& g) const { return std::size_t(g.channels) * plane(); }
};

/// Zeroes the padded image: the padding stays 0 for every image of a call, as copy_image
/// writes only the interior.
PARTRAIN_TIERED_INLINE void clear_padded(const window_geometry& g, padded_image s, float* xp) {
  std::fill_n(xp, s.size(g), 0.f);
}

/// count values from src to dst: in vectors, the last overlapping the one before, when
/// count >= 16; else one by one.
PARTRAIN_TIERED_INLINE void copy_row(const float* __restrict src, float* __restrict dst, int count) {
  if (count < int(simd::width)) {
    for (int j = 0; j < count; ++j) dst[j] = src[j];
    return;
  }
  simd::vec<float> v;
  for (int j = 0; j < count; j += int(simd::width)) {
    const int at = std::min(j, count - int(simd::width));
    simd::load(v, src + at), simd::store(dst + at, v);
  }
}

/// One image's values into the interior of the padded image (cleared by clear_padded).
PARTRAIN_TIERED_INLINE void copy_image(const window_geometry& g, padded_image s, const float* x, float* xp) {
  const int from = std::max(0, g.pad_left), skip = std::max(0, -g.pad_left);
  const int count = std::min(g.in_w - skip, s.width - from);
  if (count <= 0) return;
  for (int c = 0; c < g.channels; ++c)
    for (int r = std::max(0, g.pad_top); r < s.rows; ++r) {
      const int iy = r - g.pad_top;
      if (iy >= g.in_h) break;
      copy_row(x + (std::size_t(c) * g.in_h + iy) * g.in_w + skip,
               xp + c * s.plane() + std::size_t(r) * s.width + from, count);
    }
}

// Output row oy, columns [ox, ox + 16), of filters [f, f + FB): sum over channels and taps.
template <int FB>
PARTRAIN_TIERED_INLINE void direct_row_vector(const window_geometry& g, padded_image s, const float* xp,
                                              const float* w, int f, int oy, int ox, float* y,
                                              const float* bias) {
  const int taps = g.kernel_h * g.kernel_w, k = g.channels * taps;
  simd::vec<float> acc[FB] = {}, v;
  for (int c = 0; c < g.channels; ++c)
    for (int ky = 0; ky < g.kernel_h; ++ky)
      for (int kx = 0; kx < g.kernel_w; ++kx) {
        simd::load(v, xp + c * s.plane() + std::size_t(oy + ky) * s.width + ox + kx);
        const int t = c * taps + ky * g.kernel_w + kx;
        PARTRAIN_UNROLL
        for (int q = 0; q < FB; ++q) acc[q] += w[(f + q) * k + t] * v;
      }
  const std::size_t ohw = std::size_t(g.out_h) * g.out_w;
  PARTRAIN_UNROLL
  for (int q = 0; q < FB; ++q)
    simd::store(y + (f + q) * ohw + std::size_t(oy) * g.out_w + ox, simd::vec<float>(acc[q] + bias[f + q]));
}

template <int FB>
PARTRAIN_TIERED_INLINE void direct_filters(const window_geometry& g, padded_image s, const float* xp,
                                           const float* w, int f, const float* bias, float* y) {
  for (int oy = 0; oy < g.out_h; ++oy)
    for (int ox = 0; ox < g.out_w; ox += int(simd::width))  // the last vector overlaps the one before
      direct_row_vector<FB>(g, s, xp, w, f, oy, std::min(ox, g.out_w - int(simd::width)), y, bias);
}

struct direct_forward_kernel {
  PARTRAIN_TIERED_INLINE static void run(window_geometry g, int filters, int n, const float* x,
                                         const float* w, const float* b, float* y, float* xp) {
    const padded_image s = padded_image::of(g);
    const std::size_t in_size = std::size_t(g.channels) * g.in_h * g.in_w,
                      out_size = std::size_t(filters) * g.out_h * g.out_w;
    clear_padded(g, s, xp);
    for (int i = 0; i < n; ++i) {
      copy_image(g, s, x + i * in_size, xp);
      float* yi = y + i * out_size;
      int f = 0;
      for (; f + 8 <= filters; f += 8) direct_filters<8>(g, s, xp, w, f, b, yi);
      for (; f + 2 <= filters; f += 2) direct_filters<2>(g, s, xp, w, f, b, yi);
      for (; f < filters; ++f) direct_filters<1>(g, s, xp, w, f, b, yi);
    }
  }
};

// The lane sums of dw of filters [f, f + FB) for channel c and kernel row ky, over one image's
// output rows (dy: the image's planes). Each row runs in vectors, the last overlapping the
// one before with the lanes already counted set to 0. lanes holds a vector per filter entry,
// added to image after image and summed once at the end.
template <int FB, int KW>
PARTRAIN_TIERED_INLINE void direct_filter_gradient(const window_geometry& g, padded_image s, const float* xp,
                                                   const float* dy, int f, int c, int ky, float* lanes) {
  constexpr int w = int(simd::width);
  const std::size_t ohw = std::size_t(g.out_h) * g.out_w;
  simd::vec<float> acc[FB][KW] = {}, v, d[FB];
  for (int oy = 0; oy < g.out_h; ++oy)
    for (int ox = 0; ox < g.out_w; ox += w) {
      const int at = std::min(ox, g.out_w - w);
      PARTRAIN_UNROLL
      for (int q = 0; q < FB; ++q) {
        simd::load(d[q], dy + (f + q) * ohw + std::size_t(oy) * g.out_w + at);
        if (at != ox) keep_lanes<float>(d[q], std::size_t(ox - at), simd::width);
      }
      PARTRAIN_UNROLL
      for (int kx = 0; kx < KW; ++kx) {
        simd::load(v, xp + c * s.plane() + std::size_t(oy + ky) * s.width + at + kx);
        PARTRAIN_UNROLL
        for (int q = 0; q < FB; ++q) acc[q][kx] += d[q] * v;
      }
    }
  const int k = g.channels * g.kernel_h * KW;
  PARTRAIN_UNROLL
  for (int q = 0; q < FB; ++q)
    PARTRAIN_UNROLL
    for (int kx = 0; kx < KW; ++kx) {
      float* sums = lanes + std::size_t((f + q) * k + (c * g.kernel_h + ky) * KW + kx) * simd::width;
      simd::load(v, sums);
      simd::store(sums, simd::vec<float>(v + acc[q][kx]));
    }
}

template <int KW>
PARTRAIN_TIERED_INLINE void direct_gradient_image(const window_geometry& g, int filters, padded_image s,
                                                  const float* xp, const float* dy, float* lanes) {
  for (int c = 0; c < g.channels; ++c)
    for (int ky = 0; ky < g.kernel_h; ++ky) {
      int f = 0;
      for (; f + 4 <= filters; f += 4) direct_filter_gradient<4, KW>(g, s, xp, dy, f, c, ky, lanes);
      for (; f + 2 <= filters; f += 2) direct_filter_gradient<2, KW>(g, s, xp, dy, f, c, ky, lanes);
      for (; f < filters; ++f) direct_filter_gradient<1, KW>(g, s, xp, dy, f, c, ky, lanes);
    }
}

struct direct_backward_kernel {
  // dw = the filter gradients of n images (dx is not computed); scratch holds the padded
  // image and a vector of lane sums per filter entry.
  PARTRAIN_TIERED_INLINE static void run(window_geometry g, int filters, int n, const float* x,
                                         const float* dy, float* dw, float* scratch) {
    const padded_image s = padded_image::of(g);
    const std::size_t out_size = std::size_t(filters) * g.out_h * g.out_w;
    const std::size_t in_size = std::size_t(g.channels) * g.in_h * g.in_w;
    const std::size_t entries = std::size_t(filters) * g.channels * g.kernel_h * g.kernel_w;
    float *xp = scratch, *lanes = scratch + s.size(g);
    std::fill_n(lanes, entries * simd::width, 0.f);
    clear_padded(g, s, xp);
    for (int i = 0; i < n; ++i) {
      copy_image(g, s, x + i * in_size, xp);
      if (g.kernel_w == 3)
        direct_gradient_image<3>(g, filters, s, xp, dy + i * out_size, lanes);
      else
        direct_gradient_image<5>(g, filters, s, xp, dy + i * out_size, lanes);
    }
    for (std::size_t e = 0; e < entries; ++e) {  // the 16 lanes of each entry, in order
      float sum = 0;
      for (std::size_t l = 0; l < simd::width; ++l) sum += lanes[e * simd::width + l];
      dw[e] = sum;
    }
  }
};
}  // namespace detail

/// Scratch floats the direct kernels need (ctx.workspace).
inline std::size_t direct_convolution_scratch(const window_geometry& g, int filters) {
  const detail::padded_image s = detail::padded_image::of(g);
  const std::size_t lanes = std::size_t(filters) * g.channels * g.kernel_h * g.kernel_w * simd::width;
  return s.size(g) + lanes;
}

/// y = conv(x, w) + b for n images, directly (direct_convolution(g) must hold).
inline void conv2d_direct_forward(const window_geometry& g, int filters, int n, const float* x,
                                  const float* w, const float* b, float* y, float* scratch) {
  run_tiered<detail::direct_forward_kernel>(g, filters, n, x, w, b, y, scratch);
}

/// dw (overwritten) = the filter gradients of n images, directly.
inline void conv2d_direct_filter_gradient(const window_geometry& g, int filters, int n, const float* x,
                                          const float* dy, float* dw, float* scratch) {
  run_tiered<detail::direct_backward_kernel>(g, filters, n, x, dy, dw, scratch);
}

}  // namespace partrain::backend::cpu
