// The bodies of experiment/run_experiment.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/experiment.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/experiment/run_experiment.hpp"

namespace partrain::experiment::detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL void check_metric(const experiment_result& r, std::ostream* out) {
  if (!out || r.best() || r.count(trial_status::finished) + r.count(trial_status::stopped) == 0) return;
  std::set<std::string> names;
  for (const auto& t : r.trials)
    for (const auto& [k, v] : t.metrics)
      if (t.ended() && !std::isnan(v)) names.insert(k);
  std::string have;
  for (const auto& k : names) have += (have.empty() ? "" : ", ") + k;
  *out << "[experiment] warning: no ended trial has a value of the metric '" << r.metric
       << "', so there is no best trial; they have: " << (have.empty() ? "none" : have) << "\n";
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::experiment::detail
