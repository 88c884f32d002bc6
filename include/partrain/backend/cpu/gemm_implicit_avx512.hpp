// The two products of an implicit-GEMM convolution (conv2d_implicit.hpp) for AVX-512F. B is
// not a matrix: its row p starts at b + offset[p] (a tap of a zero-padded image), and its
// columns are a list of output vectors, each 16 (or, at the end of an output row, fewer)
// consecutive outputs with where they are read in the padded image and written in the output.
// So the products compute no padding and the output is written in place, with its bias.
#pragma once

#include <cstddef>

#include "partrain/backend/cpu/kernel_tier.hpp"
#include "partrain/backend/cpu/reduce.hpp"
#include "partrain/backend/cpu/simd.hpp"

namespace partrain::backend::cpu {

#if PARTRAIN_HAS_AVX2_KERNELS
namespace avx512 {

#define PARTRAIN_AVX512 __attribute__((target("avx512f,fma"), always_inline)) inline

/// Up to 16 consecutive outputs of one output row: read at b + offset[p] + in for row p of
/// B, written at c + row ldc + out; lanes outside `mask` are neither read nor written.
struct output_vector {
  std::ptrdiff_t in, out;
  __mmask16 mask;
};

// C[R rows, V output vectors] = A B (+ bias[row] when bias is not null). A is packed by
// columns (A(r, p) at a[p lda + r]), so a column's R values are broadcast from one pointer.
template <int R, int V>
PARTRAIN_AVX512 void implicit_tile(int k, const float* a, std::ptrdiff_t lda, const float* b,
                                   const std::ptrdiff_t* offset, const output_vector* v, float* c,
                                   std::ptrdiff_t ldc, const float* bias) {
  __m512 acc[R][V];
  const float* base[V];
  __mmask16 mask[V];
  PARTRAIN_UNROLL
  for (int u = 0; u < V; ++u) base[u] = b + v[u].in, mask[u] = v[u].mask;
  PARTRAIN_UNROLL
  for (int r = 0; r < R; ++r)
    PARTRAIN_UNROLL
    for (int u = 0; u < V; ++u) acc[r][u] = _mm512_setzero_ps();
  for (int p = 0; p < k; ++p) {
    const std::ptrdiff_t at = offset[p];
    __m512 bv[V];
    PARTRAIN_UNROLL
    for (int u = 0; u < V; ++u) bv[u] = _mm512_maskz_loadu_ps(mask[u], base[u] + at);
    const float* ap = a + p * lda;
    PARTRAIN_UNROLL
    for (int r = 0; r < R; ++r) {
      const __m512 av = _mm512_set1_ps(ap[r]);
      PARTRAIN_UNROLL
      for (int u = 0; u < V; ++u) acc[r][u] = _mm512_fmadd_ps(av, bv[u], acc[r][u]);
    }
  }
  PARTRAIN_UNROLL
  for (int r = 0; r < R; ++r)  // the bias after the sum, as im2col + GEMM adds it
    PARTRAIN_UNROLL
    for (int u = 0; u < V; ++u)
      _mm512_mask_storeu_ps(c + r * ldc + v[u].out, mask[u],
                            bias ? _mm512_add_ps(acc[r][u], _mm512_set1_ps(bias[r])) : acc[r][u]);
}

template <int V>
PARTRAIN_AVX512 void implicit_rows(int m, int k, const float* a, std::ptrdiff_t lda, const float* b,
                                   const std::ptrdiff_t* offset, const output_vector* v, float* c,
                                   std::ptrdiff_t ldc, const float* bias) {
  const auto at = [&](int i) { return bias ? bias + i : nullptr; };
  int i = 0;
  for (; i + 8 <= m; i += 8) implicit_tile<8, V>(k, a + i, lda, b, offset, v, c + i * ldc, ldc, at(i));
  if (i + 4 <= m) implicit_tile<4, V>(k, a + i, lda, b, offset, v, c + i * ldc, ldc, at(i)), i += 4;
  if (i + 2 <= m) implicit_tile<2, V>(k, a + i, lda, b, offset, v, c + i * ldc, ldc, at(i)), i += 2;
  if (i < m) implicit_tile<1, V>(k, a + i, lda, b, offset, v, c + i * ldc, ldc, at(i));
}

/// C (m rows of ldc) = A B (+ bias) over `count` output vectors: A is m x k packed by columns
/// (A(i, p) at a[p lda + i]), B's row p starts at b + offset[p]. Three vectors at a time, so
/// their B stays in L1 while every row of C is computed.
__attribute__((target("avx512f,fma"))) inline void implicit_gemm(int m, int k, const float* a, int lda,
                                                                 const float* b, const std::ptrdiff_t* offset,
                                                                 const output_vector* v, int count, float* c,
                                                                 int ldc, const float* bias) {
  int u = 0;
  for (; u + 3 <= count; u += 3) implicit_rows<3>(m, k, a, lda, b, offset, v + u, c, ldc, bias);
  for (; u < count; ++u) implicit_rows<1>(m, k, a, lda, b, offset, v + u, c, ldc, bias);
}

// acc[r][s] (vectors in memory, row stride G) += A row r times B row s over `count` output
// vectors: A's row r at a + r lda + out, B's row s at brow[s] + in.
template <int RA, int RB, int G>
PARTRAIN_AVX512 void implicit_abt_tile(int count, const output_vector* v, const float* a, std::ptrdiff_t lda,
                                       const float* const* brow, __m512* acc_mem) {
  __m512 acc[RA][RB];
  PARTRAIN_UNROLL
  for (int r = 0; r < RA; ++r)
    PARTRAIN_UNROLL
    for (int s = 0; s < RB; ++s) acc[r][s] = acc_mem[r * G + s];
  for (int u = 0; u < count; ++u) {
    const __mmask16 mask = v[u].mask;
    __m512 bv[RB];
    PARTRAIN_UNROLL
    for (int s = 0; s < RB; ++s) bv[s] = _mm512_maskz_loadu_ps(mask, brow[s] + v[u].in);
    PARTRAIN_UNROLL
    for (int r = 0; r < RA; ++r) {
      const __m512 av = _mm512_maskz_loadu_ps(mask, a + r * lda + v[u].out);
      PARTRAIN_UNROLL
      for (int s = 0; s < RB; ++s) acc[r][s] = _mm512_fmadd_ps(av, bv[s], acc[r][s]);
    }
  }
  PARTRAIN_UNROLL
  for (int r = 0; r < RA; ++r)
    PARTRAIN_UNROLL
    for (int s = 0; s < RB; ++s) acc_mem[r * G + s] = acc[r][s];
}

// Rows [0, RA) of C += A B^T: the vectors run in blocks of L, so the RA rows of A stay in
// L1 while up to G rows of B pass; the lane sums wait in `acc` and are summed in a fixed
// order at the end (as gemm_abt_add does).
template <int RA>
PARTRAIN_AVX512 void implicit_abt_rows(int n, const output_vector* v, int count, const float* a, std::ptrdiff_t lda,
                                       const float* b, const std::ptrdiff_t* offset, float* c) {
  constexpr int L = 32, G = 48;
  __m512 acc[RA * G];
  const float* brow[G];
  for (int j0 = 0; j0 < n; j0 += G) {
    const int g = n - j0 < G ? n - j0 : G;
    for (int s = 0; s < g; ++s) brow[s] = b + offset[j0 + s];
    for (int r = 0; r < RA; ++r)
      for (int s = 0; s < g; ++s) acc[r * G + s] = _mm512_setzero_ps();
    for (int u0 = 0; u0 < count; u0 += L) {
      const int len = count - u0 < L ? count - u0 : L;
      int j = 0;
      for (; j + 6 <= g; j += 6) implicit_abt_tile<RA, 6, G>(len, v + u0, a, lda, brow + j, acc + j);
      if (j + 3 <= g) implicit_abt_tile<RA, 3, G>(len, v + u0, a, lda, brow + j, acc + j), j += 3;
      for (; j < g; ++j) implicit_abt_tile<RA, 1, G>(len, v + u0, a, lda, brow + j, acc + j);
    }
    for (int r = 0; r < RA; ++r)
      for (int s = 0; s < g; ++s) c[r * n + j0 + s] += detail::sum_lanes<float>(simd::vec<float>(acc[r * G + s]));
  }
}

/// C (m x n, row-major) += A B^T over `count` output vectors: A's row i at a + i lda (read
/// at each vector's `out`), B's row s at b + offset[s] (read at its `in`).
__attribute__((target("avx512f,fma"))) inline void implicit_gemm_abt_add(int m, int n, const float* a, int lda,
                                                                         const float* b,
                                                                         const std::ptrdiff_t* offset,
                                                                         const output_vector* v, int count,
                                                                         float* c) {
  int i = 0;
  for (; i + 4 <= m; i += 4)
    implicit_abt_rows<4>(n, v, count, a + std::ptrdiff_t(i) * lda, lda, b, offset, c + std::ptrdiff_t(i) * n);
  for (; i < m; ++i)
    implicit_abt_rows<1>(n, v, count, a + std::ptrdiff_t(i) * lda, lda, b, offset, c + std::ptrdiff_t(i) * n);
}

#undef PARTRAIN_AVX512
}  // namespace avx512
#endif

}  // namespace partrain::backend::cpu
