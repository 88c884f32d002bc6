// Single-core FP32 FMA peak: independent fused multiply-add chains, as many in flight as the
// core can retire. Prints one JSON line; the figure bounds what any one-thread trainer can reach.
//
// usage: fma_peak [--seconds S] [--trials T]     (S: CPU seconds per trial; best trial wins)
//   fma_peak_gflops         AVX2 (8-wide) FMA peak, the bound for code built with -mavx2 -mfma
//   fma_peak_gflops_avx512  16-wide FMA peak where the CPU has AVX-512F (null otherwise)
#include <partrain/core/error.hpp>

#include <immintrin.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

namespace {

// 12 chains: FMA latency 4 cycles x 2 ports = 8 needed; 12 leaves slack on any x86-64 core.
constexpr int chains = 12;
constexpr long inner = 1L << 20; // iterations per timed call, ~10 ms at peak

// Runs `inner` iterations of 12 independent 8-wide FMAs; returns a sum so nothing is elided.
__attribute__((target("avx2,fma"), noinline)) float run_avx2(float seed) {
  __m256 acc[chains];
  for (int i = 0; i < chains; ++i)
    acc[i] = _mm256_set1_ps(seed + 0.01f * float(i));
  const __m256 a =
      _mm256_set1_ps(0.999999f); // x <- a*x + b stays bounded: no overflow, no denormals
  const __m256 b = _mm256_set1_ps(1e-6f);
  for (long n = 0; n < inner; ++n) {
#pragma GCC unroll 12
    for (int i = 0; i < chains; ++i)
      acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  __m256 s = acc[0];
  for (int i = 1; i < chains; ++i)
    s = _mm256_add_ps(s, acc[i]);
  alignas(32) float out[8];
  _mm256_store_ps(out, s);
  float total = 0;
  for (float v : out)
    total += v;
  return total;
}

// Same kernel with 16-wide registers.
__attribute__((target("avx512f"), noinline)) float run_avx512(float seed) {
  __m512 acc[chains];
  for (int i = 0; i < chains; ++i)
    acc[i] = _mm512_set1_ps(seed + 0.01f * float(i));
  const __m512 a = _mm512_set1_ps(0.999999f);
  const __m512 b = _mm512_set1_ps(1e-6f);
  for (long n = 0; n < inner; ++n) {
#pragma GCC unroll 12
    for (int i = 0; i < chains; ++i)
      acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  __m512 s = acc[0];
  for (int i = 1; i < chains; ++i)
    s = _mm512_add_ps(s, acc[i]);
  return _mm512_reduce_add_ps(s);
}

// CPU time of this thread: time slices given to other processes on a shared machine do not
// count, so the figure is the core's rate while it runs this thread.
double thread_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

// Best GFLOP/s over `trials` trials of about `seconds` CPU seconds each.
template <class Kernel>
double measure(Kernel kernel, int lanes, double seconds, int trials, float& sink) {
  const double flops_per_call = double(inner) * chains * lanes * 2.0;
  sink += kernel(1.0f); // warm-up: wakes the vector unit to full frequency
  double best = 0;
  for (int t = 0; t < trials; ++t) {
    long calls = 0;
    const double start = thread_seconds();
    double elapsed = 0;
    do {
      sink += kernel(1.0f + float(calls % 7));
      ++calls;
      elapsed = thread_seconds() - start;
    } while (elapsed < seconds);
    best = std::max(best, flops_per_call * double(calls) / elapsed / 1e9);
  }
  return best;
}

double parse_positive(const char* option, const char* text) {
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  PARTRAIN_CHECK(end != text && *end == '\0' && v > 0, partrain::config_error,
                 "[partrain::bench::fma_peak] option ", option, " '", text,
                 "': expected a positive number");
  return v;
}

} // namespace

int main(int argc, char** argv) try {
  double seconds = 0.5;
  int trials = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    PARTRAIN_CHECK(arg == "--seconds" || arg == "--trials", partrain::config_error,
                   "[partrain::bench::fma_peak] unknown option '", arg,
                   "': expected --seconds S or --trials T");
    PARTRAIN_CHECK(i + 1 < argc, partrain::config_error, "[partrain::bench::fma_peak] option ", arg,
                   " needs a value");
    const double v = parse_positive(arg.c_str(), argv[++i]);
    if (arg == "--seconds")
      seconds = v;
    else
      trials = std::max(1, int(v));
  }
  __builtin_cpu_init();
  PARTRAIN_CHECK(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"),
                 partrain::config_error,
                 "[partrain::bench::fma_peak] this CPU lacks AVX2/FMA: expected an x86-64-v3 core");
  float sink = 0;
  const double avx2 = measure(run_avx2, 8, seconds, trials, sink);
  std::string avx512 = "null";
  if (__builtin_cpu_supports("avx512f")) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", measure(run_avx512, 16, seconds, trials, sink));
    avx512 = buf;
  }
  std::printf("{\"fma_peak_gflops\":%.2f,\"fma_peak_gflops_avx512\":%s,\"chains\":%d,\"trials\":%d,"
              "\"seconds_per_trial\":%.3f,\"checksum\":%.3g}\n",
              avx2, avx512.c_str(), chains, trials, seconds, double(sink));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "%s\n", e.what());
  return 1;
}
