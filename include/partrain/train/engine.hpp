// The training engine: the part of a training run that does not depend on the network's
// type — the epoch and iteration loop, the stop state, hook dispatch, the history, the
// divergence rule, checkpoint timing, the GPU's queue of iterations, and finishing. It
// drives a training_model (the typed part); training_run<Net, ...> puts the two together.
// docs/architecture.md draws the phases.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>
#include "partrain/config.hpp"
#include "partrain/backend/context.hpp"
#include "partrain/backend/metrics_queue.hpp"
#include "partrain/backend/step_graph.hpp"
#include "partrain/core/buffer.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/interrupt.hpp"
#include "partrain/core/random.hpp"
#include "partrain/train/best_network.hpp"
#include "partrain/train/reporting_hooks.hpp"
#include "partrain/train/run_hooks.hpp"
#include "partrain/train/run_preparation.hpp"
#include "partrain/train/run_settings.hpp"
#include "partrain/train/run_snapshot.hpp"
#include "partrain/train/run_state.hpp"
#include "partrain/train/run_stop.hpp"
#include "partrain/train/trained.hpp"
#include "partrain/train/training_info.hpp"
#include "partrain/train/training_model.hpp"
#include "partrain/train/training_progress.hpp"

namespace partrain::detail {
// Its layout differs between nvcc and g++ builds, as the context's does.
inline namespace PARTRAIN_ABI_NAMESPACE {
inline namespace PARTRAIN_MODE_NAMESPACE {

/// One run of the model over n training images, by the settings: prepare (constructor),
/// run() (start, epochs, finish), or resume() before run(). See training_run for when a
/// run stops and what it returns.
class training_engine {
  using clock = std::chrono::steady_clock;

 public:
  /// `started`: when the run began (after its options and data were checked, before its
  /// network and batches were made).
  training_engine(training_model& model, run_settings settings, context& ctx, std::size_t n,
                  clock::time_point started);
  ~training_engine();  // out of line: its members' destructors are compiled with the engine
  training_engine(const training_engine&) = delete;
  training_engine& operator=(const training_engine&) = delete;

  run_hooks& hooks() { return hooks_; }
  const training_info& info() const { return info_; }
  int iteration() const { return iteration_; }
  clock::time_point started() const { return start_; }
  /// Whether a validation's network is kept (output_network best_validation_loss) and is.
  bool has_best_network() const { return best_.has_network(); }

  /// Throws when run() or resume() was called before (warm_start and resume come first).
  void check_not_started(const char* what) const;

  /// Runs every phase; the history is then info(). Throws training_error, with the run so
  /// far, when a hook failed. Once.
  void run();
  /// The history, moved out after run().
  training_info take_info() { return std::move(info_); }

  /// Whether a checkpoint's position fits this run (before resume()): config_error when it
  /// has another epoch length or data size, or max_epochs is below its epoch.
  void check_position(const run_position& p) const;
  /// Continues from a checkpoint's position instead of starting (before run(); check_position
  /// first). The caller restores the network, the solver and the best network.
  void resume(run_position&& p);
  /// The run's whole state by name, for a checkpoint (nothing is queued on a device at a
  /// checkpoint event, so it is whole).
  run_snapshot snapshot() const;
  /// Continues from a checkpoint's snapshot (read from `folder`) instead of starting: its
  /// position is checked first, so a refused one changes nothing; then the model takes its
  /// tensors back (io_error naming a tensor that does not fit), then resume(position).
  void restore(run_snapshot&& s, const std::string& folder);
  /// Where the run is (all but the network's own random step), for a checkpoint.
  run_position position() const;

 private:
  // An iteration queued on the device whose loss has not been read yet.
  struct pending {
    int epoch, iteration;
    double learn_rate;
    bool validate;
    int images;  // in its batch: fewer when unreadable ones were left out
  };

  // What the hooks answer goes to take().
  auto answer() {
    return [this](hook_result& r) { take(r); };
  }
  // A run that does not resume: input statistics, the first shuffle.
  void first_start();
  // On a GPU everything runs on the worker's stream, and losses are read back a few
  // iterations late (metrics_queue). A non-finite one sets the flag on the device, which
  // cancels every update queued behind it: the network stays as it was before the diverged
  // iteration, as on the CPU.
  void to_device();
  // The start hooks; a resumed run's first message says where it resumes.
  void start();

  bool run_epoch(int epoch);
  bool checkpoint_due(int epoch, bool epoch_end) const;
  void checkpoint(int epoch, bool interrupted);
  void step(int epoch, int b);
  void drain(bool all);
  void end_of_iteration(const pending& p);
  void validate(int iteration);
  void take(hook_result& r);
  void left_out(std::span<const data::dropped_image> dropped, const char* where);
  void finish();
  void complete_run(int done);
  double elapsed() const { return std::chrono::duration<double>(clock::now() - start_).count(); }

  training_model& model_;
  run_settings settings_;
  context& ctx_;
  std::size_t n_, batch_;
  clock::time_point start_;
  training_info info_;
  backend::metrics_queue metrics_;
  backend::step_graph graph_;
  buffer<int> diverged_flag_;
  random_engine shuffle_rng_;
  std::vector<std::size_t> order_;
  int per_epoch_ = 0, max_iterations_ = 0;
  bool on_device_ = false, replay_ = false;
  run_hooks hooks_;
  training_progress progress_;
  run_stop stop_;
  bool ran_ = false, resumed_ = false;
  std::string pending_warning_;
  std::deque<pending> queued_;
  best_record best_;
  int iteration_ = 0, diverged_at_ = 0;
  // Resuming: the first epoch's first batch; the iteration of the last checkpoint.
  int start_batch_ = 0, checkpointed_at_ = 0;
  int steps_here_ = 0;  // steps this run took (a resumed one counts from its resume)
  int announced_first_ = 0;  // the epoch's first batch announced to the model (a resume's)
};

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace partrain::detail

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/train/impl/engine.ipp"
#endif
