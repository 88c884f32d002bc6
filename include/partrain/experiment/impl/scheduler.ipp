// The bodies of experiment/scheduler.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/experiment.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/experiment/scheduler.hpp"

namespace partrain::experiment {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL resource_unit resource_unit_named(std::string_view s) {
  if (s == "epochs" || s == "epoch") return resource_unit::epochs;
  if (s == "iterations" || s == "iteration") return resource_unit::iterations;
  fail<config_error>("[partrain::experiment] scheduler resource '", s,
                     "': trials report epochs and iterations; give one of them (time is not a resource: "
                     "decisions on it could not be replayed)");
}

PARTRAIN_DECL void validate(const scheduler& s) {
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

PARTRAIN_DECL std::string describe(const scheduler& s) {
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

PARTRAIN_DECL std::optional<double> decision_point(const scheduler& s, std::size_t k) {
  if (const auto* a = std::get_if<asha>(&s)) {
    const double t = a->grace_period * std::pow(a->reduction_factor, double(k));
    return t < a->max_t ? std::optional(t) : std::nullopt;
  }
  if (const auto* m = std::get_if<median_stopping>(&s)) return m->grace_period + double(k) * m->interval;
  return std::nullopt;
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::experiment

namespace partrain::experiment::detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL double nanpercentile(std::vector<double> x, double q) {
  std::erase_if(x, [](double v) { return std::isnan(v); });
  if (x.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::ranges::sort(x);
  const double pos = q / 100 * double(x.size() - 1);
  const auto lo = std::size_t(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, x.size() - 1);
  const double t = pos - double(lo), d = x[hi] - x[lo];
  return t >= 0.5 ? x[hi] - d * (1 - t) : x[lo] + d * t;  // numpy's _lerp, to the last bit
}

PARTRAIN_DECL double nanmean(const std::vector<double>& x) {
  double sum = 0;
  std::size_t n = 0;
  for (double v : x)
    if (!std::isnan(v)) sum += v, ++n;
  return n ? sum / double(n) : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::experiment::detail

namespace partrain::experiment {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL rung_record decide(const scheduler& s, const std::vector<rung_record>& earlier, std::size_t trial,
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

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::experiment
