// Early stopping of weak trials: fifo (none), median stopping and ASHA in its stopping form.
// Each decides at decision points ("rungs") of a resource (epochs or iterations), from a
// metric the trials report while training, and every decision is a pure function of the
// rung records made before it: a journal replays them (rungs.hpp).
//
// ASHA (Ray's AsyncHyperBandScheduler, one bracket): rung k at grace_period * eta^k, for
// each k with that point below max_t. A trial's value at a rung is the last value of the
// metric it reported at or before the rung; NaN when it reported none. Others' values at
// the rung give the cutoff, their (1 - 1/eta) quantile with linear interpolation, NaN left
// out (numpy.nanpercentile), taken with values negated for a minimised metric (as Ray
// does). The trial stops when its value is below the cutoff (a tie continues), or NaN
// while the cutoff is a number; the first trial at a rung always continues, and so does
// any trial while the cutoff is NaN (every value there NaN). A trial reaching max_t ends
// there, finished.
//
// Median stopping (Ray's MedianStoppingRule, at points): decision k at grace_period +
// k * interval. With at least min_samples_required other trials recorded at that point, the
// trial stops when its best value at its points so far is worse than the median of the
// others' running means (the mean of each one's values at points up to this one; NaN
// left out); a trial without a number there stops while that median is a number.
//
// Where this differs from Ray Tune: a NaN value stops a trial (Ray's `nan < cutoff` is false);
// the value at a rung is the last reported at or before it (Ray takes the first report at or
// past it); there is no rung at max_t itself; the median rule leaves NaN out and looks at the
// trial's values at decision points only.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/experiment/results.hpp"
#include "partrain/io/training_info_io.hpp"

namespace partrain::experiment {

/// What a scheduler counts: completed epochs, or iterations. Wall time is not offered:
/// decisions made on it could not be replayed.
enum class resource_unit { epochs, iterations };

inline std::string_view to_string(resource_unit u) { return u == resource_unit::epochs ? "epochs" : "iterations"; }

inline namespace PARTRAIN_MODE_NAMESPACE {

/// "epochs" or "iterations" (singular too); config_error naming what trials report otherwise.
PARTRAIN_DECL resource_unit resource_unit_named(std::string_view s);

}  // namespace PARTRAIN_MODE_NAMESPACE

/// No early stopping: every trial trains to its end.
struct fifo {};

struct median_stopping {
  std::string metric = "validation_accuracy";
  metric_goal goal = metric_goal::automatic;
  resource_unit unit = resource_unit::epochs;
  double grace_period = 1;       ///< the first decision point
  double interval = 1;           ///< then one every interval
  int min_samples_required = 3;  ///< other trials recorded at a point before it can stop one
};

struct asha {
  std::string metric = "validation_accuracy";
  metric_goal goal = metric_goal::automatic;
  resource_unit unit = resource_unit::epochs;
  double max_t = 100;            ///< a trial reaching it ends there
  double grace_period = 1;       ///< the first rung
  double reduction_factor = 4;   ///< eta: rungs eta times apart, the best 1/eta go on
};

using scheduler = std::variant<fifo, median_stopping, asha>;

/// The metrics a trial reports while it trains (in every progress message).
inline constexpr std::string_view progress_metrics[] = {"training_loss", "training_accuracy", "validation_loss",
                                                         "validation_accuracy"};

inline std::string_view scheduler_name(const scheduler& s) {
  constexpr std::string_view names[] = {"fifo", "median_stopping", "asha"};
  return names[s.index()];
}

inline namespace PARTRAIN_MODE_NAMESPACE {

/// config_error naming the setting: eta < 2, grace_period >= max_t, a metric no trial
/// reports while training, ...
PARTRAIN_DECL void validate(const scheduler& s);

/// What the journal's header says of the scheduler: a resume with other settings is refused.
PARTRAIN_DECL std::string describe(const scheduler& s);

}  // namespace PARTRAIN_MODE_NAMESPACE

/// The scheduler's metric and unit; nullopt for fifo.
struct scheduler_metric {
  std::string name;
  bool maximize = true;
  resource_unit unit = resource_unit::epochs;
};
inline std::optional<scheduler_metric> metric_of(const scheduler& s) {
  return std::visit([]<class S>(const S& c) -> std::optional<scheduler_metric> {
    if constexpr (std::is_same_v<S, fifo>) return std::nullopt;
    else return scheduler_metric{c.metric, maximizes(c.metric, c.goal), c.unit};
  }, s);
}

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Decision point k in the scheduler's unit; nullopt past the last (ASHA: at max_t).
PARTRAIN_DECL std::optional<double> decision_point(const scheduler& s, std::size_t k);

}  // namespace PARTRAIN_MODE_NAMESPACE

/// Where a trial ends, finished, in the scheduler's unit (ASHA's max_t; infinity otherwise).
inline double scheduler_end(const scheduler& s) {
  const auto* a = std::get_if<asha>(&s);
  return a ? a->max_t : std::numeric_limits<double>::infinity();
}

/// One decision: trial `trial` at decision point `rung` (at `t` units) had `value` of the
/// metric; compared with `cutoff` (ASHA's quantile, the median's running means' median;
/// NaN when there was none) of `compared_with` other trials, it stops or continues.
struct rung_record {
  std::size_t trial = 0;
  std::size_t rung = 0;
  double t = 0;
  double value = std::numeric_limits<double>::quiet_NaN();
  double cutoff = std::numeric_limits<double>::quiet_NaN();
  std::size_t compared_with = 0;
  bool stop = false;
};

namespace detail {
inline namespace PARTRAIN_MODE_NAMESPACE {
/// numpy.nanpercentile(x, q) with linear interpolation; NaN when x has no number.
PARTRAIN_DECL double nanpercentile(std::vector<double> x, double q);
PARTRAIN_DECL double nanmean(const std::vector<double>& x);

}  // namespace PARTRAIN_MODE_NAMESPACE

/// Stops when `value` is below `cutoff`, or NaN while the cutoff is a number.
inline bool below(double value, double cutoff) {
  return !std::isnan(cutoff) && (std::isnan(value) || value < cutoff);
}
}  // namespace detail

inline namespace PARTRAIN_MODE_NAMESPACE {

/// The decision for `trial` at decision point `rung` with `value`, given the records made
/// before it (any order; one per trial and rung). The rule is the file comment's.
PARTRAIN_DECL rung_record decide(const scheduler& s, const std::vector<rung_record>& earlier, std::size_t trial,
                                 std::size_t rung, double value);

}  // namespace PARTRAIN_MODE_NAMESPACE

}  // namespace partrain::experiment

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/experiment/impl/scheduler.ipp"
#endif
