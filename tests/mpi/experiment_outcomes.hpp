// The MPI and Slurm tests' experiment on the local pool, and what they compare of a run:
// each trial's network file and history, and the journal's statuses and ranks.
#pragma once

#include <filesystem>
#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../experiment/experiment_scenario.hpp"
#include "mpirun.hpp"
#include "partrain/experiment.hpp"

namespace test {
namespace ex = partrain::experiment;

/// The experiment on the local pool (2 CPU workers), as the tool runs it over ranks.
inline void run_locally(const fs::path& folder, const ex::scheduler& s = ex::fifo{}) {
  const auto train = test::blobs(48, 4), validation = test::blobs(16, 5);
  partrain::parallel::pool workers{partrain::parallel::cpu_workers(2)};
  ex::run_experiment<test::experiment_architectures>(
      workers, test::experiment_plan(), {.folder = folder, .scheduler = s, .table = nullptr},
      test::train_trial{&train, &validation});
}

inline fs::path trial_folder(const fs::path& folder, int trial) {
  return folder / ("trial-0" + std::to_string(trial + 1));
}

/// What must not depend on where trials ran: each trial's network file and its history.
inline std::string outcome_of(const fs::path& folder, int trial) {
  auto info = nlohmann::json::parse(text_of(trial_folder(folder, trial) / "training_info.json"));
  info.erase("wall_seconds");
  return text_of(trial_folder(folder, trial) / "network.safetensors") + info.dump();
}

/// Each trial's last status in the journal, and the rank it was on.
inline std::map<std::size_t, std::pair<std::string, int>> last_status(const fs::path& folder) {
  std::map<std::size_t, std::pair<std::string, int>> last;
  for (const auto& r : ex::read_journal(folder).records)
    if (r.value("record", "") == "status")
      last[r.at("trial_index")] = {r.value("status", ""), r.value("rank", -1)};
  return last;
}

/// The journal's progress records (one per trial and epoch), less their times, sorted.
inline std::vector<std::string> journal_progress(const fs::path& folder) {
  std::vector<std::string> lines;
  for (auto r : ex::read_journal(folder).records)
    if (r.value("record", "") == "progress") r.erase("elapsed_seconds"), lines.push_back(r.dump());
  std::sort(lines.begin(), lines.end());
  return lines;
}

/// The rank each trial last started on, from the journal.
inline std::map<std::size_t, int> ranks_of(const fs::path& folder) {
  std::map<std::size_t, int> ranks;
  for (const auto& r : ex::read_journal(folder).records)
    if (r.value("record", "") == "status" && r.value("status", "") == "running")
      ranks[r.at("trial_index").get<std::size_t>()] = r.value("rank", -1);
  return ranks;
}
} // namespace test
