// Single-precision GEMM kernels for AVX-512F, the same two products as gemm_avx2.hpp
// (C = A B and C += A B^T), compiled through target attributes and chosen at run time.
// A B runs 8 x 48 register tiles, A B^T 4 x 6 (A's rows stay in registers); ragged edges use
// masked loads and stores, not scalar loops.
#pragma once

#include <cstddef>

#include "partrain/backend/cpu/gemm_avx2.hpp"
#include "partrain/backend/cpu/reduce.hpp"
#include "partrain/backend/cpu/simd.hpp"

namespace partrain::backend::cpu {

#if PARTRAIN_HAS_AVX2_KERNELS
namespace avx512 {

#define PARTRAIN_AVX512 __attribute__((target("avx512f,fma"), always_inline)) inline

/// Lanes [0, count) of a 16-lane vector (count <= 16).
PARTRAIN_AVX512 __mmask16 tail_mask(int count) { return __mmask16((1u << count) - 1u); }

// C[R rows, V vectors of columns] = A B for one register tile; the last vector holds the
// lanes of `last` (all 16 but at a ragged edge). A(i, p) = a[i * ar + p * ac].
template <int R, int V>
PARTRAIN_AVX512 void tile_ab(int k, const float* a, std::ptrdiff_t ar, std::ptrdiff_t ac,
                             const float* b, std::ptrdiff_t ldb, float* c, std::ptrdiff_t ldc,
                             __mmask16 last) {
  __m512 acc[R][V];
  PARTRAIN_UNROLL
  for (int r = 0; r < R; ++r)
    PARTRAIN_UNROLL
    for (int v = 0; v < V; ++v) acc[r][v] = _mm512_setzero_ps();
  for (int p = 0; p < k; ++p) {
    const float* bp = b + p * ldb;
    __m512 bv[V];
    PARTRAIN_UNROLL
    for (int v = 0; v + 1 < V; ++v) bv[v] = _mm512_loadu_ps(bp + 16 * v);
    bv[V - 1] = _mm512_maskz_loadu_ps(last, bp + 16 * (V - 1));
    const float* ap = a + p * ac;
    PARTRAIN_UNROLL
    for (int r = 0; r < R; ++r) {
      const __m512 av = _mm512_set1_ps(ap[r * ar]);
      PARTRAIN_UNROLL
      for (int v = 0; v < V; ++v) acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
    }
  }
  PARTRAIN_UNROLL
  for (int r = 0; r < R; ++r) {
    PARTRAIN_UNROLL
    for (int v = 0; v + 1 < V; ++v) _mm512_storeu_ps(c + r * ldc + 16 * v, acc[r][v]);
    _mm512_mask_storeu_ps(c + r * ldc + 16 * (V - 1), last, acc[r][V - 1]);
  }
}

// All m rows of one column panel of V vectors: 8-row tiles, then 4, 2, 1.
template <int V>
PARTRAIN_AVX512 void panel_ab(int m, int k, const float* a, std::ptrdiff_t ar, std::ptrdiff_t ac,
                              const float* b, std::ptrdiff_t ldb, float* c, std::ptrdiff_t ldc,
                              __mmask16 last) {
  int i = 0;
  for (; i + 8 <= m; i += 8) tile_ab<8, V>(k, a + i * ar, ar, ac, b, ldb, c + i * ldc, ldc, last);
  if (i + 4 <= m) tile_ab<4, V>(k, a + i * ar, ar, ac, b, ldb, c + i * ldc, ldc, last), i += 4;
  if (i + 2 <= m) tile_ab<2, V>(k, a + i * ar, ar, ac, b, ldb, c + i * ldc, ldc, last), i += 2;
  if (i < m) tile_ab<1, V>(k, a + i * ar, ar, ac, b, ldb, c + i * ldc, ldc, last);
}

/// C (m x n, ldc) = A B; A(i, p) = a[i * ar + p * ac], B row-major k x n (ldb). Column
/// panels run outermost, so a panel of B stays in L1 while every row of C is computed.
__attribute__((target("avx512f,fma"))) inline void gemm_ab(int m, int n, int k, const float* a,
                                                           int ar, int ac, const float* b, int ldb,
                                                           float* c, int ldc) {
  int j = 0;
  for (; j + 48 <= n; j += 48) panel_ab<3>(m, k, a, ar, ac, b + j, ldb, c + j, ldc, 0xffff);
  for (; j + 16 <= n; j += 16) panel_ab<1>(m, k, a, ar, ac, b + j, ldb, c + j, ldc, 0xffff);
  if (j < n) panel_ab<1>(m, k, a, ar, ac, b + j, ldb, c + j, ldc, tail_mask(n - j));
}

// acc[r][s] += A row r times B row s over the 16 (masked) entries at p.
template <int RA, int RB>
PARTRAIN_AVX512 void step_abt(__m512 (&acc)[RA][RB], int p, __mmask16 mask, const float* a,
                              std::ptrdiff_t lda, const float* b, std::ptrdiff_t ldb) {
  __m512 bv[RB];
  PARTRAIN_UNROLL
  for (int s = 0; s < RB; ++s) bv[s] = _mm512_maskz_loadu_ps(mask, b + s * ldb + p);
  PARTRAIN_UNROLL
  for (int r = 0; r < RA; ++r) {
    const __m512 av = _mm512_maskz_loadu_ps(mask, a + r * lda + p);
    PARTRAIN_UNROLL
    for (int s = 0; s < RB; ++s) acc[r][s] = _mm512_fmadd_ps(av, bv[s], acc[r][s]);
  }
}

// acc[r][s] (vectors in memory, row stride G) += A[RA rows] B[RB rows]^T over entries
// [0, len) of each row: 16 lanes per step, a masked last step.
template <int RA, int RB, int G>
PARTRAIN_AVX512 void tile_abt(int len, const float* a, std::ptrdiff_t lda, const float* b,
                              std::ptrdiff_t ldb, __m512* acc_mem) {
  __m512 acc[RA][RB];
  PARTRAIN_UNROLL
  for (int r = 0; r < RA; ++r)
    PARTRAIN_UNROLL
    for (int s = 0; s < RB; ++s) acc[r][s] = acc_mem[r * G + s];
  int p = 0;
  for (; p + 16 <= len; p += 16) step_abt<RA, RB>(acc, p, 0xffff, a, lda, b, ldb);
  if (p < len) step_abt<RA, RB>(acc, p, tail_mask(len - p), a, lda, b, ldb);
  PARTRAIN_UNROLL
  for (int r = 0; r < RA; ++r)
    PARTRAIN_UNROLL
    for (int s = 0; s < RB; ++s) acc_mem[r * G + s] = acc[r][s];
}

// Rows [0, RA) of C += A B^T. The reduction runs in blocks of L entries, so the RA rows of
// A stay in L1 while up to G rows of B pass; the lane sums wait in `acc` (RA x G vectors)
// and are summed in a fixed order at the end, so the result does not depend on L or G.
template <int RA>
PARTRAIN_AVX512 void rows_abt(int n, int l, const float* a, std::ptrdiff_t lda, const float* b,
                              std::ptrdiff_t ldb, float* c, std::ptrdiff_t ldc) {
  constexpr int L = 512, G = 48;
  __m512 acc[RA * G];
  for (int j0 = 0; j0 < n; j0 += G) {
    const int g = n - j0 < G ? n - j0 : G;
    for (int r = 0; r < RA; ++r)  // the g columns in use (a short last block zeroes less)
      for (int s = 0; s < g; ++s) acc[r * G + s] = _mm512_setzero_ps();
    for (int p0 = 0; p0 < l; p0 += L) {
      const int len = l - p0 < L ? l - p0 : L;
      const float* ap = a + p0;
      const float* bp = b + j0 * ldb + p0;
      int j = 0;
      for (; j + 6 <= g; j += 6) tile_abt<RA, 6, G>(len, ap, lda, bp + j * ldb, ldb, acc + j);
      if (j + 3 <= g) tile_abt<RA, 3, G>(len, ap, lda, bp + j * ldb, ldb, acc + j), j += 3;
      for (; j < g; ++j) tile_abt<RA, 1, G>(len, ap, lda, bp + j * ldb, ldb, acc + j);
    }
    // The lanes in _mm512_reduce_add_ps's tree, but without the "undefined" vectors of its
    // GCC 12 definition, which -Wmaybe-uninitialized reports in every program including this.
    for (int r = 0; r < RA; ++r)
      for (int s = 0; s < g; ++s) c[r * ldc + j0 + s] += detail::sum_lanes<float>(simd::vec<float>(acc[r * G + s]));
  }
}

/// C (m x n, ldc) += A B^T with A m x l (lda) and B n x l (ldb), both row-major.
__attribute__((target("avx512f,fma"))) inline void gemm_abt_add(int m, int n, int l, const float* a,
                                                                int lda, const float* b, int ldb,
                                                                float* c, int ldc) {
  int i = 0;
  for (; i + 4 <= m; i += 4) rows_abt<4>(n, l, a + std::ptrdiff_t(i) * lda, lda, b, ldb, c + std::ptrdiff_t(i) * ldc, ldc);
  for (; i < m; ++i) rows_abt<1>(n, l, a + std::ptrdiff_t(i) * lda, lda, b, ldb, c + std::ptrdiff_t(i) * ldc, ldc);
}

#undef PARTRAIN_AVX512
}  // namespace avx512
#endif

}  // namespace partrain::backend::cpu
