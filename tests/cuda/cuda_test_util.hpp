// Helpers of the CPU≡CUDA tests: random host data, device copies, and a tolerance check that
// prints the worst element.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "partrain/backend/ops.hpp"
#include "partrain/core/random.hpp"

namespace partrain::testing {

template <class T>
std::vector<T> random_values(std::size_t n, std::uint64_t seed, double lo = -1, double hi = 1) {
  random_engine rng(seed);
  std::vector<T> v(n);
  for (auto& x : v) x = T(rng.uniform(lo, hi));
  return v;
}

/// A device copy of a host vector (or `count` uninitialised values), on the context's stream.
template <class T>
struct on_device {
  backend::cuda::device_buffer<T> buffer;
  context* ctx;
  on_device(context& c, const std::vector<T>& host) : buffer(host.size(), c.cuda().stream()), ctx(&c) {
    backend::cuda::upload(c.cuda().stream(), host.data(), host.size(), buffer.data());
  }
  on_device(context& c, std::size_t count) : buffer(count, c.cuda().stream()), ctx(&c) {
    PARTRAIN_CUDA_CHECK(cudaMemsetAsync(buffer.data(), 0xFF, count * sizeof(T), c.cuda().stream()));  // NaN
  }
  T* get() { return buffer.data(); }
  std::vector<T> host() const {
    std::vector<T> out(buffer.size());
    backend::cuda::download(ctx->cuda().stream(), buffer.data(), out.size(), out.data());
    return out;
  }
};

/// max |cpu - gpu| <= tolerance * max(1, max |cpu|); documents the worst element on failure.
template <class T>
void check_close(const std::vector<T>& cpu, const std::vector<T>& gpu, double tolerance, const char* what) {
  INFO(what);
  REQUIRE(cpu.size() == gpu.size());
  double worst = 0, scale = 1;
  std::size_t at = 0;
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    scale = std::max(scale, std::abs(double(cpu[i])));
    const double d = std::abs(double(cpu[i]) - double(gpu[i]));
    if (!(d <= worst)) worst = d, at = i;  // NaN counts as worst
  }
  INFO("worst element " << at << ": cpu " << double(cpu[at]) << ", cuda " << double(gpu[at]));
  CHECK(worst <= tolerance * scale);
}

/// Float tolerance for sums of up to a few thousand products (documented in the report).
inline constexpr double float_tolerance = 2e-5;
inline constexpr double double_tolerance = 1e-12;

}  // namespace partrain::testing
