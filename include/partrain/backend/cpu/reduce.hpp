// Sums over contiguous runs on the CPU, in a fixed order of 8 interleaved partial sums, so
// the result is bit-reproducible without -ffast-math; tiers differ only where FMA contracts
// a product into a sum. The 8 lanes are kept as 16-byte vectors, registers on every tier
// (a 32-byte vector on baseline x86-64 would live in memory, one store per element).
#pragma once

#include <cstddef>

#include "partrain/backend/cpu/kernel_tier.hpp"
#include "partrain/backend/cpu/simd.hpp"
#include "partrain/core/tensor.hpp"

namespace partrain::backend::cpu {

namespace detail {
inline constexpr std::size_t lanes = 8;

/// The 8 partial sums: element j of a run goes to lane j % 8.
template <element_type T>
struct partial_sums {
  static constexpr std::size_t per = 16 / sizeof(T), parts = lanes / per;
  using part = typename simd::vector_of<T, per>::type;
  part acc[parts] = {};

  // Adds f(v, k) for the 8 elements at p, loaded as `parts` vectors (k: which part).
  template <class F>
  PARTRAIN_TIERED_INLINE void add_block(F&& f) {
    PARTRAIN_UNROLL
    for (std::size_t k = 0; k < parts; ++k) acc[k] += f(k * per);
  }
  /// Lane values, to add the tail to one by one; then sum() combines them in a fixed tree.
  PARTRAIN_TIERED_INLINE void spill(T (&a)[lanes]) const { simd::store(a, acc); }
  static PARTRAIN_TIERED_INLINE T sum(const T (&a)[lanes]) {
    return ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
  }
};
}  // namespace detail

/// sum of p[0..n).
template <element_type T>
PARTRAIN_TIERED_INLINE T sum_of(const T* __restrict p, std::size_t n) {
  using sums = detail::partial_sums<T>;
  sums s;
  std::size_t j = 0;
  for (; j + detail::lanes <= n; j += detail::lanes)
    s.add_block([&](std::size_t at) {
      typename sums::part v;
      simd::load(v, p + j + at);
      return v;
    });
  T a[detail::lanes];
  s.spill(a);
  for (std::size_t l = 0; j < n && l < detail::lanes; ++j, ++l) a[l] += p[j];
  return sums::sum(a);
}

/// sum of (p[j] - shift)^2 over [0, n): the centred second moment, one pass.
template <element_type T>
PARTRAIN_TIERED_INLINE T sum_of_squares(const T* __restrict p, std::size_t n, T shift) {
  using sums = detail::partial_sums<T>;
  sums s;
  std::size_t j = 0;
  for (; j + detail::lanes <= n; j += detail::lanes)
    s.add_block([&](std::size_t at) {
      typename sums::part v;
      simd::load(v, p + j + at);
      v -= shift;
      return v * v;
    });
  T a[detail::lanes];
  s.spill(a);
  for (std::size_t l = 0; j < n && l < detail::lanes; ++j, ++l) a[l] += (p[j] - shift) * (p[j] - shift);
  return sums::sum(a);
}

/// sum of a[j] * (b[j] - shift) over [0, n).
template <element_type T>
PARTRAIN_TIERED_INLINE T dot_centred(const T* __restrict a, const T* __restrict b, std::size_t n, T shift) {
  using sums = detail::partial_sums<T>;
  sums s;
  std::size_t j = 0;
  for (; j + detail::lanes <= n; j += detail::lanes)
    s.add_block([&](std::size_t at) {
      typename sums::part va, vb;
      simd::load(va, a + j + at), simd::load(vb, b + j + at);
      return va * (vb - shift);
    });
  T lane[detail::lanes];
  s.spill(lane);
  for (std::size_t l = 0; j < n && l < detail::lanes; ++j, ++l) lane[l] += a[j] * (b[j] - shift);
  return sums::sum(lane);
}

}  // namespace partrain::backend::cpu
