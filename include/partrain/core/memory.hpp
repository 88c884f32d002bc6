// Where an array's elements live: host memory, or (in nvcc builds) a CUDA device's memory.
// Arrays hold a pointer to a memory_space, so host and nvcc translation units share one
// class layout and the CPU-only build needs no CUDA.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>

namespace partrain {

/// How to allocate (zeroed), free and copy in one memory space.
struct memory_space {
  const char* name;
  bool host;  ///< the CPU can read and write the elements
  void* (*allocate)(std::size_t bytes);
  void (*release)(void* p) noexcept;
  /// Copies between this space and host memory (or itself). A device space's copy first
  /// waits for the device, so it sees every queued write; it is for setup, not for steps.
  void (*copy)(void* dst, const void* src, std::size_t bytes);
};

namespace detail {
inline void* host_allocate(std::size_t bytes) {
  const std::size_t rounded = (bytes + 63) / 64 * 64;  // 64-byte aligned rows for SIMD kernels
  void* p = std::aligned_alloc(64, rounded);
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, rounded);
  return p;
}
inline void host_release(void* p) noexcept { std::free(p); }
inline void host_copy(void* dst, const void* src, std::size_t bytes) { std::memcpy(dst, src, bytes); }
}  // namespace detail

inline constexpr memory_space host_memory{"host", true, &detail::host_allocate, &detail::host_release,
                                          &detail::host_copy};

/// Copies bytes between any two spaces (the device side's copy does the work).
inline void copy_between(const memory_space& to, void* dst, const memory_space& from, const void* src,
                         std::size_t bytes) {
  if (bytes == 0) return;
  (to.host ? from : to).copy(dst, src, bytes);
}

}  // namespace partrain
