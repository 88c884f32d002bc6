// The CPU's vector loop kernels against plain loops on every length around the vector
// widths (16 lanes, 32-lane blocks): the partial sums of batch norm and bias gradients
// against long double, and the input layer's normalization and finite-value scan against
// the element functor the GPU runs, bit for bit. Run on each tier (ctest forces avx2 and
// blas too).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "partrain/backend/ops.hpp"
#include "partrain/core/random.hpp"

using namespace partrain;

namespace {
template <class T>
std::vector<T> random_run(std::size_t n, std::uint64_t seed, double lo = -1, double hi = 1) {
  random_engine rng(seed);
  std::vector<T> v(n);
  for (auto& x : v) x = T(rng.uniform(lo, hi));
  return v;
}

// Runs a tiered-inline function through run_tiered, as the kernels call it.
template <class T>
struct sums_kernel {
  PARTRAIN_TIERED_INLINE static void run(const T* a, const T* b, std::size_t n, T shift, T* out) {
    out[0] = backend::cpu::sum_of(a, n);
    out[1] = backend::cpu::sum_of_squares(a, n, shift);
    const auto s = backend::cpu::sum_and_dot_centred(a, b, n, shift);
    out[2] = s.sum, out[3] = s.dot;
  }
};
}  // namespace

TEST_CASE_TEMPLATE("partial sums equal long double sums on every length and alignment", T, float, double) {
  const double tol = std::is_same_v<T, float> ? 2e-6 : 1e-14;
  for (std::size_t n = 0; n <= 131; ++n)
    for (std::size_t offset : {0, 1, 5}) {  // runs that start mid-vector
      CAPTURE(n); CAPTURE(offset);
      // Values near 100 with a shift near their mean: the centred sums cancel if done wrong.
      const auto a = random_run<T>(n + offset, n + 7, 99, 101), b = random_run<T>(n + offset, n + 8, 99, 101);
      const T shift = T(100.25);
      long double ref[4] = {}, scale[4] = {};
      for (std::size_t j = offset; j < n + offset; ++j) {
        const long double x = a[j], d = (long double)(x) - shift, e = (long double)(b[j]) - shift;
        ref[0] += x, ref[1] += d * d, ref[2] += x, ref[3] += x * e;
        scale[0] += std::abs(x), scale[1] += d * d, scale[2] += std::abs(x), scale[3] += std::abs(x * e);
      }
      T out[4] = {9, 9, 9, 9};
      backend::cpu::run_tiered<sums_kernel<T>>(a.data() + offset, b.data() + offset, n, shift, out);
      for (int k = 0; k < 4; ++k) {
        CAPTURE(k);
        CHECK(std::abs(out[k] - ref[k]) <= tol * (scale[k] + 1e-30L));
      }
      // Each element is counted once: a run of ones sums to its length exactly.
      const std::vector<T> ones(n, T(1));
      T count[4];
      backend::cpu::run_tiered<sums_kernel<T>>(ones.data(), ones.data(), n, T(0), count);
      CHECK(count[0] == T(n));
      CHECK(count[1] == T(n));
      CHECK(count[3] == T(n));
    }
}

TEST_CASE_TEMPLATE("the input normalization equals its element functor bit for bit", T, float, double) {
  context ctx;
  for (std::size_t image : {1, 15, 16, 17, 31, 33, 784}) {
    const std::size_t n = 3 * image;
    const auto x = random_run<T>(n, image, 0, 255), shift = random_run<T>(image, image + 1, 0, 255);
    const auto divisor = random_run<T>(image, image + 2, 0.5, 40);
    const T range[2] = {T(3), T(250)};
    for (int variant = 0; variant < 5; ++variant) {
      CAPTURE(image); CAPTURE(variant);
      backend::normalize_fn<T> f{x.data(), nullptr, nullptr, nullptr, image, T(0.5), T(1) / T(255)};
      if (variant == 1) f.shift = shift.data();                                   // zerocenter
      if (variant == 2) f.shift = shift.data(), f.divisor = divisor.data();       // zscore
      if (variant == 3) f.range = range, f.range_shift = true;                    // rescale-zero-one
      if (variant == 4) f.range = range, f.range_shift = true, f.symmetric = true;  // rescale-symmetric
      std::vector<T> y(n + 1, T(9)), ref(n + 1, T(9));  // +1: nothing written past n
      f.y = ref.data();
      for (std::size_t i = 0; i < n; ++i) f(i);
      f.y = y.data();
      backend::normalize(ctx, n, f);
      CHECK(std::memcmp(y.data(), ref.data(), y.size() * sizeof(T)) == 0);
    }
  }
}

TEST_CASE("the finite-value scan finds the first NaN or infinity wherever it is") {
  const float bad[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                       -std::numeric_limits<float>::infinity()};
  for (std::size_t n : {0, 1, 15, 16, 17, 40, 785}) {
    auto x = random_run<float>(n, n, -3e38, 3e38);  // large finite values stay finite
    CHECK(backend::cpu::first_non_finite(x.data(), n) == n);
    for (std::size_t at : {std::size_t(0), n / 2, n - 1})
      for (float v : bad) {
        if (n == 0) continue;
        CAPTURE(n); CAPTURE(at); CAPTURE(v);
        auto y = x;
        y[at] = v;
        if (at + 1 < n) y[n - 1] = bad[0];  // a later one does not hide the first
        CHECK(backend::cpu::first_non_finite(y.data(), n) == at);
      }
  }
}
