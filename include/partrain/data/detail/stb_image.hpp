// stb_image (decoding) and stb_image_write (PNG encoding), compiled into every translation
// unit that includes this header with internal linkage, so header-only use never clashes.
// Only data/impl/*.ipp include it: once in partrain::compiled, or in each header-only TU.
#pragma once
#pragma GCC system_header

// Why static and not Debian's libstb.so: partrain stays header-only (no extra link line),
// the fuzzers instrument the decoder code itself, and the formats are limited to the ones
// an image datastore reads, which keeps the decoder attack surface small.
#ifndef PARTRAIN_STB_IMAGE_INCLUDED
#define PARTRAIN_STB_IMAGE_INCLUDED
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_ONLY_PNM
#define STBI_ONLY_TGA
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#define STBI_MAX_DIMENSIONS (1 << 16)
// stb 2.27 lets a tiny PNG inflate into gigabytes (found by tests/fuzz): cap every decoder
// allocation above what the largest accepted image needs (2^26 pixels x 4 channels x 16 bit).
// Allocations are zeroed, grown ones too: whatever a malformed file leaves undefined reads as
// 0, never as a previous image's bytes (stb reads its Huffman and quantization tables
// uninitialised for files that never define them, and some corrupt PNGs read past what
// inflate wrote into a grown buffer: the fuzzer's coverage changed from run to run). Each thread tracks its live decoder allocations, so a decode
// abandoned by an exception (see stb_assert_failure) frees them instead of leaking.
#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <unordered_map>
namespace partrain::data::detail {
inline constexpr std::size_t stb_allocation_limit = std::size_t(640) << 20;
/// This thread's live decoder allocations and their sizes.
inline std::unordered_map<void*, std::size_t>& stb_live_allocations() {
  thread_local std::unordered_map<void*, std::size_t> live;
  return live;
}
inline void* stb_malloc(std::size_t n) {
  void* p = n > stb_allocation_limit ? nullptr : std::calloc(1, n == 0 ? 1 : n);
  if (p) stb_live_allocations()[p] = n;
  return p;
}
/// A zeroed block of n bytes holding old's bytes: what realloc would give, with the grown
/// tail zeroed too (realloc leaves it undefined).
inline void* stb_realloc(void* old, std::size_t n) {
  if (!old) return stb_malloc(n);
  auto& live = stb_live_allocations();
  const auto it = live.find(old);
  if (n > stb_allocation_limit || it == live.end()) return nullptr;
  void* p = std::calloc(1, n == 0 ? 1 : n);
  if (!p) return nullptr;
  std::memcpy(p, old, std::min(n, it->second));
  std::free(old);
  live.erase(it);
  live[p] = n;
  return p;
}
inline void stb_free(void* p) {
  stb_live_allocations().erase(p);
  std::free(p);
}
/// Frees every decoder allocation of this thread still live: after an abandoned decode.
inline void stb_free_abandoned() {
  for (const auto& [p, size] : stb_live_allocations()) std::free(p);
  stb_live_allocations().clear();
}

// stb's internal consistency asserts fire on some malformed JPEGs (found by tests/fuzz); turn
// them into an exception that decode_image reports with the file name, instead of abort()
// (Debug) or decoding on with a broken invariant (NDEBUG).
struct stb_assert_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
[[noreturn]] inline void stb_assert_failed(const char* what) { throw stb_assert_failure(what); }
}  // namespace partrain::data::detail
#define STBI_MALLOC(n) ::partrain::data::detail::stb_malloc(n)
#define STBI_REALLOC(p, n) ::partrain::data::detail::stb_realloc(p, n)
#define STBI_FREE(p) ::partrain::data::detail::stb_free(p)
#define STBI_ASSERT(x) ((x) ? (void)0 : ::partrain::data::detail::stb_assert_failed(#x))
#include <stb_image.h>

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb_image_write.h>
#endif
