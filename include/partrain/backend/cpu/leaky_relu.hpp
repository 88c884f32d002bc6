// leaky_relu on the CPU: y = x where x > 0, leak * x elsewhere (0 when leak is 0), and its
// gradient, in vectors of 16 (simd.hpp) on every tier.
#pragma once

#include <cstddef>
#include <type_traits>

#include "partrain/backend/cpu/kernel_tier.hpp"
#include "partrain/backend/cpu/simd.hpp"
#include "partrain/backend/functors.hpp"
#include "partrain/config.hpp"
#include "partrain/core/tensor.hpp"

namespace partrain::backend::cpu {

/// y[0..n) = leaky_relu(x); x and y do not overlap.
template <element_type T>
PARTRAIN_TIERED_INLINE void leaky_relu_span(const T* __restrict x, T* __restrict y, std::size_t n, T leak) {
  simd::vec<T> v, negative;
  std::size_t j = 0;
  for (; j + simd::width <= n; j += simd::width) {
    simd::load(v, x + j);
    negative = leak == T(0) ? simd::vec<T>{} : leak * v;
    simd::store(y + j, simd::vec<T>(v <= T(0) ? negative : v));
  }
  for (std::size_t l = 0; l < n - j && l < simd::width; ++l)  // the tail: the element functor
    leaky_relu_forward_fn<T>{x, y, leak}(j + l);
}

/// dx[0..n) = dy where x > 0, leak * dy elsewhere; dx overlaps neither x nor dy.
template <element_type T>
PARTRAIN_TIERED_INLINE void leaky_relu_backward_span(const T* __restrict x, const T* __restrict dy,
                                                     T* __restrict dx, std::size_t n, T leak) {
  simd::vec<T> v, d, negative;
  std::size_t j = 0;
  for (; j + simd::width <= n; j += simd::width) {
    simd::load(v, x + j), simd::load(d, dy + j);
    negative = leak == T(0) ? simd::vec<T>{} : leak * d;
    simd::store(dx + j, simd::vec<T>(v <= T(0) ? negative : d));
  }
  for (std::size_t l = 0; l < n - j && l < simd::width; ++l)
    leaky_relu_backward_fn<T>{x, dy, dx, leak}(j + l);
}

namespace detail {
template <element_type T>
struct leaky_relu_kernel {
  PARTRAIN_TIERED_INLINE static void run(const T* x, T* y, std::size_t n, T leak) {
    leaky_relu_span(x, y, n, leak);
  }
};
template <element_type T>
struct leaky_relu_backward_kernel {
  PARTRAIN_TIERED_INLINE static void run(const T* x, const T* dy, T* dx, std::size_t n, T leak) {
    leaky_relu_backward_span(x, dy, dx, n, leak);
  }
};
}  // namespace detail

// The entry points: instantiated once for float and double in partrain::compiled
// (backend/cpu/instantiations.hpp).
inline namespace PARTRAIN_MODE_NAMESPACE {

template <element_type T>
void leaky_relu_forward(std::size_t n, const T* x, T* y, T leak) {
  run_tiered<detail::leaky_relu_kernel<T>>(x, y, n, leak);
}
template <element_type T>
void leaky_relu_backward(std::size_t n, const T* x, const T* dy, T* dx, T leak) {
  run_tiered<detail::leaky_relu_backward_kernel<T>>(x, dy, dx, n, leak);
}

}  // namespace PARTRAIN_MODE_NAMESPACE

}  // namespace partrain::backend::cpu
