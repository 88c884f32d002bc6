// Why and whether a training run stops: one object, and the one place that decides it.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <utility>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/train/run_hooks.hpp"
#include "partrain/train/training_info.hpp"

namespace partrain::detail {
inline namespace PARTRAIN_ABI_NAMESPACE {
inline namespace PARTRAIN_MODE_NAMESPACE {

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
  void ask(stop_reason why);
  /// An interrupt that came before the first step: the run stops as interrupted whatever
  /// the start hooks asked (a failure they reported is kept, and still ends the run).
  void interrupted_before_first_step() { reason_ = stop_reason::interrupted, stopping_ = true; }
  /// A hook's request.
  void ask(stop_request&& s);

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

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace partrain::detail

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/train/impl/run_stop.ipp"
#endif
