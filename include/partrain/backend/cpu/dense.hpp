// Fully connected layer math on the CPU: y = x W^T + b with W of shape (outputs, inputs).
#pragma once

#include <algorithm>
#include <cstddef>

#include "partrain/backend/cpu/gemm.hpp"

namespace partrain::backend::cpu {

template <element_type T>
void dense_forward(int n, int inputs, int outputs, const T* x, const T* w, const T* b, T* y) {
  for (int i = 0; i < n; ++i) std::copy_n(b, outputs, y + std::size_t(i) * outputs);
  gemm<T>(false, true, n, outputs, inputs, T(1), x, inputs, w, inputs, T(1), y, outputs);
}

/// dw = dy^T x, db = column sums of dy, dx = dy W (when dx is not null); all overwritten.
template <element_type T>
void dense_backward(int n, int inputs, int outputs, const T* x, const T* w, const T* dy, T* dx,
                    T* dw, T* db) {
  gemm<T>(true, false, outputs, inputs, n, T(1), dy, outputs, x, inputs, T(0), dw, inputs);
  std::fill_n(db, outputs, T(0));
  for (int i = 0; i < n; ++i)
    for (int o = 0; o < outputs; ++o) db[o] += dy[std::size_t(i) * outputs + o];
  if (dx) gemm<T>(false, false, n, inputs, outputs, T(1), dy, outputs, w, inputs, T(0), dx, inputs);
}

}  // namespace partrain::backend::cpu
