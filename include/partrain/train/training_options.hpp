// training_options<Solver, Schedule>: MATLAB's trainingOptions as a typed aggregate, set
// with designated initializers: training_options<optim::adam>{.max_epochs = 10}.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iostream>
#include <limits>
#include <string_view>

#include "partrain/core/error.hpp"
#include "partrain/data/source_view.hpp"
#include "partrain/optim.hpp"
#include "partrain/train/training_progress.hpp"

namespace partrain {

enum class shuffle_mode { once, never, every_epoch };
enum class output_network_mode { last_iteration, best_validation_loss };
enum class execution_environment { auto_select, cpu, gpu };
/// How batch-norm layers get the statistics they use after training: recomputed over the
/// whole training set (population, MATLAB's default) or the moving averages of training.
enum class batch_norm_statistics { population, moving };

inline constexpr std::string_view to_string(shuffle_mode s) {
  return s == shuffle_mode::once ? "once" : s == shuffle_mode::never ? "never" : "every_epoch";
}
inline constexpr std::string_view to_string(output_network_mode m) {
  return m == output_network_mode::last_iteration ? "last_iteration" : "best_validation_loss";
}
inline constexpr std::string_view to_string(batch_norm_statistics b) {
  return b == batch_norm_statistics::population ? "population" : "moving";
}
inline constexpr std::string_view to_string(execution_environment e) {
  return e == execution_environment::auto_select ? "auto" : e == execution_environment::cpu ? "cpu" : "gpu";
}

/// Everything train_network needs besides the data. Solver and Schedule are types (their
/// hyper-parameters are the fields `solver` and `learn_rate_schedule`); defaults are MATLAB's.
template <class Solver = optim::sgdm, schedule::learn_rate_schedule Schedule = schedule::none>
struct training_options {
  using solver_type = Solver;
  using schedule_type = Schedule;
  static constexpr double infinity = std::numeric_limits<double>::infinity();

  Solver solver{};
  Schedule learn_rate_schedule{};
  double initial_learn_rate = Solver::default_learn_rate;
  int max_epochs = 30;
  int mini_batch_size = 128;  ///< the last partial mini-batch of an epoch is dropped
  shuffle_mode shuffle = shuffle_mode::once;
  double l2_regularization = 1e-4;
  double gradient_threshold = infinity;
  optim::gradient_threshold_method gradient_threshold_method = optim::gradient_threshold_method::l2norm;
  data::source_view validation_data{};
  int validation_frequency = 50;               ///< in iterations
  double validation_patience = infinity;       ///< validations without a new best loss
  output_network_mode output_network = output_network_mode::last_iteration;
  batch_norm_statistics batch_normalization_statistics = batch_norm_statistics::population;
  bool verbose = true;
  int verbose_frequency = 50;                  ///< in iterations
  std::ostream* verbose_stream = &std::cout;
  partrain::execution_environment execution_environment = partrain::execution_environment::auto_select;
  /// On a GPU, record forward and backward once as a CUDA graph and replay it each step (the
  /// update is one launch after it). Networks with dropout, and norm-based gradient
  /// clipping, which reads norms back, run as plain launches.
  bool cuda_graphs = true;
  std::filesystem::path checkpoint_path{};     ///< empty: no checkpoints; else one per epoch
  std::uint64_t seed = 0;                      ///< weights, shuffling and dropout draw from it
  /// Called at start, after every iteration and when done; returning true stops training.
  /// On a GPU iterations are reported up to 8 late: those already queued when it returns
  /// true still run and are in the history, without further calls. If it throws, the run
  /// ends: it is called once more with state failed (what it throws then is ignored) and
  /// train_network throws training_error with the run so far.
  std::function<bool(const training_progress&)> output_fn{};

  /// Throws config_error naming the first invalid option.
  void validate() const {
    auto check = [](bool ok, auto&&... what) {
      if (!ok) fail<config_error>("[partrain::training_options] ", what...);
    };
    check(max_epochs >= 1, "max_epochs is ", max_epochs, "; expected at least 1");
    check(mini_batch_size >= 1, "mini_batch_size is ", mini_batch_size, "; expected at least 1");
    check(std::isfinite(initial_learn_rate) && initial_learn_rate > 0, "initial_learn_rate is ",
          initial_learn_rate, "; expected a positive number");
    check(l2_regularization >= 0 && std::isfinite(l2_regularization), "l2_regularization is ",
          l2_regularization, "; expected a non-negative number");
    check(gradient_threshold > 0, "gradient_threshold is ", gradient_threshold,
          "; expected a positive number (or infinity for no clipping)");
    check(validation_frequency >= 1, "validation_frequency is ", validation_frequency, "; expected at least 1");
    check(verbose_frequency >= 1, "verbose_frequency is ", verbose_frequency, "; expected at least 1");
    check(validation_patience >= 1, "validation_patience is ", validation_patience,
          "; expected at least 1 (or infinity)");
    check(!(std::isfinite(validation_patience) && !validation_data),
          "validation_patience is ", validation_patience, " but no validation_data is given; "
          "set validation_data or leave validation_patience at infinity");
    check(!(output_network == output_network_mode::best_validation_loss && !validation_data),
          "output_network is best_validation_loss but no validation_data is given");
    check(!(verbose && verbose_stream == nullptr), "verbose is on but verbose_stream is null");
    solver.validate();
    learn_rate_schedule.validate();
  }
};

}  // namespace partrain
