// An experiment's folder: journal.jsonl (what happened, as it happened), one trial-NN/ per
// trial (its checkpoints, and when it ends its network, history, options and trial.json),
// and summary.csv / summary.json. Made new, or reopened to resume: then the journal must
// describe the same experiment (space, strategy and seed, architectures).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "partrain/config.hpp"
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

inline namespace PARTRAIN_MODE_NAMESPACE {

class experiment_folder {
 public:
  experiment_folder(std::filesystem::path folder, const trial_plan& plan, std::vector<std::string> architectures,
                    const scheduler& stopping, bool retry_failed);

  std::size_t size() const { return plan_.size(); }
  std::vector<trial_result> results() const { return results_; }
  /// The scheduler's decisions an earlier run journaled, in their order.
  const std::vector<rung_record>& rung_records() const { return rungs_; }

  /// A scheduler's decision, synced: a resume must know every one made.
  void record_rung(const rung_record& r) { journal_->append(rung_json(r, scheduler_), true); }

  void record_status(const trial_result& r, nlohmann::json extra);
  void record_progress(std::size_t index, const training_progress& p);
  /// A trial ended or failed: its status with metrics, time, stop reason or error.
  void record_end(const trial_result& r);
  /// An ended trial's files, into its folder beside its checkpoints.
  void write_trial(const trial_result& r, const io::trial_record& record);
  /// summary.csv, summary.json and the figures (metric against each hyper-parameter, the
  /// best trials' training progress).
  void write_summary(const experiment_result& r) const;

 private:
  trial_result fresh(std::size_t i) const;
  nlohmann::json status_record(const trial_result& r) const;
  void check_same(const nlohmann::json& old, const nlohmann::json& now) const;
  void resume(const journal_content& old, bool retry_failed);
  void read_rung(const nlohmann::json& j, const std::string& where);
  void read_status(const nlohmann::json& j, const std::string& where);

  std::filesystem::path folder_;
  const trial_plan& plan_;
  std::vector<std::string> architectures_;
  scheduler scheduler_;
  std::vector<trial_result> results_;
  std::vector<rung_record> rungs_;
  std::optional<journal> journal_;
};

}  // namespace PARTRAIN_MODE_NAMESPACE

}  // namespace partrain::experiment

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/experiment/impl/experiment_folder.ipp"
#endif
