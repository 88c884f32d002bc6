// Optimizer updates against values computed independently (Python, double) for 3 steps,
// L2 regularization that spares biases and batch-norm parameters, and each clipping method.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <vector>

#include "partrain/partrain.hpp"

using namespace partrain;
using namespace partrain::layers;

namespace {
// One weight and one bias: params = {w, b}.
using scalar_net = with_element<network<image_input<1, 1, 1, normalization::none>, fully_connected<1>>, double>;

template <class Solver>
std::array<double, 3> run(const Solver& solver) {
  scalar_net net;
  net.parameters()[0] = 1.0;
  typename Solver::template state<scalar_net> state;
  context ctx;
  std::array<double, 3> w{};
  const double g[3] = {0.5, -1.0, 2.0};
  for (int t = 0; t < 3; ++t) {
    net.gradients()[0] = g[t];
    net.gradients()[1] = 0;
    solver.step(ctx, state, net.parameters(), net.gradients(), 0.1);
    w[t] = net.parameters()[0];
  }
  return w;
}
}  // namespace

TEST_CASE("sgdm: v = 0.9 v - lr g; w += v") {
  const auto w = run(optim::sgdm{});
  CHECK(w[0] == doctest::Approx(0.95).epsilon(1e-12));
  CHECK(w[1] == doctest::Approx(1.005).epsilon(1e-12));
  CHECK(w[2] == doctest::Approx(0.8545).epsilon(1e-12));
}

TEST_CASE("adam with bias correction and MATLAB defaults") {
  const auto w = run(optim::adam{});
  CHECK(w[0] == doctest::Approx(0.900000002).epsilon(1e-12));
  CHECK(w[1] == doctest::Approx(0.9366103542405654).epsilon(1e-12));
  CHECK(w[2] == doctest::Approx(0.8946447927181046).epsilon(1e-12));
}

TEST_CASE("rmsprop with MATLAB defaults") {
  const auto w = run(optim::rmsprop{});
  CHECK(w[0] == doctest::Approx(0.6837722539831608).epsilon(1e-12));
  CHECK(w[1] == doctest::Approx(0.9694865315341814).epsilon(1e-12));
  CHECK(w[2] == doctest::Approx(0.6894991346033923).epsilon(1e-12));
}

TEST_CASE_TEMPLATE("a solver's cancel flag: clear, the plain update; set, weights and state stay as they are", Solver,
                   optim::sgdm, optim::adam, optim::rmsprop) {
  // train_network's flag on a GPU, set there when a loss diverges; here in host memory.
  auto state_values = [](const auto& s) {
    std::vector<double> out;
    auto add = [&](const auto& t) { out.insert(out.end(), t.data(), t.data() + t.size()); };
    if constexpr (requires { s.velocity; }) add(s.velocity);
    if constexpr (requires { s.m; }) add(s.m);
    if constexpr (requires { s.v; }) add(s.v);
    return out;
  };
  const auto plain = run(Solver{});
  scalar_net net;
  net.parameters()[0] = 1.0;
  typename Solver::template state<scalar_net> state;
  context ctx;
  int cancel = 0;
  const double g[3] = {0.5, -1.0, 2.0};
  std::vector<double> before;
  for (int t = 0; t < 3; ++t) {
    if (t == 1) cancel = 1, before = state_values(state);
    net.gradients()[0] = g[t];
    net.gradients()[1] = 0;
    Solver{}.step(ctx, state, net.parameters(), net.gradients(), 0.1, &cancel);
    CHECK(net.parameters()[0] == plain[0]);  // step 1 (flag clear) as plain; steps 2 and 3 cancelled
  }
  CHECK(state_values(state) == before);
  CHECK(state_values(state).size() > 0);
}

TEST_CASE("L2 regularization applies to weights only, not biases or batch-norm scale/offset") {
  with_element<network<image_input<2, 2, 1, normalization::none>, conv2d<1, 2>, batch_norm, fully_connected<2>>, double> net(3);
  for (auto& v : net.parameters()) v = 2.0;
  for (auto& g : net.gradients()) g = 1.0;
  optim::add_l2_regularization(net, 0.5);
  net.for_each_parameter([](const auto& p) {
    const double want = p.name.ends_with(".weight") ? 2.0 : 1.0;  // 1 + 0.5 * 2 for weights
    for (double g : p.gradient) REQUIRE(g == want);
  });
}

TEST_CASE("gradient clipping: l2norm per parameter, global_l2norm, absolute_value") {
  scalar_net net;  // weight gradient 3, bias gradient 4: global norm 5
  auto reset = [&] { net.gradients()[0] = 3, net.gradients()[1] = 4; };
  reset();
  optim::clip_gradients(net, 2.0, optim::gradient_threshold_method::l2norm);
  CHECK(net.gradients()[0] == doctest::Approx(2));   // |3| > 2: scaled to norm 2
  CHECK(net.gradients()[1] == doctest::Approx(2));   // |4| > 2
  reset();
  optim::clip_gradients(net, 3.5, optim::gradient_threshold_method::l2norm);
  CHECK(net.gradients()[0] == 3);                    // below the threshold: untouched
  CHECK(net.gradients()[1] == doctest::Approx(3.5));
  reset();
  optim::clip_gradients(net, 2.5, optim::gradient_threshold_method::global_l2norm);
  CHECK(net.gradients()[0] == doctest::Approx(1.5));  // scaled by 2.5 / 5
  CHECK(net.gradients()[1] == doctest::Approx(2.0));
  reset();
  optim::clip_gradients(net, 3.5, optim::gradient_threshold_method::absolute_value);
  CHECK(net.gradients()[0] == 3);
  CHECK(net.gradients()[1] == 3.5);
  reset();
  optim::clip_gradients(net, std::numeric_limits<double>::infinity(), optim::gradient_threshold_method::global_l2norm);
  CHECK(net.gradients()[1] == 4);
}

TEST_CASE("optimizer hyper-parameters are validated") {
  CHECK_THROWS_WITH_AS(optim::sgdm{.momentum = 1.0}.validate(),
                       "[partrain::optim::sgdm] momentum is 1; expected a value in [0, 1)", config_error);
  CHECK_THROWS_AS(optim::adam{.epsilon = 0}.validate(), config_error);
  CHECK_THROWS_AS(optim::rmsprop{.squared_gradient_decay_factor = -0.1}.validate(), config_error);
}
