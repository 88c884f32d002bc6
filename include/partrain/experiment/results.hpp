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
inline trial_status status_from(std::string_view s) {
  for (int k = 0; k < 5; ++k)
    if (to_string(trial_status(k)) == s) return trial_status(k);
  fail<io_error>("[partrain::experiment] journal: unknown trial status '", s, "'");
}

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

/// The metrics every trial that ends has, from its history.
inline std::map<std::string, double> history_metrics(const training_info& info) {
  auto last = [](const std::vector<double>& v) {
    return v.empty() ? std::numeric_limits<double>::quiet_NaN() : v.back();
  };
  return {{"validation_accuracy", info.final_validation_accuracy},
          {"validation_loss", info.final_validation_loss},
          {"training_accuracy", last(info.training_accuracy)},
          {"training_loss", last(info.training_loss)},
          {"epochs", info.epoch.empty() ? 0.0 : double(info.epoch.back())},
          {"iterations", double(info.iterations())}};
}

struct experiment_result {
  std::filesystem::path folder;
  std::string metric;
  bool maximize = true;
  std::vector<trial_result> trials;  ///< by trial index

  /// The ended trial with the best metric (NaN never wins); null when none has one.
  const trial_result* best() const {
    const trial_result* b = nullptr;
    for (const auto& t : trials) {
      const double m = t.metric(metric);
      if (!t.ended() || std::isnan(m)) continue;
      if (!b || (maximize ? m > b->metric(metric) : m < b->metric(metric))) b = &t;
    }
    return b;
  }
  std::size_t count(trial_status s) const {
    std::size_t n = 0;
    for (const auto& t : trials) n += t.status == s;
    return n;
  }
};

namespace detail {
/// The names of every value and metric of the trials, in a fixed order (for columns).
inline std::pair<std::vector<std::string>, std::vector<std::string>> columns(const experiment_result& r) {
  std::map<std::string, int> values, metrics;
  for (const auto& t : r.trials) {
    for (const auto& [k, v] : t.trial.values) values[k];
    for (const auto& [k, v] : t.metrics) metrics[k];
  }
  std::pair<std::vector<std::string>, std::vector<std::string>> out;
  for (const auto& [k, v] : values) out.first.push_back(k);
  for (const auto& [k, v] : metrics) out.second.push_back(k);
  return out;
}
}  // namespace detail

/// One row per trial: trial, trial_index, folder, status, architecture, each value, each
/// metric, seed, worker, rank (MPI), host, device, seconds, rung (the scheduler's last one reached),
/// stop_reason, error.
inline std::string summary_csv(const experiment_result& r) {
  using format::csv_cell;
  const auto [values, metrics] = detail::columns(r);
  std::string s = "trial,trial_index,folder,status,architecture";
  for (const auto& k : values) s += "," + csv_cell(k);
  for (const auto& k : metrics) s += "," + csv_cell(k);
  s += ",seed,worker,rank,host,device,seconds,rung,stop_reason,error\n";
  for (const auto& t : r.trials) {
    s += std::to_string(t.trial.index + 1) + "," + std::to_string(t.trial.index) + "," +
         csv_cell(t.folder.filename().string()) + "," + std::string(to_string(t.status)) + "," +
         csv_cell(t.architecture);
    for (const auto& k : values)
      s += "," + (t.trial.has(k) ? csv_cell(to_string(t.trial.values.at(k))) : std::string());
    for (const auto& k : metrics) s += "," + (t.metrics.count(k) ? format::number_text(t.metrics.at(k)) : std::string());
    s += "," + std::to_string(t.trial.seed) + "," + std::to_string(t.worker) + "," + std::to_string(t.rank) + "," +
         csv_cell(t.host) + "," +
         csv_cell(t.device) + "," + format::number_text(t.seconds) + "," + csv_cell(t.rung) + "," +
         csv_cell(t.stop_reason) + "," + csv_cell(t.error) + "\n";
  }
  return s;
}

inline nlohmann::json value_json(const value& v) {
  return std::visit([](const auto& x) { return nlohmann::json(x); }, v);
}
/// A trial's values as a JSON object, name -> value (journal, trial.json, summary.json).
inline nlohmann::json values_json(const trial& t) {
  nlohmann::json values = nlohmann::json::object();
  for (const auto& [k, v] : t.values) values[k] = value_json(v);
  return values;
}

inline nlohmann::json summary_json(const experiment_result& r) {
  nlohmann::json j = {{"partrain_version", partrain_version}, {"metric", r.metric},
                      {"goal", r.maximize ? "maximize" : "minimize"}, {"trials", nlohmann::json::array()}};
  for (const auto& t : r.trials) {
    nlohmann::json metrics = nlohmann::json::object();
    for (const auto& [k, v] : t.metrics) metrics[k] = format::json_number(v);
    j["trials"].push_back({{"trial", t.trial.index + 1}, {"trial_index", t.trial.index},
                           {"folder", t.folder.filename().string()}, {"status", to_string(t.status)},
                           {"architecture", t.architecture}, {"architecture_index", t.trial.architecture},
                           {"values", values_json(t.trial)}, {"metrics", metrics}, {"seed", t.trial.seed},
                           {"worker", t.worker}, {"rank", t.rank}, {"host", t.host}, {"device", t.device},
                           {"seconds", format::json_number(t.seconds)}, {"rung", t.rung}, {"stop_reason", t.stop_reason},
                           {"error", t.error}});
  }
  const trial_result* b = r.best();
  j["best"] = b ? nlohmann::json{{"trial", b->trial.index + 1}, {"trial_index", b->trial.index},
                                 {r.metric, format::json_number(b->metric(r.metric))}}
                : nlohmann::json(nullptr);
  return j;
}

}  // namespace partrain::experiment
