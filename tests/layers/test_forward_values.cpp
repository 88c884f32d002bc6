// Layer forward values against hand-computed cases, and initial values.
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <vector>

#include "partrain/partrain.hpp"

using namespace partrain;
using namespace partrain::layers;

namespace {
template <class Net>
void set_parameter(Net& net, const std::string& name, std::vector<double> values) {
  bool found = false;
  net.for_each_parameter([&](const auto& p) {
    if (p.name != name) return;
    REQUIRE(p.value.size() == values.size());
    std::copy(values.begin(), values.end(), p.value.begin());
    found = true;
  });
  REQUIRE(found);
}
tensor<double> batch(dims d, std::vector<double> v) {
  tensor<double> t(d);
  REQUIRE(v.size() == t.size());
  std::copy(v.begin(), v.end(), t.data());
  return t;
}
template <int H, int W, int C>
using raw = image_input<H, W, C, normalization::none>;
}  // namespace

TEST_CASE("conv2d 'same' with an even filter pads bottom/right, as MATLAB") {
  with_element<network<raw<3, 3, 1>, conv2d<2, 1, same>>, double> net;
  set_parameter(net, "conv2d_1.weight", {1, 0, 0, -1});
  set_parameter(net, "conv2d_1.bias", {0.5});
  context ctx;
  auto x = batch({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const auto& y = net.forward(ctx, x, mode::inference);
  // y[i][j] = x[i][j] - x[i+1][j+1] + 0.5, zero beyond the bottom/right edge.
  const std::vector<double> want{1 - 5 + .5, 2 - 6 + .5, 3 + .5, 4 - 8 + .5, 5 - 9 + .5, 6 + .5, 7 + .5, 8 + .5, 9 + .5};
  for (int i = 0; i < 9; ++i) CHECK(y[i] == doctest::Approx(want[i]));
}

TEST_CASE("conv2d with stride 2 and explicit padding") {
  with_element<network<raw<4, 4, 1>, conv2d<3, 1, pad(1), 2>>, double> net;
  set_parameter(net, "conv2d_1.weight", {0, 0, 0, 0, 1, 0, 0, 0, 0});  // picks the centre
  set_parameter(net, "conv2d_1.bias", {0});
  context ctx;
  auto x = batch({1, 1, 4, 4}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
  const auto& y = net.forward(ctx, x, mode::inference);
  CHECK(y.extents() == dims{1, 1, 2, 2});
  CHECK(y[0] == 0);
  CHECK(y[1] == 2);
  CHECK(y[2] == 8);
  CHECK(y[3] == 10);
}

TEST_CASE("max and average pooling") {
  auto x = batch({1, 1, 4, 4}, {1, 5, 2, 0, 3, 4, 8, 1, 0, 0, -1, -2, 9, 0, -3, -4});
  context ctx;
  with_element<network<raw<4, 4, 1>, max_pool2d<2, 2>>, double> mx;
  const auto& m = mx.forward(ctx, x, mode::inference);
  CHECK(std::vector<double>(m.data(), m.data() + 4) == std::vector<double>{5, 8, 9, -1});
  with_element<network<raw<4, 4, 1>, avg_pool2d<2, 2>>, double> av;
  const auto& a = av.forward(ctx, x, mode::inference);
  CHECK(std::vector<double>(a.data(), a.data() + 4) == std::vector<double>{13 / 4.0, 11 / 4.0, 9 / 4.0, -10 / 4.0});
}

TEST_CASE("batch_norm uses batch statistics in training and moving ones at inference") {
  with_element<network<raw<1, 2, 1>, batch_norm>, double> net;
  context ctx;
  auto x = batch({2, 1, 1, 2}, {1, 2, 3, 4});
  const auto& y = net.forward(ctx, x, mode::training);
  const double sd = std::sqrt(1.25 + 1e-5);
  CHECK(y[0] == doctest::Approx(-1.5 / sd));
  CHECK(y[3] == doctest::Approx(1.5 / sd));
  std::map<std::string, double> st;
  net.for_each_state([&](const auto& s) { st[s.name] = s.value[0]; });
  CHECK(st["batch_norm_1.trained_mean"] == doctest::Approx(0.25));            // 0.9*0 + 0.1*2.5
  CHECK(st["batch_norm_1.trained_variance"] == doctest::Approx(0.9 + 0.1 * 5 / 3.0));  // unbiased
  const auto& z = net.forward(ctx, x, mode::inference);
  CHECK(z[0] == doctest::Approx((1 - 0.25) / std::sqrt(0.9 + 0.5 / 3 + 1e-5)));
}

TEST_CASE("relu, leaky_relu and softmax values") {
  context ctx;
  auto x = batch({1, 3, 1, 1}, {-2, 0, 3});
  with_element<network<raw<1, 1, 3>, relu>, double> r;
  const auto& y = r.forward(ctx, x, mode::inference);
  CHECK((y[0] == 0 && y[1] == 0 && y[2] == 3));
  with_element<network<raw<1, 1, 3>, leaky_relu<>>, double> l;
  CHECK(l.forward(ctx, x, mode::inference)[0] == doctest::Approx(-0.02));
  with_element<network<raw<1, 1, 3>, softmax>, double> s;
  auto logits = batch({1, 3, 1, 1}, {0, std::log(2.0), std::log(3.0)});
  const auto& p = s.forward(ctx, logits, mode::inference);
  CHECK(p[0] == doctest::Approx(1 / 6.0));
  CHECK(p[2] == doctest::Approx(3 / 6.0));
}

TEST_CASE("fully_connected computes W x + b and classification the cross-entropy") {
  with_element<network<raw<1, 1, 2>, fully_connected<2>, softmax, classification>, double> net;
  set_parameter(net, "fully_connected_1.weight", {1, 2, 3, 4});
  set_parameter(net, "fully_connected_1.bias", {0, -10});
  context ctx;
  auto x = batch({1, 2, 1, 1}, {1, 1});
  const auto& p = net.forward(ctx, x, mode::inference);  // logits 3 and -3
  CHECK(p[0] == doctest::Approx(1 / (1 + std::exp(-6.0))));
  const std::vector<int> label{1};
  CHECK(net.loss(ctx, label) == doctest::Approx(-std::log(1 / (1 + std::exp(6.0)))));
  CHECK(net.correct(ctx, label) == 0);
}

TEST_CASE("dropout zeroes about p of the values, scales the rest, and is off at inference") {
  with_element<network<raw<32, 32, 4>, dropout<1, 4>>, double> net(3);
  context ctx;
  tensor<double> x({2, 4, 32, 32});
  x.fill(1.0);
  const auto& y = net.forward(ctx, x, mode::training);
  int zeros = 0;
  for (double v : y.span()) {
    CHECK((v == 0 || v == doctest::Approx(4 / 3.0)));
    zeros += v == 0;
  }
  CHECK(double(zeros) / y.size() == doctest::Approx(0.25).epsilon(0.1));
  const auto& z = net.forward(ctx, x, mode::inference);
  for (double v : z.span()) REQUIRE(v == 1.0);
}

TEST_CASE("image_input zerocenter subtracts the mean image of the training data") {
  with_element<network<image_input<1, 2, 1>>, double> net;
  context ctx;
  net.reset_input_statistics();
  net.accumulate_input_statistics(batch({2, 1, 1, 2}, {0, 10, 2, 20}));
  net.finish_input_statistics();
  const auto& y = net.forward(ctx, batch({1, 1, 1, 2}, {1, 1}), mode::inference);
  CHECK(y[0] == 0);
  CHECK(y[1] == -14);
}

TEST_CASE("initial values: Glorot-uniform weights within bounds, zero biases, unit BN scale") {
  network<image_input<8, 8, 3>, conv2d<3, 16, same>, batch_norm, fully_connected<10>> net(5);
  net.for_each_parameter([&](const auto& p) {
    if (p.spec.init == initializer::glorot_uniform) {
      const double bound = std::sqrt(6.0 / (p.spec.fan_in + p.spec.fan_out));
      double lo = 1, hi = -1;
      for (float v : p.value) lo = std::min(lo, double(v)), hi = std::max(hi, double(v));
      CHECK(lo >= -bound);
      CHECK(hi <= bound);
      CHECK(hi - lo > bound);  // spread over the range, not constant
      CHECK(p.spec.l2);
    } else {
      CHECK_FALSE(p.spec.l2);
      for (float v : p.value) REQUIRE(v == (p.name.ends_with("scale") ? 1.0f : 0.0f));
    }
  });
}
