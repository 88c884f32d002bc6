// Sums over contiguous runs on the CPU, in a fixed order of 8 interleaved partial sums so
// the compiler vectorizes them without -ffast-math and the result is bit-reproducible.
#pragma once

#include <cstddef>

#include "partrain/core/tensor.hpp"

namespace partrain::backend::cpu {

namespace detail {
inline constexpr std::size_t lanes = 8;

template <element_type T>
T combine(const T (&acc)[lanes]) {
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}
}  // namespace detail

/// sum of p[0..n).
template <element_type T>
T sum_of(const T* __restrict p, std::size_t n) {
  T acc[detail::lanes] = {};
  std::size_t j = 0;
  for (; j + detail::lanes <= n; j += detail::lanes)
    for (std::size_t l = 0; l < detail::lanes; ++l) acc[l] += p[j + l];
  for (std::size_t l = 0; j < n; ++j, ++l) acc[l] += p[j];
  return detail::combine(acc);
}

/// sum of (p[j] - shift)^2 over [0, n): the centred second moment, one pass.
template <element_type T>
T sum_of_squares(const T* __restrict p, std::size_t n, T shift) {
  T acc[detail::lanes] = {};
  std::size_t j = 0;
  for (; j + detail::lanes <= n; j += detail::lanes)
    for (std::size_t l = 0; l < detail::lanes; ++l) {
      const T d = p[j + l] - shift;
      acc[l] += d * d;
    }
  for (std::size_t l = 0; j < n; ++j, ++l) acc[l] += (p[j] - shift) * (p[j] - shift);
  return detail::combine(acc);
}

/// sum of a[j] * (b[j] - shift) over [0, n).
template <element_type T>
T dot_centred(const T* __restrict a, const T* __restrict b, std::size_t n, T shift) {
  T acc[detail::lanes] = {};
  std::size_t j = 0;
  for (; j + detail::lanes <= n; j += detail::lanes)
    for (std::size_t l = 0; l < detail::lanes; ++l) acc[l] += a[j + l] * (b[j + l] - shift);
  for (std::size_t l = 0; j < n; ++j, ++l) acc[l] += a[j] * (b[j] - shift);
  return detail::combine(acc);
}

}  // namespace partrain::backend::cpu
