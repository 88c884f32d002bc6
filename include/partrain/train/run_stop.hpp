// Why and whether a training run stops: one object, and the one place that decides it.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <utility>

#include "partrain/core/error.hpp"
#include "partrain/train/run_hooks.hpp"
#include "partrain/train/training_info.hpp"

namespace partrain::detail {

/// The run's stop state. The run's own events (interrupted, diverged, cancelled) and the
/// hooks' requests go through ask(); its rules:
///  - failed (a hook threw) is always taken, and the first failure is kept;
///  - cancelled (the context's stop token) is taken at once, yet the run is not "stopping":
///    its epoch loop ends on it, and iterations a GPU had queued finish as they were;
///  - any other reason is taken only when the run is not stopping yet (and, from a hook,
///    not cancelled); a hook's reason other than output_fn or validation_patience is
///    recorded as hook, and its message becomes the stop message;
///  - an interrupt before the first step is taken whatever the start hooks asked.
class run_stop {
 public:
  /// The run's own event (interrupted, diverged or cancelled), while it is not stopping.
  void ask(stop_reason why) {
    if (stopping_) return;
    if (why == stop_reason::cancelled) reason_ = why;
    else reason_ = why, stopping_ = true;
  }
  /// An interrupt that came before the first step: the run stops as interrupted whatever
  /// the start hooks asked (a failure they reported is kept, and still ends the run).
  void interrupted_before_first_step() { reason_ = stop_reason::interrupted, stopping_ = true; }
  /// A hook's request.
  void ask(stop_request&& s) {
    if (s.reason == stop_reason::failed) {
      if (!s.cause) s.cause = std::make_exception_ptr(error(s.message.empty() ? "a hook failed" : s.message));
      if (!failure_) failure_ = std::move(s);
      reason_ = stop_reason::failed, stopping_ = true;
    } else if (!stopping_ && reason_ != stop_reason::cancelled) {
      const bool hooks_own = s.reason == stop_reason::output_fn || s.reason == stop_reason::validation_patience;
      reason_ = hooks_own ? s.reason : stop_reason::hook, stopping_ = true;
      words_ = std::move(s.message);
    }
  }

  stop_reason reason() const { return reason_; }
  bool stopping() const { return stopping_; }
  bool cancelled() const { return reason_ == stop_reason::cancelled; }
  /// The first hook failure, when one failed.
  const std::optional<stop_request>& failure() const { return failure_; }
  /// The hook's own words for its stop (empty: the run words it).
  const std::string& words() const { return words_; }

 private:
  stop_reason reason_ = stop_reason::max_epochs;
  bool stopping_ = false;
  std::optional<stop_request> failure_;
  std::string words_;
};

}  // namespace partrain::detail
