// Learn-rate schedules, including a user-written one through the concept.
#include <doctest/doctest.h>

#include <string_view>

#include "partrain/partrain.hpp"

using namespace partrain;

TEST_CASE("none keeps the initial learn rate") {
  CHECK(schedule::none{}(0.01, {.epoch = 25}) == 0.01);
}

TEST_CASE("piecewise drops by 0.1 every 10 epochs by default") {
  schedule::piecewise s;
  CHECK(s(0.01, {.epoch = 1}) == doctest::Approx(0.01));
  CHECK(s(0.01, {.epoch = 10}) == doctest::Approx(0.01));
  CHECK(s(0.01, {.epoch = 11}) == doctest::Approx(0.001));
  CHECK(s(0.01, {.epoch = 21}) == doctest::Approx(0.0001));
  schedule::piecewise half{.drop_factor = 0.5, .drop_period = 2};
  CHECK(half(1.0, {.epoch = 5}) == doctest::Approx(0.25));
  CHECK_THROWS_AS((schedule::piecewise{.drop_period = 0}.validate()), config_error);
}

TEST_CASE("warmup_cosine warms up linearly, then decays to the final fraction") {
  schedule::warmup_cosine s{.warmup_iterations = 10, .final_fraction = 0.1};
  const schedule::point base{.iterations_per_epoch = 10, .max_epochs = 3};  // 30 iterations
  auto at = [&](int it) { auto p = base; p.iteration = it; return s(1.0, p); };
  CHECK(at(5) == doctest::Approx(0.5));
  CHECK(at(10) == doctest::Approx(1.0));
  CHECK(at(20) == doctest::Approx(0.1 + 0.9 * 0.5));  // half-way through the decay
  CHECK(at(30) == doctest::Approx(0.1));
}

namespace {
// A user's schedule: halve every 100 iterations.
struct halving {
  static constexpr std::string_view name = "halving";
  static constexpr auto hyperparameters() { return std::tuple{}; }  // none: no field to save
  double operator()(double initial, schedule::point p) const { return initial / (1 << ((p.iteration - 1) / 100)); }
  void validate() const {}
};
}  // namespace

TEST_CASE("a user-written schedule plugs into training_options") {
  static_assert(schedule::learn_rate_schedule<halving>);
  training_options<optim::adam, halving> opts{.max_epochs = 2};
  CHECK(opts.initial_learn_rate == 0.001);  // adam's default
  CHECK(opts.learn_rate_schedule(1.0, {.iteration = 250}) == 0.25);
  CHECK_NOTHROW(opts.validate());
}
