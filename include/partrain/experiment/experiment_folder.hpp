// An experiment's folder: journal.jsonl (what happened, as it happened), one trial-NN/ per
// trial (its checkpoints, and when it ends its network, history, options and trial.json),
// and summary.csv / summary.json. Made new, or reopened to resume: then the journal must
// describe the same experiment (space, strategy and seed, architectures).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "partrain/core/type_list.hpp"
#include "partrain/experiment/journal.hpp"
#include "partrain/experiment/plots.hpp"
#include "partrain/experiment/results.hpp"
#include "partrain/experiment/rungs.hpp"
#include "partrain/experiment/strategy.hpp"
#include "partrain/train/checkpoint_write.hpp"
#include "partrain/train/checkpoint_names.hpp"
#include "partrain/io/experiment.hpp"
#include "partrain/io/training_info_io.hpp"
#include "partrain/train/training_progress.hpp"

namespace partrain::experiment {

/// Each architecture's description, in type_list order.
template <class Architectures>
std::vector<std::string> architecture_names() {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::vector<std::string>{type_at<I, Architectures>::description()...};
  }(std::make_index_sequence<Architectures::size>{});
}

class experiment_folder {
 public:
  experiment_folder(std::filesystem::path folder, const trial_plan& plan, std::vector<std::string> architectures,
                    const scheduler& stopping, bool retry_failed)
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

  std::size_t size() const { return plan_.size(); }
  std::vector<trial_result> results() const { return results_; }
  /// The scheduler's decisions an earlier run journaled, in their order.
  const std::vector<rung_record>& rung_records() const { return rungs_; }

  /// A scheduler's decision, synced: a resume must know every one made.
  void record_rung(const rung_record& r) { journal_->append(rung_json(r, scheduler_), true); }

  void record_status(const trial_result& r, nlohmann::json extra) {
    nlohmann::json j = status_record(r);
    j.update(extra);
    journal_->append(j, true);
  }
  void record_progress(std::size_t index, const training_progress& p) {
    journal_->append({{"record", "progress"}, {"trial", index + 1}, {"trial_index", index}, {"epoch", p.epoch},
                      {"iteration", p.iteration}, {"training_loss", format::json_number(p.training_loss)},
                      {"validation_loss", format::json_number(p.validation_loss)},
                      {"validation_accuracy", format::json_number(p.validation_accuracy)},
                      {"elapsed_seconds", p.elapsed_seconds}},
                     false);
  }
  /// A trial ended or failed: its status with metrics, time, stop reason or error.
  void record_end(const trial_result& r) {
    nlohmann::json metrics = nlohmann::json::object();
    for (const auto& [k, v] : r.metrics) metrics[k] = format::json_number(v);
    nlohmann::json checkpoints = nlohmann::json::array();
    for (const auto& c : list_checkpoints(r.folder / "checkpoints")) checkpoints.push_back(c.filename().string());
    record_status(r, {{"checkpoints", checkpoints}, {"worker", r.worker}, {"rank", r.rank}, {"device", r.device}, {"host", r.host}, {"metrics", metrics},
                      {"seconds", format::json_number(r.seconds)}, {"stop_reason", r.stop_reason},
                      {"error", r.error}});
  }
  /// An ended trial's files, into its folder beside its checkpoints.
  void write_trial(const trial_result& r, const io::trial_record& record) {
    io::write_trial(r.folder, r.trial.index + 1, record,
                            {{"values", values_json(r.trial)}, {"seed", r.trial.seed},
                             {"architecture_index", r.trial.architecture}});
  }
  /// summary.csv, summary.json and the figures (metric against each hyper-parameter, the
  /// best trials' training progress).
  void write_summary(const experiment_result& r) const {
    format::write_file_atomic(folder_ / "summary.csv", summary_csv(r), "partrain::experiment");
    format::write_file_atomic(folder_ / "summary.json", summary_json(r).dump(2) + "\n", "partrain::experiment");
    write_figures(r, plan_.space(), folder_);
  }

 private:
  trial_result fresh(std::size_t i) const {
    trial_result r;
    r.trial = plan_.at(i);
    r.architecture = architectures_[r.trial.architecture];
    r.folder = folder_ / io::trial_folder_name(i + 1, plan_.size());
    return r;
  }
  nlohmann::json status_record(const trial_result& r) const {
    return {{"record", "status"}, {"trial", r.trial.index + 1}, {"trial_index", r.trial.index},
            {"status", to_string(r.status)}, {"architecture_index", r.trial.architecture},
            {"seed", r.trial.seed}, {"values", values_json(r.trial)}, {"time", format::local_timestamp()}};
  }
  void check_same(const nlohmann::json& old, const nlohmann::json& now) const {
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
  void resume(const journal_content& old, bool retry_failed) {
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
  void read_rung(const nlohmann::json& j, const std::string& where) {
    const rung_record r = rung_from_json(j, where);
    PARTRAIN_CHECK(r.trial < results_.size(), io_error, where, "a rung record names trial index ", r.trial,
                   "; the experiment has ", results_.size());
    rungs_.push_back(r);
  }
  void read_status(const nlohmann::json& j, const std::string& where) {
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

  std::filesystem::path folder_;
  const trial_plan& plan_;
  std::vector<std::string> architectures_;
  scheduler scheduler_;
  std::vector<trial_result> results_;
  std::vector<rung_record> rungs_;
  std::optional<journal> journal_;
};

}  // namespace partrain::experiment
