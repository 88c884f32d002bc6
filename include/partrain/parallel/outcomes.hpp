// Every trial's outcome, failed or not: the result of each trial that succeeded and the
// error of each that failed, from the same sweep (fetch_outputs throws the first error and
// the other results with it). fetch_outcomes waits for all; fetch_next and
// for_each_completed hand each trial over as it completes (MATLAB's fetchNext).
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <future>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "partrain/core/error.hpp"
#include "partrain/parallel/fetch_outputs.hpp"

namespace partrain::parallel {

/// How one trial ended: its result, or the error it threw (with its message).
template <class R>
struct trial_outcome {
  int trial = 0;                  ///< the trial's index: its future's position (0-based)
  std::string name;               ///< the caller's name for the trial, or "trial <index>"
  std::optional<R> result;        ///< set when the trial succeeded
  std::exception_ptr error;       ///< set when it failed
  std::string message;            ///< the error's what(), empty on success

  bool ok() const { return !error; }
  /// The result; rethrows the trial's error when it failed.
  R& value() {
    if (error) std::rethrow_exception(error);
    return *result;
  }
  /// "trial 2 (cnn 8-16 sgdm) failed: <message>", "trial 2 succeeded" (without a name).
  std::string describe() const {
    const std::string number = "trial " + std::to_string(trial);
    return number + (name == number ? "" : " (" + name + ")") + (ok() ? " succeeded" : " failed: " + message);
  }
};

/// The outcome of a trial whose future is ready; consumes the future.
template <class R>
trial_outcome<R> take_outcome(std::future<R>& f, int trial, std::span<const std::string> names = {}) {
  trial_outcome<R> out;
  out.trial = trial;
  out.name = std::size_t(trial) < names.size() ? names[std::size_t(trial)] : "trial " + std::to_string(trial);
  try {
    out.result.emplace(f.get());
  } catch (const std::exception& e) {
    out.error = std::current_exception();
    out.message = e.what();
  } catch (...) {
    out.error = std::current_exception();
    out.message = "an exception that is not a std::exception";
  }
  return out;
}

/// Waits until every future is ready and returns each trial's outcome in trial order; never
/// throws for a failed trial. `names` (optional) names trial i in outcomes and messages.
/// Requires every future valid (else config_error). Consumes them all.
template <class R>
std::vector<trial_outcome<R>> fetch_outcomes(std::vector<std::future<R>>& futures,
                                             std::span<const std::string> names = {}) {
  detail::check_futures(futures, "fetch_outcomes");
  std::vector<trial_outcome<R>> out;
  out.reserve(futures.size());
  for (std::size_t i = 0; i < futures.size(); ++i) out.push_back(take_outcome(futures[i], int(i), names));
  return out;
}

/// The tuple of futures of submit_each: a tuple of trial_outcome<R>, one per trial.
template <class... R>
std::tuple<trial_outcome<R>...> fetch_outcomes(std::tuple<std::future<R>...>& futures,
                                               std::span<const std::string> names = {}) {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::tuple<trial_outcome<R>...>{take_outcome(std::get<I>(futures), int(I), names)...};
  }(std::index_sequence_for<R...>{});
}

namespace detail {
enum class future_state { fetched, ready, running };

template <class R>
future_state state_of(const std::future<R>& f) {
  if (!f.valid()) return future_state::fetched;
  return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready ? future_state::ready : future_state::running;
}

/// Waits until one of `count` futures is ready and returns its index, or -1 when all are
/// fetched. state(i) looks at future i; wait(i, pause) blocks on it for at most `pause`.
/// (std::future has no wait-for-any: this polls, blocking briefly on one running future.)
template <class State, class Wait>
int wait_any(std::size_t count, State state, Wait wait) {
  for (auto pause = std::chrono::microseconds(50);; pause = std::min(2 * pause, std::chrono::microseconds(5000))) {
    int running = -1;
    for (std::size_t i = 0; i < count; ++i) {
      const future_state s = state(i);
      if (s == future_state::ready) return int(i);
      if (s == future_state::running && running < 0) running = int(i);
    }
    if (running < 0) return -1;
    wait(std::size_t(running), pause);
  }
}
}  // namespace detail

/// The outcome of the next trial to complete among the futures not yet fetched (MATLAB's
/// fetchNext); std::nullopt when every future has been fetched. Never throws for a failed
/// trial: its outcome holds the error.
template <class R>
std::optional<trial_outcome<R>> fetch_next(std::vector<std::future<R>>& futures,
                                           std::span<const std::string> names = {}) {
  const int ready = detail::wait_any(
      futures.size(), [&](std::size_t i) { return detail::state_of(futures[i]); },
      [&](std::size_t i, auto pause) { futures[i].wait_for(pause); });
  if (ready < 0) return std::nullopt;
  return take_outcome(futures[std::size_t(ready)], ready, names);
}

/// Calls f(trial_outcome<R_i>&) for each trial of submit_each's tuple as it completes, in
/// completion order, on the calling thread; returns when all have. A failed trial's outcome
/// holds its error; what f throws stops the loop and propagates.
template <class... R, class F>
void for_each_completed(std::tuple<std::future<R>...>& futures, F&& f, std::span<const std::string> names = {}) {
  auto on = [&](std::size_t i, auto&& action) {  // action(std::get<i>(futures)), i known at run time
    [&]<std::size_t... I>(std::index_sequence<I...>) { ((i == I ? void(action(std::get<I>(futures), I)) : void()), ...); }(
        std::index_sequence_for<R...>{});
  };
  for (;;) {
    const int ready = detail::wait_any(
        sizeof...(R),
        [&](std::size_t i) {
          auto s = detail::future_state::fetched;
          on(i, [&](auto& fut, std::size_t) { s = detail::state_of(fut); });
          return s;
        },
        [&](std::size_t i, auto pause) { on(i, [&](auto& fut, std::size_t) { fut.wait_for(pause); }); });
    if (ready < 0) return;
    on(std::size_t(ready), [&](auto& fut, std::size_t i) {
      auto outcome = take_outcome(fut, int(i), names);
      f(outcome);
    });
  }
}

}  // namespace partrain::parallel
