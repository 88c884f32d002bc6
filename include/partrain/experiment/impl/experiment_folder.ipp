// The bodies of experiment/experiment_folder.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/experiment.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/experiment/experiment_folder.hpp"

namespace partrain::experiment {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL experiment_folder::experiment_folder(std::filesystem::path folder, const trial_plan& plan,
                                                   std::vector<std::string> architectures, const scheduler& stopping,
                                                   bool retry_failed)
    : folder_(std::move(folder)), plan_(plan), architectures_(std::move(architectures)), scheduler_(stopping) {
  const nlohmann::json header = {{"record", "experiment"}, {"format", "partrain experiment journal"},
                                 {"format_version", journal_format_version},
                                 {"partrain_version", partrain_version},
                                 {"space", plan.space().describe()}, {"strategy", plan.describe_strategy()},
                                 {"architectures", architectures_}, {"trials", plan.size()},
                                 {"scheduler", describe(stopping)}};
  std::error_code ec;
  const bool had_journal = std::filesystem::exists(folder_ / journal_file, ec);
  if (!had_journal) {
    const bool empty = !std::filesystem::exists(folder_, ec) || std::filesystem::is_empty(folder_, ec);
    PARTRAIN_CHECK(empty, config_error, "[partrain::experiment] '", folder_.string(),
                   "' is not an experiment folder (it holds files but no ", journal_file,
                   "); give a new or empty folder, or the folder of the experiment to resume");
    partrain::create_folders(folder_, "partrain::experiment::run_experiment");
  }
  journal_.emplace(folder_);  // locked from here on: read it only now
  if (had_journal && !journal_is_blank(folder_)) {
    const journal_content old = read_journal(folder_);
    check_same(old.header, header);
    resume(old, retry_failed);
    journal_->cut(old.intact_bytes);
    return;
  }
  // A new experiment (or a blank journal: a kill came before its first whole line).
  for (std::size_t i = 0; i < plan.size(); ++i) results_.push_back(fresh(i));
  journal_->cut(0);
  journal_->append(header, false);
  for (const trial_result& r : results_) journal_->append(status_record(r), false);
  journal_->append({{"record", "created"}}, true);
  format::sync_folder(folder_);
}

PARTRAIN_DECL void experiment_folder::record_status(const trial_result& r, nlohmann::json extra) {
  nlohmann::json j = status_record(r);
  j.update(extra);
  journal_->append(j, true);
}

PARTRAIN_DECL void experiment_folder::record_progress(std::size_t index, const training_progress& p) {
  journal_->append({{"record", "progress"}, {"trial", index + 1}, {"trial_index", index}, {"epoch", p.epoch},
                    {"iteration", p.iteration}, {"training_loss", format::json_number(p.training_loss)},
                    {"validation_loss", format::json_number(p.validation_loss)},
                    {"validation_accuracy", format::json_number(p.validation_accuracy)},
                    {"elapsed_seconds", p.elapsed_seconds}},
                   false);
}

PARTRAIN_DECL void experiment_folder::record_end(const trial_result& r) {
  nlohmann::json metrics = nlohmann::json::object();
  for (const auto& [k, v] : r.metrics) metrics[k] = format::json_number(v);
  nlohmann::json checkpoints = nlohmann::json::array();
  for (const auto& c : list_checkpoints(r.folder / "checkpoints")) checkpoints.push_back(c.filename().string());
  record_status(r, {{"checkpoints", checkpoints}, {"worker", r.worker}, {"rank", r.rank}, {"device", r.device}, {"host", r.host}, {"metrics", metrics},
                    {"seconds", format::json_number(r.seconds)}, {"stop_reason", r.stop_reason},
                    {"error", r.error}});
}

PARTRAIN_DECL void experiment_folder::write_trial(const trial_result& r, const io::trial_record& record) {
  io::write_trial(r.folder, r.trial.index + 1, record,
                          {{"values", values_json(r.trial)}, {"seed", r.trial.seed},
                           {"architecture_index", r.trial.architecture}});
}

PARTRAIN_DECL void experiment_folder::write_summary(const experiment_result& r) const {
  format::write_file_atomic(folder_ / "summary.csv", summary_csv(r), "partrain::experiment");
  format::write_file_atomic(folder_ / "summary.json", summary_json(r).dump(2) + "\n", "partrain::experiment");
  write_figures(r, plan_.space(), folder_);
}

PARTRAIN_DECL trial_result experiment_folder::fresh(std::size_t i) const {
  trial_result r;
  r.trial = plan_.at(i);
  r.architecture = architectures_[r.trial.architecture];
  r.folder = folder_ / io::trial_folder_name(i + 1, plan_.size());
  return r;
}

PARTRAIN_DECL nlohmann::json experiment_folder::status_record(const trial_result& r) const {
  return {{"record", "status"}, {"trial", r.trial.index + 1}, {"trial_index", r.trial.index},
          {"status", to_string(r.status)}, {"architecture_index", r.trial.architecture},
          {"seed", r.trial.seed}, {"values", values_json(r.trial)}, {"time", format::local_timestamp()}};
}

PARTRAIN_DECL void experiment_folder::check_same(const nlohmann::json& old, const nlohmann::json& now) const {
  const std::pair<const char*, const char*> keys[] = {{"space", "search space"},
                                                      {"strategy", "strategy (or its seed)"},
                                                      {"architectures", "architecture list"},
                                                      {"trials", "number of trials"},
                                                      {"scheduler", "scheduler or its settings"}};
  for (const auto& [key, what] : keys) {
    nlohmann::json had = old.value(key, nlohmann::json());
    if (had.is_null() && key == std::string_view("scheduler")) had = "fifo";  // a journal from before schedulers
    PARTRAIN_CHECK(had == now[key], config_error, "[partrain::experiment] cannot resume '", folder_.string(), "': its ",
                   what, " differs; the journal has ", had.dump(), ", this program ", now[key].dump(),
                   " (give another folder for another experiment)");
  }
}

PARTRAIN_DECL void experiment_folder::resume(const journal_content& old, bool retry_failed) {
  for (std::size_t i = 0; i < plan_.size(); ++i) results_.push_back(fresh(i));
  const std::string where = "[partrain::experiment] '" + (folder_ / journal_file).string() + "': ";
  for (std::size_t line = 0; line < old.records.size(); ++line) {
    try {
      read_status(old.records[line], where);
      if (old.records[line].value("record", "") == "rung") read_rung(old.records[line], where);
    } catch (const nlohmann::json::exception& e) {
      fail<io_error>(where, "line ", line + 2, " is not a record this partrain reads (", e.what(), ")");
    }
  }
  for (trial_result& r : results_) {
    if (r.status == trial_status::failed && retry_failed) r.status = trial_status::queued;
    // An ended trial whose files were deleted runs again (the way to redo one trial).
    if (r.ended() && !std::filesystem::exists(r.folder / "training_info.json")) r.status = trial_status::queued;
    if (r.ended()) r.info = io::read_training_info_json(r.folder / "training_info.json");
  }
}

PARTRAIN_DECL void experiment_folder::read_rung(const nlohmann::json& j, const std::string& where) {
  const rung_record r = rung_from_json(j, where);
  PARTRAIN_CHECK(r.trial < results_.size(), io_error, where, "a rung record names trial index ", r.trial,
                 "; the experiment has ", results_.size());
  rungs_.push_back(r);
}

PARTRAIN_DECL void experiment_folder::read_status(const nlohmann::json& j, const std::string& where) {
  if (j.value("record", "") != "status") return;
  const std::size_t i = j.at("trial_index").get<std::size_t>();
  PARTRAIN_CHECK(i < results_.size(), io_error, where, "a record names trial index ", i, "; the experiment has ",
                 results_.size());
  trial_result& r = results_[i];
  const nlohmann::json values = values_json(r.trial);
  PARTRAIN_CHECK(j.at("values") == values && j.at("seed") == r.trial.seed, config_error,
                 "[partrain::experiment] cannot resume '", folder_.string(), "': the journal gives trial ", i,
                 " the values ", j.at("values").dump(), " and seed ", j.at("seed").dump(), "; this program ",
                 values.dump(), " and ", r.trial.seed, " (another partrain's sampling?)");
  r.status = status_from(j.at("status").get<std::string>());
  r.worker = j.value("worker", -1), r.rank = j.value("rank", 0), r.device = j.value("device", ""), r.host = j.value("host", "");
  r.error = j.value("error", ""), r.stop_reason = j.value("stop_reason", "");
  if (j.contains("seconds")) r.seconds = format::from_json_number(j["seconds"], where, "seconds");
  r.metrics.clear();
  const nlohmann::json metrics = j.value("metrics", nlohmann::json::object());
  for (const auto& [k, v] : metrics.items()) r.metrics[k] = format::from_json_number(v, where, k.c_str());
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::experiment
