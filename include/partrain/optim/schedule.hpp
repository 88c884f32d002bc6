// Learn-rate schedules: none, piecewise (MATLAB), and warm-up + cosine as an example of a
// user-written one (the contract they meet: learn_rate_schedule in partrain/contracts.hpp).
#pragma once

#include <cmath>
#include <concepts>
#include <numbers>
#include <algorithm>
#include <string_view>

#include "partrain/optim/contracts.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/hyperparameters.hpp"

namespace partrain::schedule {

/// The initial learn rate throughout.
struct none {
  static constexpr std::string_view name = "none";
  double operator()(double initial, point) const { return initial; }
  static constexpr auto hyperparameters() { return std::tuple{}; }
  void validate() const {}
};

/// Multiplies the learn rate by drop_factor every drop_period epochs (MATLAB 'piecewise').
struct piecewise {
  static constexpr std::string_view name = "piecewise";
  double drop_factor = 0.1;
  int drop_period = 10;
  /// Saved under MATLAB's names (LearnRateDropFactor, LearnRateDropPeriod).
  static constexpr auto hyperparameters() {
    return std::tuple{hyperparameter{"learn_rate_drop_factor", &piecewise::drop_factor},
                      hyperparameter{"learn_rate_drop_period", &piecewise::drop_period}};
  }
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
  static constexpr auto hyperparameters() {
    return std::tuple{hyperparameter{"warmup_iterations", &warmup_cosine::warmup_iterations},
                      hyperparameter{"final_fraction", &warmup_cosine::final_fraction}};
  }
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

static_assert(describes_every_field<none>() && describes_every_field<piecewise>() &&
              describes_every_field<warmup_cosine>());

}  // namespace partrain::schedule
