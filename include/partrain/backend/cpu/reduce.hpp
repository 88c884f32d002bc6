// Sums over contiguous runs on the CPU, in a fixed order of 32 partial sums, so the result
// is bit-reproducible without -ffast-math; tiers differ only where FMA contracts a product
// into a sum. The 32 lanes are two vectors of 16: independent add chains (2 on AVX-512, 4 on
// AVX2), so a plane in cache is summed at load speed, not at one add's latency per few
// elements. Element j goes to lane j % 32, except for a ragged end: the last 32 elements are
// loaded again and the lanes already counted are set to 0. The lanes are then added in a
// fixed tree, in registers (also for runs shorter than 32: a tree, not a chain, so double
// sums keep the accuracy the gradient checks rely on).
#pragma once

#include <cstddef>
#include <cstdint>

#include "partrain/backend/cpu/kernel_tier.hpp"
#include "partrain/backend/cpu/simd.hpp"
#include "partrain/core/tensor.hpp"

namespace partrain::backend::cpu {

namespace detail {
inline constexpr std::size_t lanes = 2 * simd::width;

/// v with the lanes outside [lo, hi) set to 0.
template <element_type T>
PARTRAIN_TIERED_INLINE void keep_lanes(simd::vec<T>& v, std::size_t lo, std::size_t hi) {
  using index = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
  using indices = typename simd::vector_of<index, simd::width>::type;
  const indices lane{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  v = lane >= index(lo) && lane < index(hi) ? v : simd::vec<T>{};
}

/// The sum of a vector's 16 lanes, in a fixed tree (halves added, then their halves...).
template <element_type T>
PARTRAIN_TIERED_INLINE T sum_lanes(const simd::vec<T>& v) {
  using v8 = typename simd::vector_of<T, 8>::type;
  using v4 = typename simd::vector_of<T, 4>::type;
  const v8 a = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
               __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
  const v4 b = __builtin_shufflevector(a, a, 0, 1, 2, 3) + __builtin_shufflevector(a, a, 4, 5, 6, 7);
  return (b[0] + b[2]) + (b[1] + b[3]);
}

/// A run of n < 32 values copied into 32 (the rest 0), so it is read as one block. Filled
/// only by from(): a long run never touches it.
template <element_type T>
struct short_run {
  T values[lanes];
  PARTRAIN_TIERED_INLINE const T* from(const T* p, std::size_t n) {
    for (std::size_t j = 0; j < lanes; ++j) values[j] = j < n ? p[j] : T(0);
    return values;
  }
};

/// Runs step(j, h, lo, hi) over the 32-element blocks of [0, n): j is the block's start, h
/// its half (elements j + 16 h on), and only lanes [lo, hi) of that half count: all 16,
/// except at a ragged end (the last 32 elements again, less those counted before) and in a
/// run shorter than 32 (read from a short_run copy, lanes past n off).
template <class Step>
PARTRAIN_TIERED_INLINE void for_each_block(std::size_t n, Step&& step) {
  constexpr std::size_t w = simd::width;
  if (n < lanes) {
    step(0, 0, 0, n < w ? n : w), step(0, 1, 0, n > w ? n - w : 0);
    return;
  }
  std::size_t j = 0;
  for (; j + lanes <= n; j += lanes) step(j, 0, 0, w), step(j, 1, 0, w);
  if (j == n) return;
  const std::size_t counted = lanes - (n - j);  // of the last 32, counted by the blocks before
  step(n - lanes, 0, counted < w ? counted : w, w), step(n - lanes, 1, counted > w ? counted - w : 0, w);
}
}  // namespace detail

/// sum of p[0..n).
template <element_type T>
PARTRAIN_TIERED_INLINE T sum_of(const T* __restrict p, std::size_t n) {
  detail::short_run<T> copy;
  if (n < detail::lanes) p = copy.from(p, n);
  simd::vec<T> acc[2] = {}, v;
  detail::for_each_block(n, [&](std::size_t j, std::size_t h, std::size_t lo, std::size_t hi) PARTRAIN_TIERED_LAMBDA {
    simd::load(v, p + j + h * simd::width);
    if (lo != 0 || hi != simd::width) detail::keep_lanes<T>(v, lo, hi);
    acc[h] += v;
  });
  return detail::sum_lanes<T>(simd::vec<T>(acc[0] + acc[1]));
}

/// sum of (p[j] - shift)^2 over [0, n): the centred second moment, one pass.
template <element_type T>
PARTRAIN_TIERED_INLINE T sum_of_squares(const T* __restrict p, std::size_t n, T shift) {
  detail::short_run<T> copy;
  if (n < detail::lanes) p = copy.from(p, n);
  simd::vec<T> acc[2] = {}, v;
  detail::for_each_block(n, [&](std::size_t j, std::size_t h, std::size_t lo, std::size_t hi) PARTRAIN_TIERED_LAMBDA {
    simd::load(v, p + j + h * simd::width);
    v -= shift;
    if (lo != 0 || hi != simd::width) detail::keep_lanes<T>(v, lo, hi);
    acc[h] += v * v;
  });
  return detail::sum_lanes<T>(simd::vec<T>(acc[0] + acc[1]));
}

/// The sum of a[j] and the sum of a[j] * (b[j] - shift) over [0, n).
template <element_type T>
struct sum_and_dot {
  T sum, dot;
};

/// Both sums of sum_and_dot in one pass over a and b.
template <element_type T>
PARTRAIN_TIERED_INLINE sum_and_dot<T> sum_and_dot_centred(const T* __restrict a, const T* __restrict b,
                                                          std::size_t n, T shift) {
  detail::short_run<T> copy_a, copy_b;
  if (n < detail::lanes) a = copy_a.from(a, n), b = copy_b.from(b, n);
  simd::vec<T> sums[2] = {}, dots[2] = {}, va, vb;
  detail::for_each_block(n, [&](std::size_t j, std::size_t h, std::size_t lo, std::size_t hi) PARTRAIN_TIERED_LAMBDA {
    simd::load(va, a + j + h * simd::width), simd::load(vb, b + j + h * simd::width);
    if (lo != 0 || hi != simd::width) detail::keep_lanes<T>(va, lo, hi);
    sums[h] += va;
    dots[h] += va * (vb - shift);
  });
  return {detail::sum_lanes<T>(simd::vec<T>(sums[0] + sums[1])),
          detail::sum_lanes<T>(simd::vec<T>(dots[0] + dots[1]))};
}

}  // namespace partrain::backend::cpu
