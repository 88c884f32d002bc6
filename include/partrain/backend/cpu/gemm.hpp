// Row-major GEMM on the CPU: CBLAS (OpenBLAS) for general use, and the two products the
// convolution needs, which run on the AVX-512 or AVX2+FMA kernels for float when the CPU
// has them (PARTRAIN_CPU_KERNELS=avx2 or =blas in the environment picks a lower tier).
#pragma once

#include <cblas.h>

#include <algorithm>

#include "partrain/backend/cpu/gemm_avx2.hpp"
#include "partrain/backend/cpu/gemm_avx512.hpp"
#include "partrain/core/tensor.hpp"

namespace partrain::backend::cpu {

/// C = alpha * op(A) * op(B) + beta * C, all row-major; op(A) is m x k, op(B) is k x n.
template <element_type T>
void gemm(bool trans_a, bool trans_b, int m, int n, int k, T alpha, const T* a, int lda, const T* b,
          int ldb, T beta, T* c, int ldc) {
  const auto ta = trans_a ? CblasTrans : CblasNoTrans;
  const auto tb = trans_b ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>)
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  else
    cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/// C (m x n, ldc) = A B, where A(i, p) = a[i * ar + p * ac] with ar or ac equal to 1 (A
/// itself or a transposed view) and B is row-major k x n (ldb).
template <element_type T>
void gemm_ab(int m, int n, int k, const T* a, int ar, int ac, const T* b, int ldb, T* c, int ldc) {
#if PARTRAIN_HAS_AVX2_KERNELS
  if constexpr (std::is_same_v<T, float>) {
    if (has_avx512()) return avx512::gemm_ab(m, n, k, a, ar, ac, b, ldb, c, ldc);
    if (has_avx2_fma()) return avx2::gemm_ab(m, n, k, a, ar, ac, b, ldb, c, ldc);
  }
#endif
  // A view with both strides 1 (one row or one column) must still pass BLAS a legal lda.
  if (ac == 1 && (ar >= k || m == 1)) gemm<T>(false, false, m, n, k, T(1), a, std::max(ar, k), b, ldb, T(0), c, ldc);
  else gemm<T>(true, false, m, n, k, T(1), a, std::max(ac, m), b, ldb, T(0), c, ldc);
}

/// C (m x n, ldc) += A B^T, with A m x l (lda) and B n x l (ldb) row-major: a product whose
/// long reduction runs along contiguous rows (filter gradients).
template <element_type T>
void gemm_abt_add(int m, int n, int l, const T* a, int lda, const T* b, int ldb, T* c, int ldc) {
#if PARTRAIN_HAS_AVX2_KERNELS
  if constexpr (std::is_same_v<T, float>) {
    if (has_avx512()) return avx512::gemm_abt_add(m, n, l, a, lda, b, ldb, c, ldc);
    if (has_avx2_fma()) return avx2::gemm_abt_add(m, n, l, a, lda, b, ldb, c, ldc);
  }
#endif
  gemm<T>(false, true, m, n, l, T(1), a, lda, b, ldb, T(1), c, ldc);
}

}  // namespace partrain::backend::cpu
