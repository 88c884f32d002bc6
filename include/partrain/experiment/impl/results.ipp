// The bodies of experiment/results.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/experiment.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/experiment/results.hpp"

namespace partrain::experiment {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL trial_status status_from(std::string_view s) {
  for (int k = 0; k < 5; ++k)
    if (to_string(trial_status(k)) == s) return trial_status(k);
  fail<io_error>("[partrain::experiment] journal: unknown trial status '", s, "'");
}

PARTRAIN_DECL std::map<std::string, double> history_metrics(const training_info& info) {
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

PARTRAIN_DECL const trial_result* experiment_result::best() const {
  const trial_result* b = nullptr;
  for (const auto& t : trials) {
    const double m = t.metric(metric);
    if (!t.ended() || std::isnan(m)) continue;
    if (!b || (maximize ? m > b->metric(metric) : m < b->metric(metric))) b = &t;
  }
  return b;
}

PARTRAIN_DECL std::size_t experiment_result::count(trial_status s) const {
  std::size_t n = 0;
  for (const auto& t : trials) n += t.status == s;
  return n;
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::experiment

namespace partrain::experiment::detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::pair<std::vector<std::string>, std::vector<std::string>> columns(const experiment_result& r) {
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

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::experiment::detail

namespace partrain::experiment {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::string summary_csv(const experiment_result& r) {
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

PARTRAIN_DECL nlohmann::json values_json(const trial& t) {
  nlohmann::json values = nlohmann::json::object();
  for (const auto& [k, v] : t.values) values[k] = value_json(v);
  return values;
}

PARTRAIN_DECL nlohmann::json summary_json(const experiment_result& r) {
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

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::experiment
