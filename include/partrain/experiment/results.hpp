// An experiment's results, whatever each trial's network type: per trial its status, values,
// metrics, where it ran and for how long; the best trial by the experiment's metric; and
// summary.csv / summary.json, one row per trial.
#pragma once

#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "partrain/config.hpp"
#include "partrain/experiment/search_space.hpp"
#include "partrain/io/experiment.hpp"
#include "partrain/train/training_info.hpp"

namespace partrain::experiment {

/// queued: not started; running: started, not ended (killed, or interrupted: resumes);
/// finished: trained to its end (max_epochs, validation patience); stopped: ended early by a
/// stop request or a diverged loss (its network and history are kept); failed: threw (its
/// error is kept).
enum class trial_status { queued, running, finished, stopped, failed };

inline std::string_view to_string(trial_status s) {
  constexpr std::string_view names[] = {"queued", "running", "finished", "stopped", "failed"};
  return names[int(s)];
}

inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL trial_status status_from(std::string_view s);

}  // namespace PARTRAIN_MODE_NAMESPACE

/// Whether a metric is better high or low.
enum class metric_goal { automatic, maximize, minimize };

/// Whether `metric` is maximised under `goal` (automatic: not when its name says loss or error).
inline bool maximizes(std::string_view metric, metric_goal goal) {
  if (goal != metric_goal::automatic) return goal == metric_goal::maximize;
  return metric.find("loss") == std::string_view::npos && metric.find("error") == std::string_view::npos;
}

struct trial_result {
  experiment::trial trial;
  trial_status status = trial_status::queued;
  std::string architecture;  ///< the network's description
  std::string error;         ///< why it failed
  std::string stop_reason;   ///< training_info's when it ended, or the scheduler's words
  std::string rung;          ///< the last decision point of the scheduler it reached ("1 (4 epochs)")
  std::map<std::string, double> metrics;  ///< final validation/training figures and reported ones
  int worker = -1;
  int rank = 0;  ///< the MPI rank that ran it (0 without MPI)
  std::string device, host;
  double seconds = 0;  ///< wall time, summed over the runs that trained it
  std::filesystem::path folder;
  training_info info;  ///< its history (when it ended)

  bool ended() const { return status == trial_status::finished || status == trial_status::stopped; }
  double metric(const std::string& name) const {
    const auto it = metrics.find(name);
    return it == metrics.end() ? std::numeric_limits<double>::quiet_NaN() : it->second;
  }
};

inline namespace PARTRAIN_MODE_NAMESPACE {

/// The metrics every trial that ends has, from its history.
PARTRAIN_DECL std::map<std::string, double> history_metrics(const training_info& info);

struct experiment_result {
  std::filesystem::path folder;
  std::string metric;
  bool maximize = true;
  std::vector<trial_result> trials;  ///< by trial index

  /// The ended trial with the best metric (NaN never wins); null when none has one.
  const trial_result* best() const;
  std::size_t count(trial_status s) const;
};

}  // namespace PARTRAIN_MODE_NAMESPACE

namespace detail {
inline namespace PARTRAIN_MODE_NAMESPACE {
/// The names of every value and metric of the trials, in a fixed order (for columns).
PARTRAIN_DECL std::pair<std::vector<std::string>, std::vector<std::string>> columns(const experiment_result& r);

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace detail

inline namespace PARTRAIN_MODE_NAMESPACE {

/// One row per trial: trial, trial_index, folder, status, architecture, each value, each
/// metric, seed, worker, rank (MPI), host, device, seconds, rung (the scheduler's last one reached),
/// stop_reason, error.
PARTRAIN_DECL std::string summary_csv(const experiment_result& r);

}  // namespace PARTRAIN_MODE_NAMESPACE

inline nlohmann::json value_json(const value& v) {
  return std::visit([](const auto& x) { return nlohmann::json(x); }, v);
}

inline namespace PARTRAIN_MODE_NAMESPACE {

/// A trial's values as a JSON object, name -> value (journal, trial.json, summary.json).
PARTRAIN_DECL nlohmann::json values_json(const trial& t);

PARTRAIN_DECL nlohmann::json summary_json(const experiment_result& r);

}  // namespace PARTRAIN_MODE_NAMESPACE

}  // namespace partrain::experiment

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/experiment/impl/results.ipp"
#endif
