// What train_network records: MATLAB's trainingInfo, one entry per iteration.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace partrain {

/// Why a training run ended.
/// failed: a hook threw — output_fn, say (train_network then throws training_error with the
/// run so far); hook: a hook asked to stop (training_info::stop_message says why);
/// interrupted: SIGTERM, Ctrl-C or request_interrupt() — the run wrote a checkpoint to
/// resume from, when it has a checkpoint_path.
enum class stop_reason { max_epochs, validation_patience, output_fn, diverged, cancelled, failed, hook, interrupted };

inline std::string_view to_string(stop_reason r) {
  switch (r) {
    case stop_reason::max_epochs: return "max_epochs";
    case stop_reason::validation_patience: return "validation_patience";
    case stop_reason::output_fn: return "output_fn";
    case stop_reason::diverged: return "diverged";
    case stop_reason::cancelled: return "cancelled";
    case stop_reason::failed: return "failed";
    case stop_reason::hook: return "hook";
    case stop_reason::interrupted: return "interrupted";
  }
  return "unknown";
}

/// Per-iteration history of one training run. Accuracies are in percent (0-100) as in
/// MATLAB; validation entries are NaN at iterations where no validation ran.
struct training_info {
  static constexpr double nan = std::numeric_limits<double>::quiet_NaN();

  std::vector<double> training_loss;
  std::vector<double> training_accuracy;
  std::vector<double> validation_loss;
  std::vector<double> validation_accuracy;
  std::vector<double> base_learn_rate;
  std::vector<int> epoch;  ///< 1-based epoch of each iteration
  int iterations_per_epoch = 0;

  double final_validation_loss = nan;
  double final_validation_accuracy = nan;
  int output_network_iteration = 0;  ///< 1-based iteration whose weights were returned
  partrain::stop_reason stop_reason = partrain::stop_reason::max_epochs;
  /// Why the run stopped, in words, with what to try when it diverged.
  std::string stop_message;
  int diverged_iteration = 0;  ///< the 1-based iteration whose loss was not finite; 0: none
  double wall_seconds = 0;
  /// What went wrong without stopping the run (a checkpoint that could not be written), in order.
  std::vector<std::string> warnings;
  /// Files left out of their batches as unreadable (stream_options::skip_bad_files), once
  /// each time one was left out, in order; each also has a warning.
  std::vector<std::string> skipped_files;

  int iterations() const { return int(training_loss.size()); }
};

}  // namespace partrain
