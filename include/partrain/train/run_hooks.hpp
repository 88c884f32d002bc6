// The typed hooks of a training run: what a run tells the code watching it at start, after
// every iteration, after every validation, at the end of every epoch and when it finishes,
// and how such code asks the run to stop. Not templates: a hook is compiled once, whatever
// the network, and may be written by a user (see docs/guide.md, "Hooks").
#pragma once

#include <deque>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/train/training_info.hpp"
#include "partrain/train/training_progress.hpp"

namespace partrain {

/// A hook's request to end the run: why and, in words, what training_info::stop_message
/// says. A hook stops with stop_reason::hook, output_fn or validation_patience (other
/// reasons are the run's own: it records them as hook). Iterations already queued on a GPU
/// still finish and are recorded.
struct stop_request {
  stop_reason reason = stop_reason::hook;
  std::string message;
  std::exception_ptr cause;  ///< failed: what the hook threw
};

/// What a hook answers: carry on (the default), stop, and/or a warning for the verbose
/// output, the next progress message (training_progress::warning) and training_info::warnings.
struct hook_result {
  std::optional<stop_request> stop;
  std::string warning;

  static hook_result carry_on() { return {}; }
  static hook_result stop_run(stop_reason reason, std::string message = {}) {
    return {stop_request{reason, std::move(message), nullptr}, {}};
  }
  static hook_result warn(std::string message) { return {std::nullopt, std::move(message)}; }
};

/// Before the first iteration: the run's first progress message.
struct start_event {
  training_progress& progress;
};
/// After an iteration was recorded (and validated, when it was due): its progress message,
/// whether it was validated, whether the run is stopping, and whether it was already
/// stopping before this iteration (an iteration a GPU had queued behind a stop).
struct iteration_event {
  training_progress& progress;
  bool validated = false;
  bool stopping = false;
  bool stopped_before = false;
};
/// After a validation: the iteration's progress message with its validation figures.
struct validation_event {
  const training_progress& progress;
  bool new_best = false;  ///< the lowest validation loss so far
  int validations_without_improvement = 0;  ///< in a row, up to this one; 0 at a new best
};
/// After the last iteration of an epoch finished (also when the run stops in it).
struct epoch_event {
  int epoch = 0, iteration = 0;
  bool stopping = false;
  stop_reason stop = stop_reason::max_epochs;
};
/// A checkpoint is due: after `iteration` (and its epoch's end when it was the epoch's last),
/// with nothing queued on a device, so the run's state is whole. `interrupted`: the run
/// stops after it (a signal or request_interrupt), else the schedule asked for it.
struct checkpoint_event {
  int epoch = 0, iteration = 0;
  bool interrupted = false;
};
/// The run's end: its last progress message, why it stopped and the history.
struct finish_event {
  training_progress& progress;
  stop_reason stop = stop_reason::max_epochs;
  const std::string& message;
  const training_info& info;
};

inline namespace PARTRAIN_MODE_NAMESPACE {

/// The hooks of one run, called in the order they were added. A hook that throws stops the
/// run as failed (training_error names it), and is not called again; what a finish hook
/// throws is ignored. A hook may add hooks (they are called from the next event on).
class run_hooks {
 public:
  template <class Event>
  using hook = std::function<hook_result(const Event&)>;

  void on_start(std::string name, hook<start_event> f) { add(start_, std::move(name), std::move(f)); }
  void on_iteration(std::string name, hook<iteration_event> f) { add(iteration_, std::move(name), std::move(f)); }
  void on_validation(std::string name, hook<validation_event> f) { add(validation_, std::move(name), std::move(f)); }
  void on_epoch_end(std::string name, hook<epoch_event> f) { add(epoch_end_, std::move(name), std::move(f)); }
  void on_checkpoint(std::string name, hook<checkpoint_event> f) { add(checkpoint_, std::move(name), std::move(f)); }
  bool has_checkpoint_hooks() const { return !checkpoint_.empty(); }
  /// Finish hooks cannot stop anything; what they throw is ignored.
  void on_finish(std::string name, std::function<void(const finish_event&)> f) {
    if (f) finish_.push_back({std::move(name), std::move(f)});
  }

  /// Calls every hook of the event's kind with it; `answer` gets each hook's result. A hook
  /// that throws is named with where it was ("iteration 6 (epoch 2)") in the failure.
  template <class F>
  void start(const start_event& e, F&& answer) { call(start_, e, answer); }
  template <class F>
  void iteration(const iteration_event& e, F&& answer) { call(iteration_, e, answer); }
  template <class F>
  void validation(const validation_event& e, F&& answer) { call(validation_, e, answer); }
  template <class F>
  void epoch_end(const epoch_event& e, F&& answer) { call(epoch_end_, e, answer); }
  template <class F>
  void checkpoint(const checkpoint_event& e, F&& answer) { call(checkpoint_, e, answer); }
  void finish(const finish_event& e);

 private:
  template <class Event>
  struct entry {
    std::string name;
    hook<Event> f;
    bool enabled = true;
  };
  template <class Event>
  static void add(std::deque<entry<Event>>& to, std::string name, hook<Event> f) {
    if (f) to.push_back({std::move(name), std::move(f), true});
  }
  // Where an event happened, in words: only worked out when a hook throws.
  static std::string where(const start_event&) { return "start"; }
  static std::string where(const iteration_event& e) { return at(e.progress); }
  static std::string where(const validation_event& e) { return at(e.progress); }
  static std::string where(const checkpoint_event& e);
  static std::string where(const epoch_event& e);
  static std::string at(const training_progress& p);
  template <class Event, class F>
  static void call(std::deque<entry<Event>>& hooks, const Event& e, F& answer) {
    // By index, over the hooks there when the event began: a deque keeps them in place
    // when a hook adds another.
    for (std::size_t i = 0, n = hooks.size(); i < n; ++i) {
      entry<Event>& h = hooks[i];
      if (!h.enabled) continue;
      hook_result r;
      try {
        r = h.f(e);
      } catch (...) {
        h.enabled = false;
        r.stop = stop_request{stop_reason::failed, concat_text(h.name, " threw at ", where(e)),
                              std::current_exception()};
      }
      answer(r);
    }
  }

  std::deque<entry<start_event>> start_;
  std::deque<entry<iteration_event>> iteration_;
  std::deque<entry<validation_event>> validation_;
  std::deque<entry<epoch_event>> epoch_end_;
  std::deque<entry<checkpoint_event>> checkpoint_;
  struct finish_entry {
    std::string name;
    std::function<void(const finish_event&)> f;
  };
  std::deque<finish_entry> finish_;
};

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/train/impl/run_hooks.ipp"
#endif
