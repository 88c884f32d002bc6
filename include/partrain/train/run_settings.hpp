// What the training engine reads of training_options<Solver, Schedule>: every setting that
// shapes the run but not the numbers of a step, with the learn-rate schedule erased.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "partrain/optim/contracts.hpp"
#include "partrain/train/reporting_hooks.hpp"
#include "partrain/train/training_options.hpp"

namespace partrain::detail {

/// The options of one run, as the engine (not the typed model) uses them.
struct run_settings {
  int max_epochs = 1;
  std::size_t mini_batch_size = 1;
  shuffle_mode shuffle = shuffle_mode::once;
  bool validates = false;  ///< validation_data is set
  int validation_frequency = 1;
  bool keep_best = false;  ///< output_network is best_validation_loss
  bool population_statistics = true;
  checkpoint_unit checkpoint_frequency_unit = checkpoint_unit::epoch;
  int checkpoint_frequency = 1;
  /// On a GPU, steps may be recorded as a CUDA graph (cuda_graphs, and no norm-based clipping,
  /// which reads norms back).
  bool graphs_allowed = false;
  std::uint64_t seed = 0;
  stop_context quoted;  ///< what stop messages quote (max_epochs, patience, learn rate)
  /// The learn rate of a step: the schedule applied to initial_learn_rate.
  std::function<double(schedule::point)> learn_rate;
};

/// The settings of `options`, read now (the schedule copied).
template <class Solver, class Schedule>
run_settings settings_of(const training_options<Solver, Schedule>& options) {
  run_settings s;
  s.max_epochs = options.max_epochs;
  s.mini_batch_size = std::size_t(options.mini_batch_size);
  s.shuffle = options.shuffle;
  s.validates = bool(options.validation_data);
  s.validation_frequency = options.validation_frequency;
  s.keep_best = options.output_network == output_network_mode::best_validation_loss;
  s.population_statistics = options.batch_normalization_statistics == batch_norm_statistics::population;
  s.checkpoint_frequency_unit = options.checkpoint_frequency_unit;
  s.checkpoint_frequency = options.checkpoint_frequency;
  s.graphs_allowed = options.cuda_graphs && (!std::isfinite(options.gradient_threshold) ||
                                             options.gradient_threshold_method ==
                                                 optim::gradient_threshold_method::absolute_value);
  s.seed = options.seed;
  s.quoted.max_epochs = options.max_epochs;
  s.quoted.validation_patience = options.validation_patience;
  s.quoted.initial_learn_rate = options.initial_learn_rate;
  s.learn_rate = [rate = options.learn_rate_schedule, initial = options.initial_learn_rate](schedule::point p) {
    return double(rate(initial, p));
  };
  return s;
}

}  // namespace partrain::detail
