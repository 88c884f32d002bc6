// Fully connected layer math on the CPU: y = x W^T + b with W of shape (outputs, inputs).
// Float runs on the own GEMM kernels (gemm.hpp), double on OpenBLAS.
#pragma once

#include <algorithm>
#include <cstddef>

#include "partrain/backend/cpu/gemm.hpp"
#include "partrain/config.hpp"

namespace partrain::backend::cpu {

// The entry points: instantiated once for float and double in partrain::compiled
// (backend/cpu/instantiations.hpp).
inline namespace PARTRAIN_MODE_NAMESPACE {

/// y (n x outputs) = b in every row, then += x W^T: the reduction runs along contiguous rows.
template <element_type T>
void dense_forward(int n, int inputs, int outputs, const T* x, const T* w, const T* b, T* y) {
  for (int i = 0; i < n; ++i) std::copy_n(b, outputs, y + std::size_t(i) * outputs);
  gemm_abt_add<T>(n, outputs, inputs, x, inputs, w, inputs, y, outputs);
}

/// dw = dy^T x, db = column sums of dy, dx = dy W (when dx is not null); all overwritten.
template <element_type T>
void dense_backward(int n, int inputs, int outputs, const T* x, const T* w, const T* dy, T* dx,
                    T* dw, T* db) {
  gemm_ab<T>(outputs, inputs, n, dy, 1, outputs, x, inputs, dw, inputs);
  std::fill_n(db, outputs, T(0));
  for (int i = 0; i < n; ++i)
    for (int o = 0; o < outputs; ++o) db[o] += dy[std::size_t(i) * outputs + o];
  if (dx) gemm_ab<T>(n, inputs, outputs, dy, outputs, 1, w, inputs, dx, inputs);
}

}  // namespace PARTRAIN_MODE_NAMESPACE

}  // namespace partrain::backend::cpu
