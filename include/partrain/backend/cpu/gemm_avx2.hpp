// Single-precision GEMM kernels for the convolution shapes (few rows, thousands of columns),
// compiled for AVX2+FMA through target attributes and chosen at run time, so they run at
// vector speed whatever -march the user builds with and whatever CPU OpenBLAS recognises.
#pragma once

#include <cstddef>

#include "partrain/backend/cpu/kernel_tier.hpp"

namespace partrain::backend::cpu {

#if PARTRAIN_HAS_AVX2_KERNELS
namespace avx2 {

#define PARTRAIN_AVX2 __attribute__((target("avx2,fma"), always_inline)) inline

// C[R rows, 8V columns] = A B for one register tile; A(i, p) = a[i * ar + p * ac].
template <int R, int V>
PARTRAIN_AVX2 void tile_ab(int k, const float* a, int ar, int ac, const float* b, int ldb, float* c,
                           int ldc) {
  __m256 acc[R][V];
  PARTRAIN_UNROLL
  for (int r = 0; r < R; ++r)
    PARTRAIN_UNROLL
    for (int v = 0; v < V; ++v) acc[r][v] = _mm256_setzero_ps();
  for (int p = 0; p < k; ++p) {
    __m256 bv[V];
    PARTRAIN_UNROLL
    for (int v = 0; v < V; ++v) bv[v] = _mm256_loadu_ps(b + std::ptrdiff_t(p) * ldb + 8 * v);
    PARTRAIN_UNROLL
    for (int r = 0; r < R; ++r) {
      const __m256 av = _mm256_broadcast_ss(a + std::ptrdiff_t(r) * ar + std::ptrdiff_t(p) * ac);
      PARTRAIN_UNROLL
      for (int v = 0; v < V; ++v) acc[r][v] = _mm256_fmadd_ps(av, bv[v], acc[r][v]);
    }
  }
  PARTRAIN_UNROLL
  for (int r = 0; r < R; ++r)
    PARTRAIN_UNROLL
    for (int v = 0; v < V; ++v) _mm256_storeu_ps(c + std::ptrdiff_t(r) * ldc + 8 * v, acc[r][v]);
}

// Rows [0, R) of C over all n columns: 24-column tiles, then 8, then single columns.
template <int R>
PARTRAIN_AVX2 void rows_ab(int n, int k, const float* a, int ar, int ac, const float* b, int ldb,
                           float* c, int ldc) {
  int j = 0;
  for (; j + 24 <= n; j += 24) tile_ab<R, 3>(k, a, ar, ac, b + j, ldb, c + j, ldc);
  for (; j + 8 <= n; j += 8) tile_ab<R, 1>(k, a, ar, ac, b + j, ldb, c + j, ldc);
  for (; j < n; ++j)
    PARTRAIN_UNROLL
    for (int r = 0; r < R; ++r) {
      float s = 0;
      for (int p = 0; p < k; ++p) s += a[std::ptrdiff_t(r) * ar + std::ptrdiff_t(p) * ac] * b[std::ptrdiff_t(p) * ldb + j];
      c[std::ptrdiff_t(r) * ldc + j] = s;
    }
}

/// C (m x n, ldc) = A B; A(i, p) = a[i * ar + p * ac], B row-major k x n (ldb).
__attribute__((target("avx2,fma"))) inline void gemm_ab(int m, int n, int k, const float* a, int ar,
                                                        int ac, const float* b, int ldb, float* c,
                                                        int ldc) {
  int i = 0;
  for (; i + 4 <= m; i += 4) rows_ab<4>(n, k, a + std::ptrdiff_t(i) * ar, ar, ac, b, ldb, c + std::ptrdiff_t(i) * ldc, ldc);
  for (; i < m; ++i) rows_ab<1>(n, k, a + std::ptrdiff_t(i) * ar, ar, ac, b, ldb, c + std::ptrdiff_t(i) * ldc, ldc);
}

PARTRAIN_AVX2 float horizontal_sum(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

// C[RA x RB] += A[RA rows] B[RB rows]^T over the l contiguous entries of each row.
template <int RA, int RB>
PARTRAIN_AVX2 void tile_abt(int l, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  __m256 acc[RA][RB];
  PARTRAIN_UNROLL
  for (int r = 0; r < RA; ++r)
    PARTRAIN_UNROLL
    for (int s = 0; s < RB; ++s) acc[r][s] = _mm256_setzero_ps();
  int p = 0;
  for (; p + 8 <= l; p += 8) {
    __m256 bv[RB];
    PARTRAIN_UNROLL
    for (int s = 0; s < RB; ++s) bv[s] = _mm256_loadu_ps(b + std::ptrdiff_t(s) * ldb + p);
    PARTRAIN_UNROLL
    for (int r = 0; r < RA; ++r) {
      const __m256 av = _mm256_loadu_ps(a + std::ptrdiff_t(r) * lda + p);
      PARTRAIN_UNROLL
      for (int s = 0; s < RB; ++s) acc[r][s] = _mm256_fmadd_ps(av, bv[s], acc[r][s]);
    }
  }
  if (p < l) {  // the last l - p < 8 entries through masked loads (masked lanes read as 0)
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(l - p), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    __m256 bv[RB];
    PARTRAIN_UNROLL
    for (int s = 0; s < RB; ++s) bv[s] = _mm256_maskload_ps(b + std::ptrdiff_t(s) * ldb + p, mask);
    PARTRAIN_UNROLL
    for (int r = 0; r < RA; ++r) {
      const __m256 av = _mm256_maskload_ps(a + std::ptrdiff_t(r) * lda + p, mask);
      PARTRAIN_UNROLL
      for (int s = 0; s < RB; ++s) acc[r][s] = _mm256_fmadd_ps(av, bv[s], acc[r][s]);
    }
  }
  PARTRAIN_UNROLL
  for (int r = 0; r < RA; ++r)
    PARTRAIN_UNROLL
    for (int s = 0; s < RB; ++s) c[std::ptrdiff_t(r) * ldc + s] += horizontal_sum(acc[r][s]);
}

template <int RA>
PARTRAIN_AVX2 void rows_abt(int n, int l, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  int j = 0;
  for (; j + 3 <= n; j += 3) tile_abt<RA, 3>(l, a, lda, b + std::ptrdiff_t(j) * ldb, ldb, c + j, ldc);
  for (; j < n; ++j) tile_abt<RA, 1>(l, a, lda, b + std::ptrdiff_t(j) * ldb, ldb, c + j, ldc);
}

/// C (m x n, ldc) += A B^T with A m x l (lda) and B n x l (ldb), both row-major.
__attribute__((target("avx2,fma"))) inline void gemm_abt_add(int m, int n, int l, const float* a,
                                                             int lda, const float* b, int ldb,
                                                             float* c, int ldc) {
  int i = 0;
  for (; i + 4 <= m; i += 4) rows_abt<4>(n, l, a + std::ptrdiff_t(i) * lda, lda, b, ldb, c + std::ptrdiff_t(i) * ldc, ldc);
  for (; i < m; ++i) rows_abt<1>(n, l, a + std::ptrdiff_t(i) * lda, lda, b, ldb, c + std::ptrdiff_t(i) * ldc, ldc);
}

#undef PARTRAIN_AVX2
}  // namespace avx2
#endif

}  // namespace partrain::backend::cpu
