// Learn-rate schedules: none, piecewise (MATLAB), and the concept user schedules satisfy,
// with warm-up + cosine as an example of a user-written one.
#pragma once

#include <cmath>
#include <concepts>
#include <numbers>
#include <algorithm>
#include <string_view>

#include "partrain/core/error.hpp"

namespace partrain::schedule {

/// Where training is when a learn rate is asked for. epoch and iteration are 1-based.
struct point {
  int epoch = 1;
  int iteration = 1;
  int iterations_per_epoch = 1;
  int max_epochs = 1;
};

/// A schedule maps (initial learn rate, point) to the learn rate of that iteration.
template <class S>
concept learn_rate_schedule = requires(const S& s, double lr, point p) {
  { s(lr, p) } -> std::convertible_to<double>;
  { S::name } -> std::convertible_to<std::string_view>;
};

/// The initial learn rate throughout.
struct none {
  static constexpr std::string_view name = "none";
  double operator()(double initial, point) const { return initial; }
  void validate() const {}
};

/// Multiplies the learn rate by drop_factor every drop_period epochs (MATLAB 'piecewise').
struct piecewise {
  static constexpr std::string_view name = "piecewise";
  double drop_factor = 0.1;
  int drop_period = 10;
  double operator()(double initial, point p) const {
    return initial * std::pow(drop_factor, (p.epoch - 1) / drop_period);
  }
  void validate() const {
    PARTRAIN_CHECK(drop_factor >= 0 && drop_factor <= 1, config_error,
                   "[partrain::schedule::piecewise] drop_factor is ", drop_factor, "; expected a value in [0, 1]");
    PARTRAIN_CHECK(drop_period >= 1, config_error, "[partrain::schedule::piecewise] drop_period is ",
                   drop_period, "; expected at least 1 epoch");
  }
};

/// Linear warm-up over warmup_iterations, then cosine decay to final_fraction * initial
/// at the last iteration — an example of a schedule written outside the library's core.
struct warmup_cosine {
  static constexpr std::string_view name = "warmup_cosine";
  int warmup_iterations = 100;
  double final_fraction = 0.0;
  double operator()(double initial, point p) const {
    if (p.iteration <= warmup_iterations) return initial * p.iteration / warmup_iterations;
    const double total = double(p.max_epochs) * p.iterations_per_epoch - warmup_iterations;
    const double t = total > 0 ? (p.iteration - warmup_iterations) / total : 1;
    const double cosine = 0.5 * (1 + std::cos(std::numbers::pi * std::min(t, 1.0)));
    return initial * (final_fraction + (1 - final_fraction) * cosine);
  }
  void validate() const {
    PARTRAIN_CHECK(warmup_iterations >= 1, config_error, "[partrain::schedule::warmup_cosine] "
                   "warmup_iterations is ", warmup_iterations, "; expected at least 1");
  }
};

static_assert(learn_rate_schedule<none> && learn_rate_schedule<piecewise> && learn_rate_schedule<warmup_cosine>);

}  // namespace partrain::schedule
