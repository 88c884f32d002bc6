// 2-d convolution at stride 1 as an implicit GEMM (float, AVX-512). im2col copies each input
// value K x K times and col2im adds them back; here a group of images is copied once into
// zero-padded planes, and the GEMM reads tap (ky, kx) of channel c as those planes shifted
// by ky rows and kx columns (gemm_implicit_avx512.hpp: B's rows through a table of offsets,
// its columns a list of output vectors). The input gradient is the same product on the
// zero-padded output gradient with the filters flipped and transposed; the filter gradient
// reads the same shifted rows.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "partrain/backend/context.hpp"
#include "partrain/backend/cpu/gemm_implicit_avx512.hpp"
#include "partrain/backend/cpu/kernel_tier.hpp"
#include "partrain/backend/geometry.hpp"

namespace partrain::backend::cpu {

/// Whether the implicit GEMM runs this convolution (float, on the AVX-512 tier): stride 1;
/// padding on each side below the kernel's extent, so that the input gradient is a
/// convolution of the same kind; and output rows that fill at least 3/4 of the lanes of
/// their 16-wide vectors (rows of 8 would waste half of each product). The input gradient's
/// rows are the input's, as wide as the output's with 'same' padding.
inline bool implicit_convolution(const window_geometry& g) {
  const int pad_bottom = g.out_h + g.kernel_h - 1 - g.in_h - g.pad_top;
  const int pad_right = g.out_w + g.kernel_w - 1 - g.in_w - g.pad_left;
  const auto within = [](int pad, int kernel) { return pad >= 0 && pad < kernel; };
  const int lanes = (g.out_w + 15) / 16 * 16;
  return has_avx512() && g.out_h > 0 && g.out_w > 0 && g.stride_h == 1 && g.stride_w == 1 &&
         within(g.pad_top, g.kernel_h) && within(pad_bottom, g.kernel_h) && within(g.pad_left, g.kernel_w) &&
         within(pad_right, g.kernel_w) && 4 * g.out_w >= 3 * lanes;
}

#if PARTRAIN_HAS_AVX2_KERNELS
namespace detail {
/// The zero-padded planes of an implicit convolution: output (oy, ox) of image j of a group
/// reads tap (ky, kx) at j plane + (oy + ky) width + ox + kx. A group's images lie one plane
/// apart in each channel, so the filter gradient's sums run over several images at once.
struct shifted_grid {
  int rows, width, images;  ///< images: per group
  // Groups of about 1,024 padded positions (4 KiB a channel): the filter gradient sums its
  // lanes once per group, and a group's planes stay in L2.
  static shifted_grid of(const window_geometry& g, int n) {
    const int rows = g.out_h + g.kernel_h - 1, width = g.out_w + g.kernel_w - 1;
    return {rows, width, std::clamp(1024 / (rows * width), 1, std::max(n, 1))};
  }
  std::size_t plane() const { return std::size_t(rows) * width; }
  std::size_t stack() const { return plane() * images; }  ///< one channel of a group
};

/// The input gradient's geometry: the output gradient, padded by kernel - 1 - pad, convolved
/// with the flipped filters gives the input's extents.
inline window_geometry transposed(const window_geometry& g, int filters) {
  return {filters,    g.out_h,    g.out_w, g.in_h, g.in_w, g.kernel_h, g.kernel_w, 1, 1,
          g.kernel_h - 1 - g.pad_top, g.kernel_w - 1 - g.pad_left};
}

/// Row p = (c, ky, kx) of the implicit B: where it starts in the padded channels.
inline std::vector<std::ptrdiff_t> tap_offsets(const window_geometry& g, shifted_grid s) {
  std::vector<std::ptrdiff_t> offset;
  offset.reserve(std::size_t(g.channels) * g.kernel_h * g.kernel_w);
  for (int c = 0; c < g.channels; ++c)
    for (int ky = 0; ky < g.kernel_h; ++ky)
      for (int kx = 0; kx < g.kernel_w; ++kx) offset.push_back(std::ptrdiff_t(c * s.stack()) + ky * s.width + kx);
  return offset;
}

/// The output vectors of a group's images, image by image and row by row (so the first m
/// images' are a prefix): read in the padded planes, written at image j's output (image_size
/// apart) row oy, columns [ox, ox + 16) masked at the row's end.
inline std::vector<avx512::output_vector> output_vectors(const window_geometry& g, shifted_grid s,
                                                         std::size_t image_size) {
  std::vector<avx512::output_vector> v;
  for (int j = 0; j < s.images; ++j)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ox += 16)
        v.push_back({std::ptrdiff_t(j * s.plane()) + oy * s.width + ox,
                     std::ptrdiff_t(j * image_size) + oy * g.out_w + ox,
                     __mmask16((1u << std::min(16, g.out_w - ox)) - 1u)});
  return v;
}

/// dst[0, w) = src[0, w), in vectors with a masked last one.
__attribute__((target("avx512f"), always_inline)) inline void copy_span(const float* src, float* dst, int w) {
  int x = 0;
  for (; x + 16 <= w; x += 16) _mm512_storeu_ps(dst + x, _mm512_loadu_ps(src + x));
  if (x < w) {
    const __mmask16 m = __mmask16((1u << (w - x)) - 1u);
    _mm512_mask_storeu_ps(dst + x, m, _mm512_maskz_loadu_ps(m, src + x));
  }
}

/// m images of `planes` planes of h x w values into their places in a group's grid: rows
/// `width` long from (top, left), channels `stack` apart; the entries around them are not
/// touched (zeroed once, they stay zero).
__attribute__((target("avx512f"))) inline void place_images(int m, int planes, int h, int w, const float* src,
                                                            shifted_grid s, std::size_t stack, int top, int left,
                                                            float* dst) {
  for (int j = 0; j < m; ++j)
    for (int c = 0; c < planes; ++c)
      for (int r = 0; r < h; ++r)
        copy_span(src + ((std::size_t(j) * planes + c) * h + r) * w,
                  dst + c * stack + j * s.plane() + std::size_t(top + r) * s.width + left, w);
}

/// The filters packed by columns for implicit_gemm: entry (c, ky, kx) of filter f at
/// [(c KH + ky) KW + kx] F + f.
inline std::vector<float> packed(const window_geometry& g, int filters, const float* w) {
  const std::size_t k = std::size_t(g.channels) * g.kernel_h * g.kernel_w;
  std::vector<float> t(filters * k);
  for (int f = 0; f < filters; ++f)
    for (std::size_t p = 0; p < k; ++p) t[p * filters + f] = w[f * k + p];
  return t;
}

/// The input gradient's filters, packed by columns: the filters flipped in both directions,
/// channels as rows: entry (f, ky, kx) of channel c at [(f KH + ky) KW + kx] C + c, read from
/// filter f's entry (c, KH - 1 - ky, KW - 1 - kx).
inline std::vector<float> flipped_packed(const window_geometry& g, int filters, const float* w) {
  const int taps = g.kernel_h * g.kernel_w;
  std::vector<float> t(std::size_t(filters) * g.channels * taps);
  for (int f = 0; f < filters; ++f)
    for (int c = 0; c < g.channels; ++c)
      for (int q = 0; q < taps; ++q)
        t[(std::size_t(f) * taps + (taps - 1 - q)) * g.channels + c] = w[(std::size_t(f) * g.channels + c) * taps + q];
  return t;
}

inline std::size_t rounded(std::size_t count) { return (count + 15) / 16 * 16; }
}  // namespace detail

/// y = conv(x, w) (+ b when b is not null) for n images (implicit_convolution(g) must hold).
inline void conv2d_implicit_forward(context& ctx, const window_geometry& g, int filters, int n, const float* x,
                                    const float* w, const float* b, float* y) {
  const detail::shifted_grid s = detail::shifted_grid::of(g, n);
  const int k = g.channels * g.kernel_h * g.kernel_w, ohw = g.out_h * g.out_w;
  float* xp = ctx.workspace<float>(g.channels * s.stack());
  const auto offset = detail::tap_offsets(g, s);
  const std::size_t in_size = std::size_t(g.channels) * g.in_h * g.in_w, out_size = std::size_t(filters) * ohw;
  const auto vectors = detail::output_vectors(g, s, out_size);
  const auto a = detail::packed(g, filters, w);
  const int per_image = int(vectors.size()) / s.images;
  std::fill_n(xp, g.channels * s.stack(), 0.f);
  for (int i = 0; i < n; i += s.images) {
    const int m = std::min(s.images, n - i);
    detail::place_images(m, g.channels, g.in_h, g.in_w, x + i * in_size, s, s.stack(), g.pad_top, g.pad_left, xp);
    avx512::implicit_gemm(filters, k, a.data(), filters, xp, offset.data(), vectors.data(), m * per_image,
                          y + i * out_size, ohw, b);
  }
}

/// dw = the filter gradients of n images and, when dx is not null, dx = the input gradients
/// (implicit_convolution(g) must hold). Both are overwritten; the bias gradient is the caller's.
inline void conv2d_implicit_backward(context& ctx, const window_geometry& g, int filters, int n, const float* x,
                                     const float* w, const float* dy, float* dx, float* dw) {
  const detail::shifted_grid s = detail::shifted_grid::of(g, n);
  const window_geometry gt = detail::transposed(g, filters);
  detail::shifted_grid st = detail::shifted_grid::of(gt, n);
  st.images = s.images;  // both products take the same groups of images
  const int k = g.channels * g.kernel_h * g.kernel_w, kt = filters * g.kernel_h * g.kernel_w;
  const int ohw = g.out_h * g.out_w, ihw = g.in_h * g.in_w;
  // The padded input and, for dx, the padded output gradient.
  const std::size_t xs = detail::rounded(g.channels * s.stack()), ps = dx ? filters * st.stack() : 0;
  float* xp = ctx.workspace<float>(xs + ps);
  float* dyp = xp + xs;
  std::fill_n(xp, xs + ps, 0.f);
  const std::size_t in_size = std::size_t(g.channels) * ihw, out_size = std::size_t(filters) * ohw;
  const auto offset = detail::tap_offsets(g, s);
  const auto vectors = detail::output_vectors(g, s, out_size);
  const auto offset_t = detail::tap_offsets(gt, st);
  const auto vectors_t = dx ? detail::output_vectors(gt, st, in_size) : std::vector<avx512::output_vector>{};
  const auto wt = dx ? detail::flipped_packed(g, filters, w) : std::vector<float>{};
  const int per_image = int(vectors.size()) / s.images, per_image_t = int(vectors_t.size()) / s.images;
  std::fill_n(dw, std::size_t(filters) * k, 0.f);
  for (int i = 0; i < n; i += s.images) {
    const int m = std::min(s.images, n - i);
    const float* dyi = dy + i * out_size;
    detail::place_images(m, g.channels, g.in_h, g.in_w, x + i * in_size, s, s.stack(), g.pad_top, g.pad_left, xp);
    avx512::implicit_gemm_abt_add(filters, k, dyi, ohw, xp, offset.data(), vectors.data(), m * per_image, dw);
    if (!dx) continue;
    detail::place_images(m, filters, g.out_h, g.out_w, dyi, st, st.stack(), gt.pad_top, gt.pad_left, dyp);
    avx512::implicit_gemm(g.channels, kt, wt.data(), g.channels, dyp, offset_t.data(), vectors_t.data(),
                          m * per_image_t, dx + i * in_size, ihw, nullptr);
  }
}
#endif

}  // namespace partrain::backend::cpu
