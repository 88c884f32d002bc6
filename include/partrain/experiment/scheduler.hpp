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

#include "partrain/core/error.hpp"
#include "partrain/experiment/results.hpp"
#include "partrain/io/training_info_io.hpp"

namespace partrain::experiment {

/// What a scheduler counts: completed epochs, or iterations. Wall time is not offered:
/// decisions made on it could not be replayed.
enum class resource_unit { epochs, iterations };

inline std::string_view to_string(resource_unit u) { return u == resource_unit::epochs ? "epochs" : "iterations"; }
/// "epochs" or "iterations" (singular too); config_error naming what trials report otherwise.
inline resource_unit resource_unit_named(std::string_view s) {
  if (s == "epochs" || s == "epoch") return resource_unit::epochs;
  if (s == "iterations" || s == "iteration") return resource_unit::iterations;
  fail<config_error>("[partrain::experiment] scheduler resource '", s,
                     "': trials report epochs and iterations; give one of them (time is not a resource: "
                     "decisions on it could not be replayed)");
}

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

/// config_error naming the setting: eta < 2, grace_period >= max_t, a metric no trial
/// reports while training, ...
inline void validate(const scheduler& s) {
  auto check_common = [&](const auto& c) {
    const std::string where = partrain::concat_text("[partrain::experiment] scheduler ", scheduler_name(s), ": ");
    PARTRAIN_CHECK(std::ranges::find(progress_metrics, std::string_view(c.metric)) != std::end(progress_metrics),
                   config_error, where, "metric '", c.metric,
                   "' is not one trials report while they train; give training_loss, training_accuracy, "
                   "validation_loss or validation_accuracy (a metric given by trial_run::report comes only at "
                   "the end)");
    PARTRAIN_CHECK(c.grace_period > 0 && std::isfinite(c.grace_period), config_error, where, "grace_period is ",
                   c.grace_period, "; expected a positive number of ", to_string(c.unit));
    PARTRAIN_CHECK(c.unit != resource_unit::iterations || c.grace_period >= 1, config_error, where, "grace_period is ",
                   c.grace_period, " iterations; expected at least 1 (no value is reported before iteration 1)");
    return where;
  };
  if (const auto* a = std::get_if<asha>(&s)) {
    const std::string where = check_common(*a);
    PARTRAIN_CHECK(a->reduction_factor >= 2, config_error, where, "reduction_factor (eta) is ", a->reduction_factor,
                   "; expected at least 2");
    PARTRAIN_CHECK(a->grace_period < a->max_t, config_error, where, "grace_period (", a->grace_period,
                   ") is not below max_t (", a->max_t, "): there would be no rung");
  } else if (const auto* m = std::get_if<median_stopping>(&s)) {
    const std::string where = check_common(*m);
    PARTRAIN_CHECK(m->interval > 0 && std::isfinite(m->interval), config_error, where, "interval is ", m->interval,
                   "; expected a positive number of ", to_string(m->unit));
    PARTRAIN_CHECK(m->min_samples_required >= 1, config_error, where, "min_samples_required is ",
                   m->min_samples_required, "; expected at least 1");
  }
}

/// What the journal's header says of the scheduler: a resume with other settings is refused.
inline std::string describe(const scheduler& s) {
  using format::number_text;
  if (const auto* a = std::get_if<asha>(&s))
    return partrain::concat_text("asha(metric=", a->metric, ", goal=", maximizes(a->metric, a->goal) ? "max" : "min",
                  ", unit=", to_string(a->unit), ", max_t=", number_text(a->max_t), ", grace_period=",
                  number_text(a->grace_period), ", reduction_factor=", number_text(a->reduction_factor), ")");
  if (const auto* m = std::get_if<median_stopping>(&s))
    return partrain::concat_text("median_stopping(metric=", m->metric, ", goal=", maximizes(m->metric, m->goal) ? "max" : "min",
                  ", unit=", to_string(m->unit), ", grace_period=", number_text(m->grace_period), ", interval=",
                  number_text(m->interval), ", min_samples_required=", m->min_samples_required, ")");
  return "fifo";
}

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

/// Decision point k in the scheduler's unit; nullopt past the last (ASHA: at max_t).
inline std::optional<double> decision_point(const scheduler& s, std::size_t k) {
  if (const auto* a = std::get_if<asha>(&s)) {
    const double t = a->grace_period * std::pow(a->reduction_factor, double(k));
    return t < a->max_t ? std::optional(t) : std::nullopt;
  }
  if (const auto* m = std::get_if<median_stopping>(&s)) return m->grace_period + double(k) * m->interval;
  return std::nullopt;
}
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
/// numpy.nanpercentile(x, q) with linear interpolation; NaN when x has no number.
inline double nanpercentile(std::vector<double> x, double q) {
  std::erase_if(x, [](double v) { return std::isnan(v); });
  if (x.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::ranges::sort(x);
  const double pos = q / 100 * double(x.size() - 1);
  const auto lo = std::size_t(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, x.size() - 1);
  const double t = pos - double(lo), d = x[hi] - x[lo];
  return t >= 0.5 ? x[hi] - d * (1 - t) : x[lo] + d * t;  // numpy's _lerp, to the last bit
}
inline double nanmean(const std::vector<double>& x) {
  double sum = 0;
  std::size_t n = 0;
  for (double v : x)
    if (!std::isnan(v)) sum += v, ++n;
  return n ? sum / double(n) : std::numeric_limits<double>::quiet_NaN();
}
/// Stops when `value` is below `cutoff`, or NaN while the cutoff is a number.
inline bool below(double value, double cutoff) {
  return !std::isnan(cutoff) && (std::isnan(value) || value < cutoff);
}
}  // namespace detail

/// The decision for `trial` at decision point `rung` with `value`, given the records made
/// before it (any order; one per trial and rung). The rule is the file comment's.
inline rung_record decide(const scheduler& s, const std::vector<rung_record>& earlier, std::size_t trial,
                          std::size_t rung, double value) {
  rung_record r{trial, rung, decision_point(s, rung).value_or(0), value};
  const auto metric = metric_of(s);
  if (!metric) return r;
  const double sign = metric->maximize ? 1 : -1;  // compared as a maximised score, as Ray does
  if (const auto* a = std::get_if<asha>(&s)) {
    std::vector<double> others;
    for (const rung_record& e : earlier)
      if (e.rung == rung && e.trial != trial) others.push_back(sign * e.value);
    r.compared_with = others.size();
    if (others.empty()) return r;  // the first at a rung continues
    const double cutoff = detail::nanpercentile(others, (1 - 1 / a->reduction_factor) * 100);
    r.cutoff = sign * cutoff, r.stop = detail::below(sign * value, cutoff);
    return r;
  }
  const auto& m = std::get<median_stopping>(s);
  std::vector<double> means, mine{sign * value};
  for (const rung_record& e : earlier) {
    if (e.trial == trial && e.rung < rung) mine.push_back(sign * e.value);
    if (e.trial == trial || e.rung != rung) continue;
    std::vector<double> theirs;
    for (const rung_record& f : earlier)
      if (f.trial == e.trial && f.rung <= rung) theirs.push_back(sign * f.value);
    means.push_back(detail::nanmean(theirs));
  }
  r.compared_with = means.size();
  if (means.size() < std::size_t(m.min_samples_required)) return r;
  const double median = detail::nanpercentile(means, 50);
  std::erase_if(mine, [](double v) { return std::isnan(v); });
  const double best = mine.empty() ? std::numeric_limits<double>::quiet_NaN() : std::ranges::max(mine);
  r.cutoff = sign * median, r.stop = detail::below(best, median);
  return r;
}

}  // namespace partrain::experiment
