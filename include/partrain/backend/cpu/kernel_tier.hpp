// Which instruction set the CPU kernels run: the tier is chosen once at run time from the CPU
// and PARTRAIN_CPU_KERNELS, so a header-only build without -march still runs AVX2 or AVX-512.
// Hand-written kernels (GEMM, im2col) test the tier themselves; loop kernels written once in
// plain C++ run through run_tiered, which compiles them once per tier (target attributes).
#pragma once

#include <cstdlib>
#include <string_view>

#include "partrain/core/error.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#define PARTRAIN_HAS_AVX2_KERNELS 1
#include <immintrin.h>
#else
#define PARTRAIN_HAS_AVX2_KERNELS 0
#endif

#if defined(__GNUC__)
// A loop kernel's body and every helper it calls: inlined into each tier's copy, so the
// compiler vectorizes them for that tier's instruction set.
#define PARTRAIN_TIERED_INLINE __attribute__((always_inline)) inline
// The same for a lambda inside a loop kernel (placed after its parameter list).
#define PARTRAIN_TIERED_LAMBDA __attribute__((always_inline))
#else
#define PARTRAIN_TIERED_INLINE inline
#define PARTRAIN_TIERED_LAMBDA
#endif

#if defined(__GNUC__) && !defined(__CUDACC__)
// Unrolls a register-tile loop completely at -O2 too (only -O3 does it unasked); without it
// the tile's accumulators live in memory and a GEMM runs at half speed.
#define PARTRAIN_UNROLL _Pragma("GCC unroll 16")
#else
#define PARTRAIN_UNROLL
#endif

namespace partrain::backend::cpu {

/// The highest kernel tier a value of PARTRAIN_CPU_KERNELS allows: "blas" 0 (OpenBLAS and
/// baseline x86-64 code only), "avx2" 1 (no AVX-512), "avx512" or empty 2 (all). A misspelt
/// value is a config_error: ignoring it would silently measure the wrong tier.
inline int kernel_tier_from(std::string_view value) {
  if (value == "blas") return 0;
  if (value == "avx2") return 1;
  if (value == "avx512" || value.empty()) return 2;
  fail<config_error>("[partrain::backend::cpu] PARTRAIN_CPU_KERNELS=", value,
                     ": expected avx512, avx2 or blas (or unset: the highest this CPU has)");
}

/// The highest kernel tier the environment allows (PARTRAIN_CPU_KERNELS, read once).
inline int allowed_kernel_tier() {
  static const int tier = [] {
    const char* v = std::getenv("PARTRAIN_CPU_KERNELS");
    return kernel_tier_from(v ? v : "");
  }();
  return tier;
}

/// Whether this CPU runs the AVX2+FMA kernels and the environment allows them (checked once).
inline bool has_avx2_fma() {
#if PARTRAIN_HAS_AVX2_KERNELS
  static const bool yes =
      allowed_kernel_tier() >= 1 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
#else
  return false;
#endif
}

/// Whether this CPU runs the AVX-512F kernels and the environment allows them (checked once).
inline bool has_avx512() {
#if PARTRAIN_HAS_AVX2_KERNELS
  static const bool yes =
      allowed_kernel_tier() >= 2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
  return yes;
#else
  return false;
#endif
}

/// "avx512", "avx2" or "baseline": the tier the kernels of this process run.
inline const char* kernel_tier_name() {
  return has_avx512() ? "avx512" : has_avx2_fma() ? "avx2" : "baseline";
}

namespace detail {
#if PARTRAIN_HAS_AVX2_KERNELS
template <class Kernel, class... Args>
__attribute__((target("avx512f,fma"))) void run_avx512(Args... args) {
  Kernel::run(args...);
}
template <class Kernel, class... Args>
__attribute__((target("avx2,fma"))) void run_avx2(Args... args) {
  Kernel::run(args...);
}
#endif
}  // namespace detail

/// Kernel::run(args...) compiled for the highest tier this CPU and the environment allow.
/// Kernel::run and its helpers are PARTRAIN_TIERED_INLINE; on one tier the results are the
/// same bit for bit from run to run, across tiers they differ in rounding (FMA contraction).
/// PARTRAIN_LOOP_KERNELS_BASELINE_ONLY (the sanitizer builds define it) compiles the
/// baseline copy only: the same source, a quarter less compile time under instrumentation.
template <class Kernel, class... Args>
void run_tiered(Args... args) {
#if PARTRAIN_HAS_AVX2_KERNELS && !defined(PARTRAIN_LOOP_KERNELS_BASELINE_ONLY)
  if (has_avx512()) return detail::run_avx512<Kernel>(args...);
  if (has_avx2_fma()) return detail::run_avx2<Kernel>(args...);
#endif
  Kernel::run(args...);
}

}  // namespace partrain::backend::cpu
