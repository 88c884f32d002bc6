// Fully connected layer math through cuBLAS: y = x W^T + b with W of shape (outputs, inputs),
// all row-major; cuBLAS (column-major) sees each row-major matrix as its transpose.
#pragma once

#include <cublas_v2.h>

#include "partrain/backend/cuda/launch.cuh"

namespace partrain::backend::cuda {

namespace detail {
inline cublasStatus_t gemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                           const float* alpha, const float* a, int lda, const float* b, int ldb,
                           const float* beta, float* c, int ldc) {
  return cublasSgemm(h, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
inline cublasStatus_t gemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                           const double* alpha, const double* a, int lda, const double* b, int ldb,
                           const double* beta, double* c, int ldc) {
  return cublasDgemm(h, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/// y[i, o] = b[o] for every image i.
template <class T>
struct broadcast_bias_fn {
  const T* b;
  T* y;
  int outputs;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t i) const { y[i] = b[i % outputs]; }
};
/// db[o] = sum over images of dy[i, o], in image order (as the CPU backend).
template <class T>
struct column_sum_fn {
  const T* dy;
  T* db;
  int n, outputs;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t o) const {
    T s = 0;
    for (int i = 0; i < n; ++i) s += dy[std::size_t(i) * outputs + o];
    db[o] = s;
  }
};
}  // namespace detail

/// y (n x outputs) = x (n x inputs) W^T + b; device pointers.
template <class T>
void dense_forward(context& ctx, int n, int inputs, int outputs, const T* x, const T* w, const T* b, T* y) {
  stream_resources& r = resources(ctx);
  for_each_index(ctx, std::size_t(n) * outputs, detail::broadcast_bias_fn<T>{b, y, outputs});
  const T one = 1;
  // y^T (outputs x n) = W (outputs x inputs) x^T (inputs x n)
  PARTRAIN_CUDA_CHECK(detail::gemm(r.cublas(), CUBLAS_OP_T, CUBLAS_OP_N, outputs, n, inputs, &one, w, inputs, x,
                                   inputs, &one, y, outputs));
}

/// dw = dy^T x, db = column sums of dy, dx = dy W (when dx is not null); all overwritten.
template <class T>
void dense_backward(context& ctx, int n, int inputs, int outputs, const T* x, const T* w, const T* dy, T* dx,
                    T* dw, T* db) {
  stream_resources& r = resources(ctx);
  const T one = 1, zero = 0;
  // dw^T (inputs x outputs) = x^T (inputs x n) dy (n x outputs)
  PARTRAIN_CUDA_CHECK(detail::gemm(r.cublas(), CUBLAS_OP_N, CUBLAS_OP_T, inputs, outputs, n, &one, x, inputs, dy,
                                   outputs, &zero, dw, inputs));
  for_each_index(ctx, std::size_t(outputs), detail::column_sum_fn<T>{dy, db, n, outputs});
  // dx^T (inputs x n) = W^T (inputs x outputs) dy^T (outputs x n)
  if (dx)
    PARTRAIN_CUDA_CHECK(detail::gemm(r.cublas(), CUBLAS_OP_N, CUBLAS_OP_N, inputs, n, outputs, &one, w, inputs,
                                     dy, outputs, &zero, dx, inputs));
}

}  // namespace partrain::backend::cuda
