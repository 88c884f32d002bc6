// im2col and col2im pieces in AVX-512F, chosen at run time: an unfolded tap row is one masked
// load and store per 16 columns (padding lanes read as zero), with no zero-fill or copy
// calls per tap; col2im at stride 1 gathers each input pixel's taps in a register. Each
// value sees the same adds in the same order as the portable loops: results are identical.
#pragma once

#include <algorithm>
#include <cstddef>

#include "partrain/backend/cpu/gemm_avx512.hpp"
#include "partrain/backend/geometry.hpp"

namespace partrain::backend::cpu {

namespace detail {
/// Output positions [lo, hi) along one axis whose input index o * stride + shift is inside [0, in).
struct span1 {
  int lo, hi;
};
inline span1 valid_span(int out, int in, int stride, int shift) {
  const int lo = shift >= 0 ? 0 : (-shift + stride - 1) / stride;
  const int hi = in - shift <= 0 ? 0 : (in - shift + stride - 1) / stride;
  return {std::min(lo, out), std::clamp(hi, std::min(lo, out), out)};
}
}  // namespace detail

#if PARTRAIN_HAS_AVX2_KERNELS
namespace avx512 {

#define PARTRAIN_AVX512_FN __attribute__((target("avx512f"))) inline

/// Lanes of the 16 columns from ox that fall in [lo, hi).
__attribute__((target("avx512f"), always_inline)) inline __mmask16 span_mask(int ox, int lo,
                                                                             int hi) {
  const int a = std::clamp(lo - ox, 0, 16), b = std::clamp(hi - ox, 0, 16);
  return __mmask16(((1u << b) - 1u) & ~((1u << a) - 1u));
}

/// The lane masks of one convolution's taps, worked out once per im2col or col2im call
/// instead of once per plane and row: a row of up to max_blocks 16-lane blocks (64 columns)
/// then costs one masked load and store per block. Wider rows, or more than max_taps taps,
/// use the plain loops below.
struct tap_plan {
  static constexpr int max_blocks = 4, max_taps = 49, max_kernel_w = 7, max_flat_blocks = 16;
  int blocks = 0;  ///< 16-lane blocks per row: of the output (unfold) or the input (fold)
  bool fits = false;
  /// unfold of a plane of at most 256 outputs at stride 1 with equal input and output widths:
  /// the tap's rows, laid end to end, are the plane shifted by `shift` (lanes that read
  /// padding masked off), so 16 columns cost one load and store, whatever the row width.
  int flat_blocks = 0;
  struct flat_tap {
    int shift;
    __mmask16 lanes[max_flat_blocks];
  } flat[max_taps];
  __mmask16 row_lanes[max_blocks]{};  ///< lanes of each block inside the row
  struct tap {
    int sy, sx, row_lo, row_hi;  // unfold: source offsets and the output rows that read the input
    __mmask16 lanes[max_blocks];  // unfold: lanes of each block that read the input
  } taps[max_taps];
  __mmask16 fold_lanes[max_kernel_w][max_blocks]{};  ///< fold: lanes of block b that tap column kx reads
};

/// Fills the flat plan for g where g allows one (flat_blocks stays 0 otherwise): `count`
/// lanes in all (outputs for unfold, input pixels for fold); lane q of the tap at offset
/// (sy, sx) is on where on(q, sy, sx, shift) holds.
template <class On>
PARTRAIN_AVX512_FN void plan_flat(const window_geometry& g, int count, tap_plan& p, On on) {
  const int blocks = (count + 15) / 16;
  if (g.stride_h != 1 || g.stride_w != 1 || g.in_w != g.out_w || blocks > tap_plan::max_flat_blocks ||
      g.kernel_h * g.kernel_w > tap_plan::max_taps)
    return;
  p.flat_blocks = blocks;
  for (int ky = 0, r = 0; ky < g.kernel_h; ++ky)
    for (int kx = 0; kx < g.kernel_w; ++kx, ++r) {
      const int sy = ky - g.pad_top, sx = kx - g.pad_left;
      auto& t = p.flat[r];
      t.shift = sy * g.in_w + sx;
      for (int b = 0; b < blocks; ++b) {
        unsigned m = 0;
        for (int l = 0; l < 16 && 16 * b + l < count; ++l) m |= unsigned(on(16 * b + l, sy, sx, t.shift)) << l;
        t.lanes[b] = __mmask16(m);
      }
    }
}

/// unfold_plane's plan for g.
PARTRAIN_AVX512_FN tap_plan plan_unfold(const window_geometry& g) {
  tap_plan p;
  plan_flat(g, g.out_h * g.out_w, p, [&](int q, int sy, int sx, int) {  // output q reads its tap's pixel
    const int oy = q / g.out_w, ox = q % g.out_w;
    return oy + sy >= 0 && oy + sy < g.in_h && ox + sx >= 0 && ox + sx < g.in_w;
  });
  p.blocks = (g.out_w + 15) / 16;
  p.fits = p.blocks <= tap_plan::max_blocks && g.kernel_h * g.kernel_w <= tap_plan::max_taps;
  if (!p.fits) return p;
  for (int b = 0; b < p.blocks; ++b) p.row_lanes[b] = span_mask(16 * b, 0, g.out_w);
  for (int ky = 0, r = 0; ky < g.kernel_h; ++ky)
    for (int kx = 0; kx < g.kernel_w; ++kx, ++r) {
      auto& t = p.taps[r];
      t.sy = ky - g.pad_top, t.sx = kx - g.pad_left;
      const auto rows = detail::valid_span(g.out_h, g.in_h, g.stride_h, t.sy);
      const auto cols = detail::valid_span(g.out_w, g.in_w, 1, t.sx);
      t.row_lo = rows.lo, t.row_hi = rows.hi;
      for (int b = 0; b < p.blocks; ++b) t.lanes[b] = span_mask(16 * b, cols.lo, cols.hi);
    }
  return p;
}

/// fold_plane's plan for g.
PARTRAIN_AVX512_FN tap_plan plan_fold(const window_geometry& g) {
  tap_plan p;
  plan_flat(g, g.in_h * g.in_w, p, [&](int q, int, int sx, int shift) {  // pixel q is read by output q - shift
    const int o = q - shift, ox = o % g.out_w;
    return o >= 0 && o < g.out_h * g.out_w && ox + sx >= 0 && ox + sx < g.in_w;
  });
  p.blocks = (g.in_w + 15) / 16;
  p.fits = p.blocks <= tap_plan::max_blocks && g.kernel_w <= tap_plan::max_kernel_w;
  if (!p.fits) return p;
  for (int b = 0; b < p.blocks; ++b) {
    p.row_lanes[b] = span_mask(16 * b, 0, g.in_w);
    for (int kx = 0; kx < g.kernel_w; ++kx)
      p.fold_lanes[kx][b] = span_mask(16 * b - kx + g.pad_left, 0, g.out_w) & p.row_lanes[b];
  }
  return p;
}

/// Unfolds one plane through all KH x KW taps with a plan of B blocks per row (stride_w 1).
template <int B>
PARTRAIN_AVX512_FN void unfold_rows(const window_geometry& g, const tap_plan& p, const float* plane, float* out,
                                    std::size_t stride) {
  const int w = g.out_w, taps = g.kernel_h * g.kernel_w;
  const __m512 zero = _mm512_setzero_ps();
  for (int r = 0; r < taps; ++r, out += stride) {
    const auto& t = p.taps[r];
    for (int oy = 0; oy < g.out_h; ++oy) {
      float* row = out + std::ptrdiff_t(oy) * w;
      if (oy < t.row_lo || oy >= t.row_hi) {  // the whole row reads padding
        for (int b = 0; b < B; ++b) _mm512_mask_storeu_ps(row + 16 * b, p.row_lanes[b], zero);
        continue;
      }
      // Lanes outside the input are masked off and never touched, wherever the address points.
      const float* src = plane + (std::ptrdiff_t(oy) * g.stride_h + t.sy) * g.in_w + t.sx;
      for (int b = 0; b < B; ++b)
        _mm512_mask_storeu_ps(row + 16 * b, p.row_lanes[b], _mm512_maskz_loadu_ps(t.lanes[b], src + 16 * b));
    }
  }
}

/// Unfolds one plane with the flat plan: each tap's OH x OW block in blocks of 16 columns.
PARTRAIN_AVX512_FN void unfold_flat(const window_geometry& g, const tap_plan& p, const float* plane, float* out,
                                    std::size_t stride) {
  const int ohw = g.out_h * g.out_w, taps = g.kernel_h * g.kernel_w, full = ohw / 16;
  const __mmask16 last = __mmask16((1u << (ohw - 16 * full)) - 1u);
  for (int r = 0; r < taps; ++r, out += stride) {
    const auto& t = p.flat[r];
    const float* src = plane + t.shift;  // lanes outside the plane are masked off, never read
    int b = 0;
    for (; b < full; ++b) _mm512_storeu_ps(out + 16 * b, _mm512_maskz_loadu_ps(t.lanes[b], src + 16 * b));
    if (last) _mm512_mask_storeu_ps(out + 16 * b, last, _mm512_maskz_loadu_ps(t.lanes[b], src + 16 * b));
  }
}

/// Unfolds one plane through all KH x KW taps (stride_w must be 1): tap r = ky * KW + kx
/// goes to the OH x OW block out + r * stride; padding reads as 0. `p` is plan_unfold(g).
PARTRAIN_AVX512_FN void unfold_plane(const window_geometry& g, const tap_plan& p, const float* plane, float* out,
                                     std::size_t stride) {
  if (p.flat_blocks) return unfold_flat(g, p, plane, out, stride);
  switch (p.fits ? p.blocks : 0) {
    case 1: return unfold_rows<1>(g, p, plane, out, stride);
    case 2: return unfold_rows<2>(g, p, plane, out, stride);
    case 3: return unfold_rows<3>(g, p, plane, out, stride);
    case 4: return unfold_rows<4>(g, p, plane, out, stride);
    default: break;
  }
  const int w = g.out_w;
  const __m512 zero = _mm512_setzero_ps();
  for (int ky = 0; ky < g.kernel_h; ++ky) {
    const int sy = ky - g.pad_top;
    const auto rows = detail::valid_span(g.out_h, g.in_h, g.stride_h, sy);
    for (int kx = 0; kx < g.kernel_w; ++kx, out += stride) {
      const int sx = kx - g.pad_left;
      const auto cols = detail::valid_span(w, g.in_w, 1, sx);
      for (int oy = 0; oy < g.out_h; ++oy) {
        float* row = out + std::ptrdiff_t(oy) * w;
        if (oy < rows.lo || oy >= rows.hi) {
          for (int ox = 0; ox < w; ox += 16)
            _mm512_mask_storeu_ps(row + ox, span_mask(ox, 0, w), zero);
          continue;
        }
        const float* src = plane + (std::ptrdiff_t(oy) * g.stride_h + sy) * g.in_w + sx;
        for (int ox = 0; ox < w; ox += 16)
          _mm512_mask_storeu_ps(row + ox, span_mask(ox, 0, w),
                                _mm512_maskz_loadu_ps(span_mask(ox, cols.lo, cols.hi), src + ox));
      }
    }
  }
}

/// fold_plane with a plan of B blocks per input row.
template <int B>
PARTRAIN_AVX512_FN void fold_rows(const window_geometry& g, const tap_plan& p, const float* taps, std::size_t stride,
                                  float* plane) {
  const int w = g.in_w, ow = g.out_w;
  for (int iy = 0; iy < g.in_h; ++iy) {
    __m512 acc[B];
    for (int b = 0; b < B; ++b) acc[b] = _mm512_setzero_ps();
    for (int ky = 0; ky < g.kernel_h; ++ky) {
      const int oy = iy - ky + g.pad_top;
      if (oy < 0 || oy >= g.out_h) continue;
      for (int kx = 0; kx < g.kernel_w; ++kx) {
        const float* row = taps + (ky * g.kernel_w + kx) * stride + std::ptrdiff_t(oy) * ow + g.pad_left - kx;
        for (int b = 0; b < B; ++b)  // lane l of block b reads column 16 b + l - kx + pad_left
          acc[b] = _mm512_add_ps(acc[b], _mm512_maskz_loadu_ps(p.fold_lanes[kx][b], row + 16 * b));
      }
    }
    for (int b = 0; b < B; ++b) _mm512_mask_storeu_ps(plane + std::ptrdiff_t(iy) * w + 16 * b, p.row_lanes[b], acc[b]);
  }
}

/// fold_plane with the flat plan: each 16-pixel block of the plane gathers its taps in order.
PARTRAIN_AVX512_FN void fold_flat(const window_geometry& g, const tap_plan& p, const float* taps, std::size_t stride,
                                  float* plane) {
  const int ihw = g.in_h * g.in_w, n = g.kernel_h * g.kernel_w;
  for (int b = 0; b < p.flat_blocks; ++b) {
    __m512 acc = _mm512_setzero_ps();
    for (int r = 0; r < n; ++r)  // lanes the tap does not reach add 0 (acc is never -0)
      acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(p.flat[r].lanes[b], taps + r * stride + 16 * b - p.flat[r].shift));
    const int left = ihw - 16 * b;
    if (left >= 16) _mm512_storeu_ps(plane + 16 * b, acc);
    else _mm512_mask_storeu_ps(plane + 16 * b, __mmask16((1u << left) - 1u), acc);
  }
}

/// plane (overwritten) = the adjoint of all KH x KW taps at stride 1 in both directions:
/// each input pixel gathers its taps' column entries, tap by tap in (ky, kx) order, in a
/// register, so the plane is written once. taps[r] (r = ky * KW + kx) is that tap's OH x OW
/// block, blocks `stride` apart. `p` is plan_fold(g).
PARTRAIN_AVX512_FN void fold_plane(const window_geometry& g, const tap_plan& p, const float* taps, std::size_t stride,
                                   float* plane) {
  if (p.flat_blocks) return fold_flat(g, p, taps, stride, plane);
  switch (p.fits ? p.blocks : 0) {
    case 1: return fold_rows<1>(g, p, taps, stride, plane);
    case 2: return fold_rows<2>(g, p, taps, stride, plane);
    case 3: return fold_rows<3>(g, p, taps, stride, plane);
    case 4: return fold_rows<4>(g, p, taps, stride, plane);
    default: break;
  }
  const int w = g.in_w, ow = g.out_w;
  for (int iy = 0; iy < g.in_h; ++iy)
    for (int ix = 0; ix < w; ix += 16) {
      __m512 acc = _mm512_setzero_ps();
      for (int ky = 0; ky < g.kernel_h; ++ky) {
        const int oy = iy - ky + g.pad_top;
        if (oy < 0 || oy >= g.out_h) continue;
        for (int kx = 0; kx < g.kernel_w; ++kx) {
          const int ox = ix - kx + g.pad_left;  // lane l reads column ox + l
          const float* row = taps + (ky * g.kernel_w + kx) * stride + std::ptrdiff_t(oy) * ow;
          const __mmask16 m = span_mask(ox, 0, ow) & span_mask(ix, 0, w);
          acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(m, row + ox));
        }
      }
      _mm512_mask_storeu_ps(plane + std::ptrdiff_t(iy) * w + ix, span_mask(ix, 0, w), acc);
    }
}

#undef PARTRAIN_AVX512_FN

}  // namespace avx512
#endif

}  // namespace partrain::backend::cpu
