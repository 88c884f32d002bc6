// The residual blocks' additions on the CPU, alone or with the block's leaky_relu, in vectors
// of 16 (simd.hpp) on every tier.
#pragma once

#include <cstddef>

#include "partrain/backend/cpu/kernel_tier.hpp"
#include "partrain/backend/cpu/simd.hpp"
#include "partrain/backend/functors.hpp"
#include "partrain/config.hpp"
#include "partrain/core/tensor.hpp"

namespace partrain::backend::cpu {

namespace detail {
/// y[0..n) = a + b; y may be a or b (each vector is loaded before it is stored).
template <element_type T>
struct add_kernel {
  PARTRAIN_TIERED_INLINE static void run(std::size_t n, const T* a, const T* b, T* y) {
    simd::vec<T> u, v;
    std::size_t j = 0;
    for (; j + simd::width <= n; j += simd::width)
      simd::load(u, a + j), simd::load(v, b + j), simd::store(y + j, simd::vec<T>(u + v));
    for (; j < n; ++j) y[j] = a[j] + b[j];
  }
};

/// y[0..n) = leaky_relu(a + b), as leaky_relu_span computes it from the sum.
template <element_type T>
struct add_leaky_relu_kernel {
  PARTRAIN_TIERED_INLINE static void run(std::size_t n, const T* a, const T* b, T* y, T leak) {
    simd::vec<T> u, v, negative;
    std::size_t j = 0;
    for (; j + simd::width <= n; j += simd::width) {
      simd::load(u, a + j), simd::load(v, b + j);
      v = u + v;
      negative = leak == T(0) ? simd::vec<T>{} : leak * v;
      simd::store(y + j, simd::vec<T>(v <= T(0) ? negative : v));
    }
    for (; j < n; ++j) add_leaky_relu_fn<T>{a, b, y, leak}(j);
  }
};
}  // namespace detail

// The entry points: instantiated once for float and double in partrain::compiled
// (backend/cpu/instantiations.hpp).
inline namespace PARTRAIN_MODE_NAMESPACE {

/// y = a + b over n elements.
template <element_type T>
void add(std::size_t n, const T* a, const T* b, T* y) {
  run_tiered<detail::add_kernel<T>>(n, a, b, y);
}

/// y = leaky_relu(a + b) over n elements (slope `leak` below zero).
template <element_type T>
void add_leaky_relu(std::size_t n, const T* a, const T* b, T* y, T leak) {
  run_tiered<detail::add_leaky_relu_kernel<T>>(n, a, b, y, leak);
}

}  // namespace PARTRAIN_MODE_NAMESPACE

}  // namespace partrain::backend::cpu
