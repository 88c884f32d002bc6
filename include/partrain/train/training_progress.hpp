// The per-iteration message given to output_fn and sent over channels (MATLAB's OutputFcn info).
#pragma once

#include <limits>
#include <string>

namespace partrain {

/// When the message was sent: before the first iteration, after each one, at the end, or
/// when the run failed (output_fn threw; the message carries the last iteration's figures).
enum class training_state { start, iteration, done, failed };

/// One progress report of one training run. Validation fields are NaN when this
/// iteration was not validated; accuracies are in percent. The done message carries the
/// final validation figures (training_info::final_validation_*, after population
/// statistics), not the last in-training ones.
struct training_progress {
  static constexpr double nan = std::numeric_limits<double>::quiet_NaN();

  int trial = 0;              ///< index of the trial in its sweep (set by the caller)
  std::string network_name;  ///< short description of the architecture
  training_state state = training_state::start;
  int epoch = 0;  ///< 1-based
  int iteration = 0;
  int iterations_per_epoch = 0;
  int max_iterations = 0;
  double training_loss = nan;
  double training_accuracy = nan;
  double validation_loss = nan;
  double validation_accuracy = nan;
  double base_learn_rate = nan;
  double elapsed_seconds = 0;
  double images_per_second = 0;
  /// A problem raised since the previous message that did not stop the run (a checkpoint
  /// that could not be written); empty when none. Also in training_info::warnings.
  std::string warning{};
};

}  // namespace partrain
