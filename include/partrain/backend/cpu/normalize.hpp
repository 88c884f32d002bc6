// The input layer's normalization on the CPU: y = (x - shift) * scale / divisor image by
// image, in vectors, with no index arithmetic per element. The same operations in the same
// order as normalize_fn, the element functor the GPU runs, so both give the same values.
#pragma once

#include <cstddef>

#include "partrain/backend/cpu/kernel_tier.hpp"
#include "partrain/backend/cpu/simd.hpp"
#include "partrain/backend/functors.hpp"
#include "partrain/config.hpp"
#include "partrain/core/tensor.hpp"

namespace partrain::backend::cpu {

namespace detail {
template <element_type T>
struct normalize_kernel {
  PARTRAIN_TIERED_INLINE static void run(std::size_t n, normalize_fn<T> f) {
    T s0 = f.shift0, k = f.scale0;
    if (f.range) {  // as normalize_fn works them out per element
      const T lo = f.range[0], hi = f.range[1];
      s0 = f.range_shift ? (f.symmetric ? (lo + hi) / 2 : lo) : T(0);
      k = (f.symmetric ? T(2) : T(1)) / (hi - lo);
    }
    const std::size_t image = f.image_size, w = simd::width;
    simd::vec<T> v, s = s0 + simd::vec<T>{}, d;
    for (std::size_t i0 = 0; i0 < n; i0 += image) {
      const T* x = f.x + i0;
      T* y = f.y + i0;
      std::size_t j = 0;
      for (; j + w <= image; j += w) {
        simd::load(v, x + j);
        if (f.shift) simd::load(s, f.shift + j);
        v = (v - s) * k;
        if (f.divisor) simd::load(d, f.divisor + j), v /= d;  // no divisor: / 1, exact
        simd::store(y + j, v);
      }
      // The tail, under one vector: bounded by w as well, or GCC 12 reasons about 2^62
      // iterations and warns (-Waggressive-loop-optimizations) where image is a constant.
      for (std::size_t l = 0; l < image - j && l < w; ++l) {
        const T t = (x[j + l] - (f.shift ? f.shift[j + l] : s0)) * k;
        y[j + l] = f.divisor ? t / f.divisor[j + l] : t;
      }
    }
  }
};

template <element_type T>
struct first_non_finite_kernel {
  PARTRAIN_TIERED_INLINE static void run(const T* x, std::size_t n, std::size_t* at) {
    using mask = decltype(simd::vec<T>{} == simd::vec<T>{});
    simd::vec<T> v;
    std::size_t j = 0;
    for (; j + simd::width <= n; j += simd::width) {  // x * 0 is 0 for finite x, NaN otherwise
      simd::load(v, x + j);
      const mask finite = v * T(0) == T(0);
      bool all = true;
      for (std::size_t l = 0; l < simd::width; ++l) all &= finite[l] != 0;
      if (!all) break;
    }
    for (; j < n && x[j] * T(0) == T(0); ++j) {}
    *at = j;
  }
};
}  // namespace detail

// The entry points: instantiated once for float and double in partrain::compiled
// (backend/cpu/instantiations.hpp).
inline namespace PARTRAIN_MODE_NAMESPACE {

/// The index of x's first NaN or infinity in [0, n), or n when every value is finite.
template <element_type T>
std::size_t first_non_finite(const T* x, std::size_t n) {
  std::size_t at = n;
  run_tiered<detail::first_non_finite_kernel<T>>(x, n, &at);
  return at;
}

/// normalize_fn f for the n elements of f.x (whole images of f.image_size).
template <element_type T>
void normalize(std::size_t n, const normalize_fn<T>& f) {
  run_tiered<detail::normalize_kernel<T>>(n, f);
}

}  // namespace PARTRAIN_MODE_NAMESPACE

}  // namespace partrain::backend::cpu
