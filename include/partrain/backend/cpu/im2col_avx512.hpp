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

/// Unfolds one plane through all KH x KW taps (stride_w must be 1): tap r = ky * KW + kx
/// goes to the OH x OW block out + r * stride; padding reads as 0.
PARTRAIN_AVX512_FN void unfold_plane(const window_geometry& g, const float* plane, float* out,
                                     std::size_t stride) {
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
        if (oy < rows.lo || oy >= rows.hi) {  // the whole row reads padding
          for (int ox = 0; ox < w; ox += 16)
            _mm512_mask_storeu_ps(row + ox, span_mask(ox, 0, w), zero);
          continue;
        }
        // Lanes outside `cols` are masked off and never touched, wherever the address points.
        const float* src = plane + (std::ptrdiff_t(oy) * g.stride_h + sy) * g.in_w + sx;
        for (int ox = 0; ox < w; ox += 16)
          _mm512_mask_storeu_ps(row + ox, span_mask(ox, 0, w),
                                _mm512_maskz_loadu_ps(span_mask(ox, cols.lo, cols.hi), src + ox));
      }
    }
  }
}

/// plane (overwritten) = the adjoint of all KH x KW taps at stride 1 in both directions:
/// each input pixel gathers its taps' column entries, tap by tap in (ky, kx) order, in a
/// register, so the plane is written once. taps[r] (r = ky * KW + kx) is that tap's OH x OW
/// block, blocks `stride` apart.
PARTRAIN_AVX512_FN void fold_plane(const window_geometry& g, const float* taps, std::size_t stride,
                                   float* plane) {
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
