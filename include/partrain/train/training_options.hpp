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

#include "partrain/optim/contracts.hpp"
#include "partrain/core/error.hpp"
#include "partrain/data/source_view.hpp"
#include "partrain/optim.hpp"
#include "partrain/train/options_record.hpp"
#include "partrain/train/training_progress.hpp"

namespace partrain {

enum class shuffle_mode { once, never, every_epoch };
enum class output_network_mode { last_iteration, best_validation_loss };
enum class execution_environment { auto_select, cpu, gpu };
/// How batch-norm layers get the statistics they use after training: recomputed over the
/// whole training set (population, MATLAB's default) or the moving averages of training.
enum class batch_norm_statistics { population, moving };
/// What checkpoint_frequency counts (MATLAB's CheckpointFrequencyUnit).
enum class checkpoint_unit { epoch, iteration };

inline constexpr std::string_view to_string(shuffle_mode s) {
  return s == shuffle_mode::once ? "once" : s == shuffle_mode::never ? "never" : "every_epoch";
}
inline constexpr std::string_view to_string(output_network_mode m) {
  return m == output_network_mode::last_iteration ? "last_iteration" : "best_validation_loss";
}
inline constexpr std::string_view to_string(batch_norm_statistics b) {
  return b == batch_norm_statistics::population ? "population" : "moving";
}
inline constexpr std::string_view to_string(checkpoint_unit u) {
  return u == checkpoint_unit::epoch ? "epoch" : "iteration";
}
inline constexpr std::string_view to_string(execution_environment e) {
  return e == execution_environment::auto_select ? "auto" : e == execution_environment::cpu ? "cpu" : "gpu";
}

/// Everything train_network needs besides the data. Solver and Schedule are types (their
/// hyper-parameters are the fields `solver` and `learn_rate_schedule`); defaults are MATLAB's.
template <class Solver = optim::sgdm, class Schedule = schedule::none>
struct training_options {
  static_assert(check_schedule<Schedule>());
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
  /// Empty: no checkpoints; else a checkpoint folder every checkpoint_frequency epochs or
  /// iterations in this folder (created if needed; checked before training: a folder that
  /// cannot be written is a config_error), and one when the run is interrupted (SIGTERM,
  /// Ctrl-C). A checkpoint that fails later is a warning (verbose table, progress,
  /// training_info), not the run's end.
  std::filesystem::path checkpoint_path{};
  int checkpoint_frequency = 1;
  checkpoint_unit checkpoint_frequency_unit = checkpoint_unit::epoch;
  /// The run's last K checkpoints stay, and the one of the lowest validation loss; 0: all.
  int checkpoints_to_keep = 0;
  /// A checkpoint folder (or a checkpoint_path folder: its latest checkpoint) to continue
  /// from, bit for bit on the CPU. May differ from the checkpoint's: max_epochs, verbose,
  /// verbose_frequency, output_fn, execution_environment, cuda_graphs and the checkpoint
  /// settings; the rest must not (config_error names the option and both values).
  std::filesystem::path resume_from{};
  /// On resume, let initial_learn_rate differ from the checkpoint's (the run continues
  /// with the new one).
  bool resume_with_new_learn_rate = false;
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
    if constexpr (requires { solver.chosen_default_learn_rate(); })
      check(!std::isnan(initial_learn_rate), "initial_learn_rate is not set; a solver_choice has none by default "
            "(set it: e.g. ", solver.chosen_default_learn_rate(), ", the default of the chosen '",
            solver.chosen_name(), "')");
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
    check(checkpoint_frequency >= 1, "checkpoint_frequency is ", checkpoint_frequency, "; expected at least 1");
    check(checkpoints_to_keep >= 0, "checkpoints_to_keep is ", checkpoints_to_keep,
          "; expected 0 (keep every checkpoint) or more");
    solver.validate();
    learn_rate_schedule.validate();
  }
};

/// The options as data, for trained<Net>::options and experiment folders: every number and
/// mode, then the solver's and the schedule's hyper-parameters (each listed by the type
/// itself, so none is left out). Not data, recorded by what they were: validation_data as
/// its image count (null: none), output_fn and verbose_stream as whether they are set.
template <class Solver, class Schedule>
options_record record_options(const training_options<Solver, Schedule>& o) {
  options_record r;
  r.add("solver", solver_name(o.solver));
  r.add("learn_rate_schedule", Schedule::name);
  r.add("initial_learn_rate", o.initial_learn_rate);
  r.add("max_epochs", o.max_epochs);
  r.add("mini_batch_size", o.mini_batch_size);
  r.add("shuffle", to_string(o.shuffle));
  r.add("l2_regularization", o.l2_regularization);
  r.add("gradient_threshold", o.gradient_threshold);
  r.add("gradient_threshold_method", optim::to_string(o.gradient_threshold_method));
  if (o.validation_data) r.add("validation_images", std::uint64_t(o.validation_data.size()));
  else r.add("validation_images", std::monostate{});
  r.add("validation_frequency", o.validation_frequency);
  r.add("validation_patience", o.validation_patience);
  r.add("output_network", to_string(o.output_network));
  r.add("batch_normalization_statistics", to_string(o.batch_normalization_statistics));
  r.add("verbose", o.verbose);
  r.add("verbose_frequency", o.verbose_frequency);
  r.add("execution_environment", to_string(o.execution_environment));
  r.add("cuda_graphs", o.cuda_graphs);
  r.add("checkpoint_path", std::string_view(o.checkpoint_path.native()));
  r.add("checkpoint_frequency", o.checkpoint_frequency);
  r.add("checkpoint_frequency_unit", to_string(o.checkpoint_frequency_unit));
  r.add("checkpoints_to_keep", o.checkpoints_to_keep);
  r.add("resume_from", std::string_view(o.resume_from.native()));
  r.add("resume_with_new_learn_rate", o.resume_with_new_learn_rate);
  r.add("seed", o.seed);
  r.add("output_fn", bool(o.output_fn));
  const auto add = [&r](std::string_view name, const auto& v) { r.add(std::string(name), v); };
  for_each_hyperparameter(o.solver, add);
  for_each_hyperparameter(o.learn_rate_schedule, add);
  return r;
}

}  // namespace partrain
