// Fixed-width vectors of the element type (GCC and Clang vector extensions) for the loop
// kernels: the compiler emits vector instructions for them at any optimization level
// (-O2 does not vectorize a plain loop that needs a scalar tail) and on every tier
// (SSE2, AVX2, AVX-512 through run_tiered). Vectors stay local: passed by reference, never
// by value, so no function's ABI depends on the instruction set.
#pragma once

#include <cstddef>

#include "partrain/backend/cpu/kernel_tier.hpp"

namespace partrain::backend::cpu::simd {

template <class T, std::size_t N>
struct vector_of {
  typedef T type __attribute__((vector_size(N * sizeof(T))));
};

/// Elements per step of the elementwise kernels.
inline constexpr std::size_t width = 16;
template <class T>
using vec = typename vector_of<T, width>::type;
/// Half a vector: the 8 outputs per step of 2x2 max pooling.
template <class T>
using lanes8 = typename vector_of<T, 8>::type;

template <class V, class T>
PARTRAIN_TIERED_INLINE void load(V& v, const T* p) {
  __builtin_memcpy(&v, p, sizeof v);
}
template <class V, class T>
PARTRAIN_TIERED_INLINE void store(T* p, const V& v) {
  __builtin_memcpy(p, &v, sizeof v);
}

/// Asks for the cache lines of [p, p + count) to be loaded: the next plane of a channel,
/// which starts a channel's worth of planes further on, on a page the hardware's stream
/// prefetcher has not seen.
template <class T>
PARTRAIN_TIERED_INLINE void prefetch(const T* p, std::size_t count) {
  const char* bytes = reinterpret_cast<const char*>(p);
  for (std::size_t at = 0; at < count * sizeof(T); at += 64) __builtin_prefetch(bytes + at);
}

}  // namespace partrain::backend::cpu::simd
