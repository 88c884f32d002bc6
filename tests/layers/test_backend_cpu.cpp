// The CPU backend's fast kernels against straightforward reference loops: the chunked
// im2col + GEMM convolution (both GEMM paths, several chunks, every padding case), im2col and
// col2im exactly (AVX-512 rows and portable loops), the small-m GEMM kernels (each
// instruction-set tier this CPU has), the fully connected layer on them, the 2x2 max-pool
// fast path, batch normalization's partial sums (and the GPU's batch-norm passes, run here in
// order), the ReLU select and the values PARTRAIN_CPU_KERNELS accepts.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "partrain/backend/channel_sums.hpp"
#include "partrain/backend/ops.hpp"
#include "partrain/core/random.hpp"

using namespace partrain;
using backend::window_geometry;

namespace {
std::vector<double> random_values(std::size_t n, std::uint64_t seed) {
  random_engine rng(seed);
  std::vector<double> v(n);
  for (auto& x : v) x = rng.uniform(-1, 1);
  return v;
}
template <class T>
std::vector<T> as(const std::vector<double>& v) {
  return std::vector<T>(v.begin(), v.end());
}
// Largest |a - b| relative to the largest |b| (1 when b is all zeros).
template <class T>
double max_error(const std::vector<T>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double err = 0, scale = 1e-30;
  for (std::size_t i = 0; i < a.size(); ++i) {
    err = std::max(err, std::abs(double(a[i]) - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return err / scale;
}

struct conv_case {
  window_geometry g;
  int filters, n;
};

// Direct-loop convolution in double: y, and dx, dw, db for a given dy.
struct reference_conv {
  std::vector<double> y, dx, dw, db;
  reference_conv(const conv_case& t, const std::vector<double>& x, const std::vector<double>& w,
                 const std::vector<double>& b, const std::vector<double>& dy) {
    const auto& g = t.g;
    const int ohw = g.out_h * g.out_w, ihw = g.in_h * g.in_w, kk = g.kernel_h * g.kernel_w;
    y.assign(std::size_t(t.n) * t.filters * ohw, 0);
    dx.assign(std::size_t(t.n) * g.channels * ihw, 0);
    dw.assign(w.size(), 0);
    db.assign(t.filters, 0);
    for (int i = 0; i < t.n; ++i)
      for (int f = 0; f < t.filters; ++f)
        for (int oy = 0; oy < g.out_h; ++oy)
          for (int ox = 0; ox < g.out_w; ++ox) {
            const std::size_t o = (std::size_t(i) * t.filters + f) * ohw + oy * g.out_w + ox;
            double s = b[f];
            db[f] += dy[o];
            for (int c = 0; c < g.channels; ++c)
              for (int ky = 0; ky < g.kernel_h; ++ky)
                for (int kx = 0; kx < g.kernel_w; ++kx) {
                  const int iy = oy * g.stride_h - g.pad_top + ky, ix = ox * g.stride_w - g.pad_left + kx;
                  if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) continue;
                  const std::size_t xi = (std::size_t(i) * g.channels + c) * ihw + iy * g.in_w + ix;
                  const std::size_t wi = (std::size_t(f) * g.channels + c) * kk + ky * g.kernel_w + kx;
                  s += w[wi] * x[xi];
                  dw[wi] += dy[o] * x[xi];
                  dx[xi] += dy[o] * w[wi];
                }
            y[o] = s;
          }
  }
};

template <class T>
void check_conv(const conv_case& t, double tolerance) {
  const auto& g = t.g;
  const std::size_t xs = std::size_t(t.n) * g.channels * g.in_h * g.in_w;
  const std::size_t ys = std::size_t(t.n) * t.filters * g.out_h * g.out_w;
  const std::size_t ws = std::size_t(t.filters) * g.channels * g.kernel_h * g.kernel_w;
  const auto x = random_values(xs, 1), w = random_values(ws, 2), b = random_values(t.filters, 3),
             dy = random_values(ys, 4);
  const reference_conv ref(t, x, w, b, dy);
  context ctx;
  const auto xt = as<T>(x), wt = as<T>(w), bt = as<T>(b), dyt = as<T>(dy);
  std::vector<T> y(ys, T(7)), dx(xs, T(7)), dw(ws, T(7)), db(t.filters, T(7));  // stale values must be overwritten
  backend::conv2d_forward(ctx, g, t.filters, t.n, xt.data(), wt.data(), bt.data(), y.data());
  backend::conv2d_backward(ctx, g, t.filters, t.n, xt.data(), wt.data(), dyt.data(), dx.data(), dw.data(), db.data());
  CHECK(max_error(y, ref.y) < tolerance);
  CHECK(max_error(dx, ref.dx) < tolerance);
  CHECK(max_error(dw, ref.dw) < tolerance);
  CHECK(max_error(db, ref.db) < tolerance);
  // Without dx the parameter gradients are the same and dx is untouched.
  std::vector<T> dw2(ws), db2(t.filters);
  backend::conv2d_backward(ctx, g, t.filters, t.n, xt.data(), wt.data(), dyt.data(), static_cast<T*>(nullptr), dw2.data(), db2.data());
  CHECK(db2 == db);
  if (std::is_same_v<T, float> && backend::cpu::direct_convolution(g))
    CHECK(max_error(dw2, ref.dw) < tolerance);  // the direct kernels sum in another order
  else
    CHECK(dw2 == dw);
}

const conv_case conv_cases[] = {
    {{4, 28, 28, 28, 28, 3, 3, 1, 1, 1, 1}, 5, 20},  // 'same', several chunks, 5 filters
    {{1, 28, 28, 28, 28, 3, 3, 1, 1, 1, 1}, 8, 7},   // the seed CNN's first layer
    {{16, 7, 7, 7, 7, 3, 3, 1, 1, 1, 1}, 32, 9},     // its last: K = 144
    {{3, 5, 7, 5, 7, 3, 3, 1, 1, 1, 1}, 6, 3},       // 105 columns: 8-wide and single tails
    {{2, 7, 6, 4, 3, 3, 3, 2, 2, 1, 1}, 3, 4},       // stride 2, pad 1
    {{2, 5, 4, 5, 4, 2, 2, 1, 1, 0, 0}, 3, 3},       // even 'same': padding bottom/right only
    {{3, 4, 4, 2, 2, 3, 3, 1, 1, 0, 0}, 2, 5},       // no padding: width shrinks
    {{2, 6, 6, 8, 8, 3, 3, 1, 1, 2, 2}, 3, 2},       // padding wider than 'same'
    {{5, 3, 3, 3, 3, 1, 1, 1, 1, 0, 0}, 7, 6},       // 1x1 filters
    {{1, 4, 3, 4, 3, 1, 1, 1, 1, 0, 0}, 3, 2},       // 1x1 on one channel: K = 1 (OpenBLAS lda)
    // Direct kernels (float, few channels, stride 1, rows of 16+): 8 + 2 + 1 filters, a last
    // vector that overlaps, 5 wide filters, padding on one side, no padding; a 7 wide filter
    // on few channels takes im2col.
    {{3, 20, 21, 20, 21, 5, 5, 1, 1, 2, 2}, 11, 3},
    {{2, 9, 23, 3, 17, 7, 7, 1, 1, 0, 0}, 3, 2},
    {{4, 6, 16, 6, 16, 3, 3, 1, 1, 1, 1}, 9, 2},
    {{1, 5, 18, 5, 18, 2, 3, 1, 1, 0, 1}, 2, 3},
};

// The implicit GEMM (float on the AVX-512 tier; the other tiers take im2col): groups of
// images per product with a short last group, rows of one and of two vectors and masked
// row ends, 'same' and even 'same' padding, no padding, 1x1 and 5x5 filters.
const conv_case implicit_cases[] = {
    {{16, 16, 16, 16, 16, 3, 3, 1, 1, 1, 1}, 8, 10},  // ResNet's middle stage: groups of 3, 3, 3, 1
    {{6, 12, 28, 12, 28, 3, 3, 1, 1, 1, 1}, 5, 7},    // rows of 16 + 12 lanes, groups of 2
    {{5, 11, 13, 11, 13, 2, 2, 1, 1, 0, 0}, 3, 4},    // padding bottom/right only, 13-lane rows
    {{6, 22, 26, 20, 24, 3, 3, 1, 1, 0, 0}, 9, 2},    // no padding: the output shrinks
    {{8, 6, 12, 6, 12, 1, 1, 1, 1, 0, 0}, 4, 30},     // 1x1: 14 images per group, then 2
    {{5, 40, 40, 40, 40, 5, 5, 1, 1, 2, 2}, 3, 2},    // 5x5 'same': 3 vectors a row
    {{6, 9, 14, 9, 14, 2, 3, 1, 1, 0, 1}, 4, 3},      // 2x3 filters, padding 0/1 down, 1/1 across
    {{6, 14, 14, 16, 16, 3, 3, 1, 1, 2, 2}, 4, 3},    // padding 2 (wider than 'same'): dx's is 0
};
}  // namespace

TEST_CASE("conv2d: chunked im2col + GEMM matches direct loops, float and double") {
  for (const auto& t : conv_cases) {
    CAPTURE(t.g.channels); CAPTURE(t.g.in_h); CAPTURE(t.g.in_w); CAPTURE(t.g.kernel_h); CAPTURE(t.filters);
    check_conv<double>(t, 1e-12);
    check_conv<float>(t, 1e-5);
  }
}

TEST_CASE("conv2d: the implicit GEMM matches direct loops, and runs where it should") {
  if (!backend::cpu::has_avx512())
    MESSAGE("this CPU or PARTRAIN_CPU_KERNELS has no AVX-512: these cases run im2col + GEMM");
  for (const auto& t : implicit_cases) {
    CAPTURE(t.g.channels); CAPTURE(t.g.in_h); CAPTURE(t.g.in_w); CAPTURE(t.g.kernel_h); CAPTURE(t.n);
    CHECK(backend::cpu::implicit_convolution(t.g) == backend::cpu::has_avx512());
    check_conv<float>(t, 1e-5);
    check_conv<double>(t, 1e-12);
  }
  // Rows of 8 outputs (half of each vector), padding as wide as the kernel, stride 2: im2col.
  const window_geometry im2col_only[] = {{64, 8, 8, 8, 8, 3, 3, 1, 1, 1, 1},
                                         {2, 14, 14, 16, 16, 3, 3, 1, 1, 3, 3},
                                         {16, 32, 32, 16, 16, 3, 3, 2, 2, 1, 1}};
  for (const auto& g : im2col_only) CHECK_FALSE(backend::cpu::implicit_convolution(g));
}

TEST_CASE("im2col then col2im multiplies each pixel by the number of windows that read it") {
  // col2im(im2col(ones)) counts, per input pixel, the output positions whose window covers it.
  const window_geometry g{2, 5, 6, 3, 3, 3, 3, 2, 2, 1, 1};
  const int nb = 3;
  std::vector<float> x(std::size_t(nb) * 2 * 30, 1.f), col(std::size_t(2) * 9 * 9 * nb), back(x.size());
  backend::cpu::im2col(g, nb, x.data(), col.data());
  backend::cpu::col2im(g, nb, col.data(), back.data());
  for (int i = 0; i < nb; ++i)
    for (int iy = 0; iy < 5; ++iy)
      for (int ix = 0; ix < 6; ++ix) {
        int count = 0;
        for (int oy = 0; oy < 3; ++oy)
          for (int ox = 0; ox < 3; ++ox) {
            const int ky = iy - (oy * 2 - 1), kx = ix - (ox * 2 - 1);
            count += ky >= 0 && ky < 3 && kx >= 0 && kx < 3;
          }
        CHECK(back[std::size_t(i) * 60 + 30 + iy * 6 + ix] == float(count));
      }
}

TEST_CASE("im2col and col2im in float equal the definition exactly, every lane tail and pad") {
  // The AVX-512 taps (stride-1 columns) and the portable loops must both give exactly what
  // the definition gives, col2im adding each pixel's taps in (ky, kx) order from zero.
  const window_geometry cases[] = {
      {2, 37, 37, 37, 37, 3, 3, 1, 1, 1, 1},  // 'same', rows of 16 + 16 + 5 lanes
      {1, 16, 16, 16, 16, 3, 3, 1, 1, 1, 1},  // exactly one vector per row
      {2, 9, 20, 7, 18, 3, 3, 1, 1, 0, 0},    // no padding: output narrower than input
      {2, 6, 19, 8, 21, 3, 3, 1, 1, 2, 2},    // padding wider than 'same'
      {3, 9, 17, 5, 17, 3, 3, 2, 1, 1, 1},    // stride 2 down, 1 across
      {2, 5, 18, 5, 18, 2, 4, 1, 1, 0, 2},    // even kernel, padding left only
      {2, 7, 6, 4, 3, 3, 3, 2, 2, 1, 1},      // stride 2 both ways: portable loops
      {2, 6, 70, 6, 70, 3, 3, 1, 1, 1, 1},    // 5 blocks per row: beyond the tap plan, plain AVX-512 loops
      {2, 8, 49, 8, 49, 5, 5, 1, 1, 2, 2},    // 5x5 'same', 4 blocks (the plan's widest)
      {3, 7, 7, 7, 7, 1, 1, 1, 1, 0, 0},      // 1x1
      {1, 9, 9, 9, 9, 9, 9, 1, 1, 4, 4},      // 9x9: more taps than the plan holds (81 > 49)
      // Planes of at most 256 outputs, equal widths: the flat plan (16 columns per step
      // across rows), with tails of every kind.
      {8, 14, 14, 14, 14, 3, 3, 1, 1, 1, 1},  // the seed CNN's conv2: 12 blocks + 4 lanes
      {3, 7, 7, 7, 7, 3, 3, 1, 1, 1, 1},      // its conv3: 3 blocks + 1 lane
      {2, 3, 3, 3, 3, 3, 3, 1, 1, 1, 1},      // 9 outputs: less than one block
      {2, 6, 10, 8, 10, 3, 3, 1, 1, 2, 1},    // more output rows than input rows (padding 2 on top)
      {1, 17, 15, 17, 15, 3, 3, 1, 1, 1, 1},  // 255 outputs: the widest flat plan, 15-lane tail
      {1, 16, 16, 17, 16, 2, 3, 1, 1, 1, 1},  // 272 outputs: too many for it, the row plan
  };
  for (const auto& g : cases) {
    CAPTURE(g.in_h); CAPTURE(g.in_w); CAPTURE(g.out_w); CAPTURE(g.stride_h); CAPTURE(g.pad_left);
    const int nb = 3, ohw = g.out_h * g.out_w, ihw = g.in_h * g.in_w;
    const std::size_t cols = std::size_t(nb) * ohw, rows = std::size_t(g.channels) * g.kernel_h * g.kernel_w;
    const auto x = as<float>(random_values(std::size_t(nb) * g.channels * ihw, 31));
    std::vector<float> col(rows * cols, 5.f), ref(rows * cols, 0.f);
    std::vector<float> dx(x.size(), 5.f), dx_ref(x.size(), 0.f);
    const auto colv = as<float>(random_values(rows * cols, 32));
    for (int i = 0; i < nb; ++i)
      for (int c = 0; c < g.channels; ++c)
        for (int ky = 0; ky < g.kernel_h; ++ky)
          for (int kx = 0; kx < g.kernel_w; ++kx)
            for (int oy = 0; oy < g.out_h; ++oy)
              for (int ox = 0; ox < g.out_w; ++ox) {
                const int iy = oy * g.stride_h - g.pad_top + ky, ix = ox * g.stride_w - g.pad_left + kx;
                const std::size_t r = std::size_t(c * g.kernel_h + ky) * g.kernel_w + kx;
                const std::size_t at = r * cols + std::size_t(i) * ohw + oy * g.out_w + ox;
                if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) continue;
                const std::size_t px = (std::size_t(i) * g.channels + c) * ihw + iy * g.in_w + ix;
                ref[at] = x[px];
                dx_ref[px] += colv[at];
              }
    backend::cpu::im2col(g, nb, x.data(), col.data());
    CHECK(col == ref);
    auto scratch = colv;
    backend::cpu::col2im(g, nb, scratch.data(), dx.data());
    CHECK(dx == dx_ref);
  }
}

namespace {
// C = A B (A given both as m x k and as its k x m transpose) and C += A B^T through the
// kernels of one tier, against double loops.
template <class Ab, class Abt>
void check_gemm_kernels(Ab gemm_ab, Abt gemm_abt_add) {
  // Ragged edges of every tile: m not a multiple of 4 or 8, n across 48/16-column panels
  // and masked tails, reductions across several 512-entry blocks, B wider than 48 rows.
  for (const auto [m, n, k] : {std::array{7, 37, 13}, std::array{8, 24, 9}, std::array{1, 5, 1},
                               std::array{13, 50, 40}, std::array{16, 131, 72}, std::array{10, 97, 1100},
                               std::array{6, 145, 33}}) {
    CAPTURE(m); CAPTURE(n); CAPTURE(k);
    const auto a = random_values(std::size_t(m) * k, 5), b = random_values(std::size_t(k) * n, 6);
    const auto af = as<float>(a), bf = as<float>(b);
    std::vector<double> ref(std::size_t(m) * n, 0), ref_t(std::size_t(m) * n, 0);
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j)
        for (int p = 0; p < k; ++p) {
          ref[std::size_t(i) * n + j] += a[std::size_t(i) * k + p] * b[std::size_t(p) * n + j];
          ref_t[std::size_t(i) * n + j] += a[std::size_t(p) * m + i] * b[std::size_t(p) * n + j];  // A stored k x m
        }
    // A C with a wider row stride than n: the kernels must not write past n in a row.
    const int ldc = n + 3;
    std::vector<float> c(std::size_t(m) * ldc, 9.f);
    auto packed = [&] {
      std::vector<float> out;
      for (int i = 0; i < m; ++i) out.insert(out.end(), c.begin() + std::ptrdiff_t(i) * ldc, c.begin() + std::ptrdiff_t(i) * ldc + n);
      return out;
    };
    gemm_ab(m, n, k, af.data(), k, 1, bf.data(), n, c.data(), ldc);
    CHECK(max_error(packed(), ref) < 1e-5);
    for (int i = 0; i < m; ++i)
      for (int j = n; j < ldc; ++j) CHECK(c[std::size_t(i) * ldc + j] == 9.f);
    gemm_ab(m, n, k, af.data(), 1, m, bf.data(), n, c.data(), ldc);
    CHECK(max_error(packed(), ref_t) < 1e-5);
    // C += A B^T with B stored n x k: start from 1 to see the accumulation.
    const auto bt = random_values(std::size_t(n) * k, 7);
    const auto btf = as<float>(bt);
    std::vector<double> ref_abt(std::size_t(m) * n, 1);
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j)
        for (int p = 0; p < k; ++p) ref_abt[std::size_t(i) * n + j] += a[std::size_t(i) * k + p] * bt[std::size_t(j) * k + p];
    std::vector<float> c2(std::size_t(m) * n, 1.f);
    gemm_abt_add(m, n, k, af.data(), k, btf.data(), k, c2.data(), n);
    CHECK(max_error(c2, ref_abt) < 1e-5);
  }
}
}  // namespace

TEST_CASE("gemm_ab and gemm_abt_add match the definition for ragged sizes") {
  SUBCASE("dispatched (the fastest tier this CPU has), float and double") {
    check_gemm_kernels([](auto... args) { backend::cpu::gemm_ab<float>(args...); },
                       [](auto... args) { backend::cpu::gemm_abt_add<float>(args...); });
    const auto a = random_values(6 * 5, 1), b = random_values(5 * 4, 2);
    std::vector<double> c(6 * 4), ref(6 * 4, 0);
    for (int i = 0; i < 6; ++i)
      for (int j = 0; j < 4; ++j)
        for (int p = 0; p < 5; ++p) ref[i * 4 + j] += a[i * 5 + p] * b[p * 4 + j];
    backend::cpu::gemm_ab<double>(6, 4, 5, a.data(), 5, 1, b.data(), 4, c.data(), 4);
    CHECK(max_error(c, ref) < 1e-14);
  }
#if PARTRAIN_HAS_AVX2_KERNELS
  // Each tier this CPU has, called directly, so a machine with AVX-512 still tests the AVX2
  // kernels that other machines run.
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    SUBCASE("AVX2 + FMA kernels") {
      check_gemm_kernels([](auto... args) { backend::cpu::avx2::gemm_ab(args...); },
                         [](auto... args) { backend::cpu::avx2::gemm_abt_add(args...); });
    }
  } else {
    MESSAGE("this CPU has no AVX2 + FMA: those kernels are not tested here");
  }
  if (__builtin_cpu_supports("avx512f")) {
    SUBCASE("AVX-512 kernels") {
      check_gemm_kernels([](auto... args) { backend::cpu::avx512::gemm_ab(args...); },
                         [](auto... args) { backend::cpu::avx512::gemm_abt_add(args...); });
    }
  } else {
    MESSAGE("this CPU has no AVX-512F: those kernels are not tested here");
  }
#endif
}

TEST_CASE("dense forward and backward on the GEMM kernels match double loops") {
  for (const auto [n, inputs, outputs] : {std::array{128, 1568, 10}, std::array{5, 7, 3}, std::array{9, 40, 17}}) {
    CAPTURE(n); CAPTURE(inputs); CAPTURE(outputs);
    const auto x = random_values(std::size_t(n) * inputs, 11), w = random_values(std::size_t(outputs) * inputs, 12),
               b = random_values(outputs, 13), dy = random_values(std::size_t(n) * outputs, 14);
    std::vector<double> y(std::size_t(n) * outputs), dx(std::size_t(n) * inputs, 0), dw(w.size(), 0), db(outputs, 0);
    for (int i = 0; i < n; ++i)
      for (int o = 0; o < outputs; ++o) {
        const std::size_t io = std::size_t(i) * outputs + o;
        y[io] = b[o];
        db[o] += dy[io];
        for (int j = 0; j < inputs; ++j) {
          y[io] += x[std::size_t(i) * inputs + j] * w[std::size_t(o) * inputs + j];
          dw[std::size_t(o) * inputs + j] += dy[io] * x[std::size_t(i) * inputs + j];
          dx[std::size_t(i) * inputs + j] += dy[io] * w[std::size_t(o) * inputs + j];
        }
      }
    context ctx;
    const auto xf = as<float>(x), wf = as<float>(w), bf = as<float>(b), dyf = as<float>(dy);
    std::vector<float> yf(y.size(), 7.f), dxf(dx.size(), 7.f), dwf(dw.size(), 7.f), dbf(outputs, 7.f);
    backend::dense_forward(ctx, n, inputs, outputs, xf.data(), wf.data(), bf.data(), yf.data());
    backend::dense_backward(ctx, n, inputs, outputs, xf.data(), wf.data(), dyf.data(), dxf.data(), dwf.data(), dbf.data());
    CHECK(max_error(yf, y) < 1e-5);
    CHECK(max_error(dxf, dx) < 1e-5);
    CHECK(max_error(dwf, dw) < 1e-5);
    CHECK(max_error(dbf, db) < 1e-5);
    std::vector<double> yd(y.size()), dxd(dx.size()), dwd(dw.size()), dbd(outputs);  // the OpenBLAS path
    backend::dense_forward(ctx, n, inputs, outputs, x.data(), w.data(), b.data(), yd.data());
    backend::dense_backward(ctx, n, inputs, outputs, x.data(), w.data(), dy.data(), dxd.data(), dwd.data(), dbd.data());
    CHECK(max_error(yd, y) < 1e-12);
    CHECK(max_error(dxd, dx) < 1e-12);
    CHECK(max_error(dwd, dw) < 1e-12);
  }
}

TEST_CASE("2x2 stride-2 max pooling: the fast path picks the general loop's winners") {
  // Reference: scan each window in order, the first strictly greater value wins.
  // Rows of 8+ outputs (vectors, the last overlapping), shorter ones (one vector step past the
  // row, the plane's last rows through copies), odd sizes, and planes of a single window.
  for (const auto [h, w] : {std::array{28, 28}, std::array{7, 7}, std::array{6, 9}, std::array{14, 14}, std::array{2, 2},
                            std::array{3, 5}, std::array{5, 17}, std::array{9, 30}, std::array{16, 3}, std::array{4, 2}}) {
    CAPTURE(h); CAPTURE(w);
    const int n = 3, channels = 2, oh = h / 2, ow = w / 2;
    const window_geometry g{channels, h, w, oh, ow, 2, 2, 2, 2, 0, 0};
    std::vector<float> x(std::size_t(n) * channels * h * w);
    random_engine rng(21);
    for (auto& v : x) v = float(int(rng.uniform(0, 4)));  // few distinct values: many ties
    std::vector<float> y(std::size_t(n) * channels * oh * ow), dy(y.size()), dx(x.size(), 7.f);
    for (std::size_t i = 0; i < dy.size(); ++i) dy[i] = float(i + 1);
    std::vector<std::int32_t> argmax(y.size());
    context ctx;
    backend::max_pool_forward(ctx, g, n, x.data(), y.data(), argmax.data());
    backend::max_pool_backward(ctx, g, n, argmax.data(), dy.data(), dx.data());
    std::vector<float> dx_ref(x.size(), 0.f);
    for (int p = 0; p < n * channels; ++p)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox) {
          int at = -1;
          for (int ky = 0; ky < 2; ++ky)
            for (int kx = 0; kx < 2; ++kx) {
              const int i = (2 * oy + ky) * w + 2 * ox + kx;
              if (at < 0 || x[std::size_t(p) * h * w + i] > x[std::size_t(p) * h * w + at]) at = i;
            }
          const std::size_t o = (std::size_t(p) * oh + oy) * ow + ox;
          CHECK(argmax[o] == at);
          CHECK(y[o] == x[std::size_t(p) * h * w + at]);
          dx_ref[std::size_t(p) * h * w + at] = dy[o];
        }
    CHECK(dx == dx_ref);  // odd last row and column get zeros
  }
}

TEST_CASE("batch_norm in float matches a double reference; moving statistics blend") {
  // Planes around the vector width (16) and the 8 partial sums: every tail length's path.
  for (const int plane : {37, 1, 7, 15, 16, 17, 49}) {
  CAPTURE(plane);
  const int n = 5, channels = 3;
  const std::size_t size = std::size_t(n) * channels * plane;
  auto x = random_values(size, 8);
  for (auto& v : x) v = 100 + 3 * v;  // a large mean: the centred second pass matters
  const auto dy = random_values(size, 9);
  const std::vector<double> scale{1.5, -0.5, 2}, offset{0.1, 0.2, -0.3};
  std::vector<double> y_ref(size), dx_ref(size), mean(channels), var(channels);
  const double m = double(n) * plane;
  for (int c = 0; c < channels; ++c) {
    double s = 0, sq = 0, sdy = 0, sdyx = 0;
    auto at = [&](int i, int j) { return (std::size_t(i) * channels + c) * plane + j; };
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < plane; ++j) s += x[at(i, j)];
    mean[c] = s / m;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < plane; ++j) sq += (x[at(i, j)] - mean[c]) * (x[at(i, j)] - mean[c]);
    var[c] = sq / m;
    const double inv = 1 / std::sqrt(var[c] + 1e-5);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < plane; ++j) {
        y_ref[at(i, j)] = (x[at(i, j)] - mean[c]) * inv * scale[c] + offset[c];
        sdy += dy[at(i, j)], sdyx += dy[at(i, j)] * (x[at(i, j)] - mean[c]) * inv;
      }
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < plane; ++j)
        dx_ref[at(i, j)] = scale[c] * inv * (dy[at(i, j)] - sdy / m - (x[at(i, j)] - mean[c]) * inv * sdyx / m);
  }
  context ctx;
  const auto xf = as<float>(x), dyf = as<float>(dy), sf = as<float>(scale), of = as<float>(offset);
  std::vector<float> y(size), dx(size), saved_mean(channels), saved_inv(channels), dscale(channels), doffset(channels);
  std::vector<float> moving_mean(channels, 0.f), moving_var(channels, 1.f);
  backend::batch_norm_forward_training(ctx, n, channels, plane, xf.data(), sf.data(), of.data(), 1e-5f, 0.1f,
                                       y.data(), saved_mean.data(), saved_inv.data(), moving_mean.data(), moving_var.data());
  backend::batch_norm_backward(ctx, n, channels, plane, xf.data(), dyf.data(), sf.data(), saved_mean.data(),
                               saved_inv.data(), dx.data(), dscale.data(), doffset.data());
  CHECK(max_error(y, y_ref) < 1e-4);
  CHECK(max_error(dx, dx_ref) < 1e-4);
  for (int c = 0; c < channels; ++c) {
    CHECK(saved_mean[c] == doctest::Approx(mean[c]).epsilon(1e-6));
    CHECK(moving_mean[c] == doctest::Approx(0.1 * mean[c]).epsilon(1e-6));
    CHECK(moving_var[c] == doctest::Approx(0.9 + 0.1 * var[c] * m / (m - 1)).epsilon(1e-5));
  }
}
}

TEST_CASE_TEMPLATE("channel_sums (the GPU's batch-norm and bias-gradient passes, run here in order) equal the CPU",
                   T, float, double) {
  const double tol = std::is_same_v<T, float> ? 2e-5 : 1e-12;
  struct shape { int n, channels, plane; };
  // Few values (one part), one pixel per plane, parts that do and do not divide the values.
  for (const shape s : {shape{5, 3, 37}, shape{3, 4, 1}, shape{64, 8, 784}, shape{130, 2, 784}}) {
    CAPTURE(s.n);
    CAPTURE(s.channels);
    CAPTURE(s.plane);
    const std::size_t size = std::size_t(s.n) * s.channels * s.plane, c = std::size_t(s.channels);
    auto x = as<T>(random_values(size, 21));
    for (auto& v : x) v = T(50) + 4 * v;  // a mean far from zero
    const auto dy = as<T>(random_values(size, 22)), scale = as<T>(random_values(c, 23)),
               offset = as<T>(random_values(c, 24));
    struct outputs {
      std::vector<T> y, dx, saved_mean, saved_inv, moving_mean, moving_var, dscale, doffset;
    };
    auto fresh = [&] {
      return outputs{std::vector<T>(size), std::vector<T>(size), std::vector<T>(c), std::vector<T>(c),
                     std::vector<T>(c, T(0.5)), std::vector<T>(c, T(2)), std::vector<T>(c), std::vector<T>(c)};
    };
    outputs cpu = fresh(), parts = fresh();
    context ctx;
    backend::batch_norm_forward_training(ctx, s.n, s.channels, s.plane, x.data(), scale.data(), offset.data(), T(1e-5),
                                         T(0.1), cpu.y.data(), cpu.saved_mean.data(), cpu.saved_inv.data(),
                                         cpu.moving_mean.data(), cpu.moving_var.data());
    backend::batch_norm_backward(ctx, s.n, s.channels, s.plane, x.data(), dy.data(), scale.data(), cpu.saved_mean.data(),
                                 cpu.saved_inv.data(), cpu.dx.data(), cpu.dscale.data(), cpu.doffset.data());
    std::vector<double> scratch(backend::channel_sums::scratch_size(s.n, s.channels, s.plane));
    auto in_order = [](std::size_t count, auto f) {
      for (std::size_t i = 0; i < count; ++i) f(i);
    };
    backend::channel_sums::batch_norm_forward_training(in_order, scratch.data(), s.n, s.channels, s.plane, x.data(),
                                                scale.data(), offset.data(), T(1e-5), T(0.1), parts.y.data(),
                                                parts.saved_mean.data(), parts.saved_inv.data(),
                                                parts.moving_mean.data(), parts.moving_var.data());
    backend::channel_sums::batch_norm_backward(in_order, scratch.data(), s.n, s.channels, s.plane, x.data(), dy.data(),
                                        scale.data(), parts.saved_mean.data(), parts.saved_inv.data(),
                                        parts.dx.data(), parts.dscale.data(), parts.doffset.data());
    auto close = [&](const std::vector<T>& got, const std::vector<T>& want, const char* what) {
      CAPTURE(what);
      CHECK(max_error(got, std::vector<double>(want.begin(), want.end())) < tol);
    };
    close(parts.y, cpu.y, "y");
    close(parts.saved_mean, cpu.saved_mean, "saved mean");
    close(parts.saved_inv, cpu.saved_inv, "saved 1/std");
    close(parts.moving_mean, cpu.moving_mean, "moving mean");
    close(parts.moving_var, cpu.moving_var, "moving variance");
    close(parts.dx, cpu.dx, "dx");
    close(parts.dscale, cpu.dscale, "dscale");
    close(parts.doffset, cpu.doffset, "doffset");
    std::vector<T> no_dx_scale(c), no_dx_offset(c);  // dx is optional (first layer)
    backend::channel_sums::batch_norm_backward(in_order, scratch.data(), s.n, s.channels, s.plane, x.data(), dy.data(),
                                        scale.data(), parts.saved_mean.data(), parts.saved_inv.data(),
                                        static_cast<T*>(nullptr), no_dx_scale.data(), no_dx_offset.data());
    CHECK(no_dx_scale == parts.dscale);
    CHECK(no_dx_offset == parts.doffset);
    // Plain channel sums (a convolution's bias gradient) against a double loop.
    std::vector<double> want(c);
    for (std::size_t i = 0; i < size; ++i) want[(i / std::size_t(s.plane)) % c] += double(dy[i]);
    std::vector<T> sums(c);
    backend::channel_sums::sum(in_order, scratch.data(), s.n, s.channels, s.plane, dy.data(), sums.data());
    CHECK(max_error(sums, want) < tol);
  }
  auto never = [](std::size_t, auto) { FAIL("no pass may run for a channel of 2^31 values"); };
  CHECK_THROWS_WITH_AS(backend::channel_sums::sum(never, nullptr, 1 << 16, 2, 1 << 15, static_cast<const T*>(nullptr),
                                                  static_cast<T*>(nullptr)),
                       doctest::Contains("65536 images of 32768 values per channel; expected fewer than 2^31"),
                       shape_error);
  CHECK(backend::channel_sums::parts_for(1) == 1);
  CHECK(backend::channel_sums::parts_for(128 * 784) == 1024);
  CHECK(backend::channel_sums::parts_for(128 * 49) == 98);
}

TEST_CASE("leaky_relu's vector kernel equals the element functor on every tail length") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  context ctx;
  for (std::size_t n = 0; n <= 40; ++n)
    for (const float leak : {0.f, 0.01f, 0.2f}) {
      CAPTURE(n); CAPTURE(leak);
      auto values = random_values(n, n + 1), grads = random_values(n, n + 2);
      std::vector<float> x(values.begin(), values.end()), dy(grads.begin(), grads.end());
      if (n > 3) x[1] = 0.f, x[2] = -0.f, x[3] = nan;
      std::vector<float> y(n + 1, 9.f), y_ref(n + 1, 9.f), dx(n + 1, 9.f), dx_ref(n + 1, 9.f);  // +1: no write past n
      backend::leaky_relu_forward(ctx, n, x.data(), y.data(), leak);
      backend::leaky_relu_backward(ctx, n, x.data(), dy.data(), dx.data(), leak);
      for (std::size_t i = 0; i < n; ++i) {
        backend::leaky_relu_forward_fn<float>{x.data(), y_ref.data(), leak}(i);
        backend::leaky_relu_backward_fn<float>{x.data(), dy.data(), dx_ref.data(), leak}(i);
      }
      CHECK(std::memcmp(y.data(), y_ref.data(), y.size() * sizeof(float)) == 0);
      CHECK(std::memcmp(dx.data(), dx_ref.data(), dx.size() * sizeof(float)) == 0);
    }
}

TEST_CASE("relu and leaky_relu: negative inputs, zero and NaN") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> x{-2.f, -0.5f, 0.f, 0.25f, 3.f, nan};
  std::vector<float> y(x.size()), dx(x.size());
  const std::vector<float> dy{1, 2, 3, 4, 5, 6};
  context ctx;
  backend::for_each_index(ctx, x.size(), backend::leaky_relu_forward_fn<float>{x.data(), y.data(), 0.f});
  CHECK(y[0] == 0.f); CHECK(y[1] == 0.f); CHECK(y[2] == 0.f); CHECK(y[3] == 0.25f); CHECK(y[4] == 3.f);
  CHECK(std::isnan(y[5]));  // a diverged activation stays visible
  backend::for_each_index(ctx, x.size(), backend::leaky_relu_backward_fn<float>{x.data(), dy.data(), dx.data(), 0.f});
  CHECK(dx == std::vector<float>{0, 0, 0, 4, 5, 6});
  backend::for_each_index(ctx, x.size(), backend::leaky_relu_forward_fn<float>{x.data(), y.data(), 0.1f});
  CHECK(y[0] == doctest::Approx(-0.2f)); CHECK(y[1] == doctest::Approx(-0.05f)); CHECK(y[4] == 3.f);
  CHECK(std::isnan(y[5]));
  backend::for_each_index(ctx, x.size(), backend::leaky_relu_backward_fn<float>{x.data(), dy.data(), dx.data(), 0.1f});
  CHECK(dx[0] == doctest::Approx(0.1f)); CHECK(dx[1] == doctest::Approx(0.2f)); CHECK(dx[3] == 4.f);
}

TEST_CASE("PARTRAIN_CPU_KERNELS: the three tiers by name; a misspelt value is an error, not all tiers") {
  using backend::cpu::kernel_tier_from;
  CHECK(kernel_tier_from("") == 2);
  CHECK(kernel_tier_from("avx512") == 2);
  CHECK(kernel_tier_from("avx2") == 1);
  CHECK(kernel_tier_from("blas") == 0);
  for (const char* wrong : {"avx", "AVX2", "scalar", "blas "}) {
    CAPTURE(wrong);
    const std::string expected =
        "PARTRAIN_CPU_KERNELS=" + std::string(wrong) + ": expected avx512, avx2 or blas";
    CHECK_THROWS_WITH_AS(kernel_tier_from(wrong), doctest::Contains(expected.c_str()), config_error);
  }
}
