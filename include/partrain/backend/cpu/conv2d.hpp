// 2-d convolution on the CPU: im2col + one GEMM per chunk of images. Weights are (F, C, KH, KW).
// A chunk is as many images as keep the unfolded matrix about L2-sized, so the GEMM sees
// thousands of columns instead of one image's few dozen. In float, a first layer with few
// channels runs the direct kernels (conv2d_direct.hpp) and other stride-1 layers the implicit
// GEMM (conv2d_implicit.hpp), which reads shifted views of the image instead of a copy.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include "partrain/backend/context.hpp"
#include "partrain/backend/cpu/conv2d_direct.hpp"
#include "partrain/backend/cpu/conv2d_implicit.hpp"
#include "partrain/backend/cpu/gemm.hpp"
#include "partrain/backend/cpu/im2col.hpp"
#include "partrain/backend/cpu/kernel_tier.hpp"
#include "partrain/backend/cpu/reduce.hpp"
#include "partrain/backend/cpu/simd.hpp"
#include "partrain/backend/geometry.hpp"
#include "partrain/config.hpp"

namespace partrain::backend::cpu {

namespace detail {
/// Images per chunk: the unfolded chunk stays near 512 KiB (at least one image), half of a
/// typical L2, so the GEMM reads it from there. The count depends only on the geometry, so
/// results do not depend on anything but the inputs.
template <element_type T>
int conv_chunk(const window_geometry& g, int n) {
  const std::size_t per_image = std::size_t(g.channels) * g.kernel_h * g.kernel_w * g.out_h * g.out_w;
  const std::size_t budget = (std::size_t(1) << 19) / sizeof(T);
  return int(std::clamp<std::size_t>(budget / std::max<std::size_t>(per_image, 1), 1, std::size_t(n)));
}
/// Rounds a workspace slice up to 64 bytes so each slice starts cache-line aligned.
inline std::size_t padded(std::size_t count) { return (count + 15) / 16 * 16; }

/// y's planes of m images = the GEMM's output rows (F x cols, image i at column i ohw) + bias.
template <element_type T>
struct add_bias_kernel {
  PARTRAIN_TIERED_INLINE static void run(int m, int filters, int ohw, const T* out, const T* b, T* y) {
    const std::size_t cols = std::size_t(m) * ohw;
    simd::vec<T> v;
    for (int i = 0; i < m; ++i)
      for (int f = 0; f < filters; ++f) {
        const T* src = out + f * cols + std::size_t(i) * ohw;
        T* dst = y + (std::size_t(i) * filters + f) * ohw;
        const T bias = b[f];
        int p = 0;
        for (; p + int(simd::width) <= ohw; p += simd::width)
          simd::load(v, src + p), simd::store(dst + p, simd::vec<T>(v + bias));
        for (; p < ohw; ++p) dst[p] = src[p] + bias;
      }
  }
};

/// db[f] += the sum of dy's plane f over m images; with dyc, the planes are also copied into
/// it as F x cols (image i at column i ohw), the layout the GEMMs take.
template <element_type T>
struct bias_gradient_kernel {
  PARTRAIN_TIERED_INLINE static void run(int m, int filters, int ohw, const T* dy, T* dyc, T* db) {
    const std::size_t cols = std::size_t(m) * ohw;
    for (int i = 0; i < m; ++i)
      for (int f = 0; f < filters; ++f) {
        const T* src = dy + (std::size_t(i) * filters + f) * ohw;
        if (dyc) std::copy_n(src, ohw, dyc + f * cols + std::size_t(i) * ohw);
        db[f] += sum_of(src, ohw);
      }
  }
};
}  // namespace detail

// The entry points: instantiated once for float and double in partrain::compiled
// (backend/cpu/instantiations.hpp).
inline namespace PARTRAIN_MODE_NAMESPACE {

/// y = conv(x, w) + b for n images: per chunk, col = im2col(x), out = w col (F x columns),
/// then out is written back image by image with the bias added.
template <element_type T>
void conv2d_forward(context& ctx, const window_geometry& g, int filters, int n, const T* x,
                    const T* w, const T* b, T* y) {
  if constexpr (std::is_same_v<T, float>) {
    if (direct_convolution(g))
      return conv2d_direct_forward(g, filters, n, x, w, b, y,
                                   ctx.workspace<float>(direct_convolution_scratch(g, filters)));
#if PARTRAIN_HAS_AVX2_KERNELS
    if (implicit_convolution(g)) return conv2d_implicit_forward(ctx, g, filters, n, x, w, b, y);
#endif
  }
  const int k = g.channels * g.kernel_h * g.kernel_w, ohw = g.out_h * g.out_w;
  const std::size_t in_size = std::size_t(g.channels) * g.in_h * g.in_w;
  const int nb = detail::conv_chunk<T>(g, n);
  const std::size_t max_cols = std::size_t(nb) * ohw;
  T* col = ctx.workspace<T>(detail::padded(k * max_cols) + filters * max_cols);
  T* out = col + detail::padded(k * max_cols);
  for (int i0 = 0; i0 < n; i0 += nb) {
    const int m = std::min(nb, n - i0), cols = m * ohw;
    im2col(g, m, x + i0 * in_size, col);
    gemm_ab<T>(filters, cols, k, w, k, 1, col, cols, out, cols);
    run_tiered<detail::add_bias_kernel<T>>(m, filters, ohw, static_cast<const T*>(out), b,
                                           y + std::size_t(i0) * filters * ohw);
  }
}

/// dw = sum_n dy[n] im2col(x[n])^T, db = sum of dy per filter, and (when dx is not null)
/// dx[n] = col2im(w^T dy[n]). All gradients are overwritten.
template <element_type T>
void conv2d_backward(context& ctx, const window_geometry& g, int filters, int n, const T* x,
                     const T* w, const T* dy, T* dx, T* dw, T* db) {
  const int k = g.channels * g.kernel_h * g.kernel_w, ohw = g.out_h * g.out_w;
  const std::size_t in_size = std::size_t(g.channels) * g.in_h * g.in_w;
  const int nb = detail::conv_chunk<T>(g, n);
  const std::size_t max_cols = std::size_t(nb) * ohw;
  std::fill_n(db, filters, T(0));
  if constexpr (std::is_same_v<T, float>) {  // before im2col's workspace: these need less
    if (!dx && direct_convolution(g)) {  // the first layer: no input gradient
      run_tiered<detail::bias_gradient_kernel<T>>(n, filters, ohw, dy, static_cast<T*>(nullptr), db);
      return conv2d_direct_filter_gradient(g, filters, n, x, dy, dw,
                                           ctx.workspace<float>(direct_convolution_scratch(g, filters)));
    }
#if PARTRAIN_HAS_AVX2_KERNELS
    if (implicit_convolution(g)) {
      run_tiered<detail::bias_gradient_kernel<T>>(n, filters, ohw, dy, static_cast<T*>(nullptr), db);
      return conv2d_implicit_backward(ctx, g, filters, n, x, w, dy, dx, dw);
    }
#endif
  }
  T* col = ctx.workspace<T>(detail::padded(k * max_cols) + filters * max_cols);
  T* dyc = col + detail::padded(k * max_cols);  // dy of the chunk as F x columns
  std::fill_n(dw, std::size_t(filters) * k, T(0));
  for (int i0 = 0; i0 < n; i0 += nb) {
    const int m = std::min(nb, n - i0), cols = m * ohw;
    run_tiered<detail::bias_gradient_kernel<T>>(m, filters, ohw, dy + std::size_t(i0) * filters * ohw, dyc, db);
    im2col(g, m, x + i0 * in_size, col);
    gemm_abt_add<T>(filters, k, cols, dyc, cols, col, cols, dw, k);
    if (dx) {
      gemm_ab<T>(k, cols, filters, w, 1, k, dyc, cols, col, cols);
      col2im(g, m, col, dx + i0 * in_size);
    }
  }
}

}  // namespace PARTRAIN_MODE_NAMESPACE

}  // namespace partrain::backend::cpu
