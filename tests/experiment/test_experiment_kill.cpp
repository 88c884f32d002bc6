// An experiment killed with kill -9 at random moments, ten times in a row, leaves a
// readable journal each time; run again to the end it gives every trial the network and
// history of the experiment that was never killed. With ASHA, kills leave one decision per
// trial and rung, all of which replay, and each trial's history is its full run's start.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../io/child_process.hpp"
#include "../io/temp_dir.hpp"
#include "experiment_scenario.hpp"
#include "partrain/experiment.hpp"
#include "partrain/io/training_info_io.hpp"
#include "rung_checks.hpp"

namespace pt = partrain;
namespace ex = partrain::experiment;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {
/// This test binary, run as the experiment tool (experiment_tool.cpp) on `folder`.
pid_t start_tool(const fs::path& folder, int pause_ms, const std::string& scheduler = "fifo") {
  const pid_t pid = pt::test::spawn_child({fs::read_symlink("/proc/self/exe").string()},
                                          {"PARTRAIN_EXPERIMENT_TOOL_FOLDER=" + folder.string(),
                                           "PARTRAIN_EXPERIMENT_TOOL_PAUSE_MS=" + std::to_string(pause_ms),
                                           "PARTRAIN_EXPERIMENT_TOOL_SCHEDULER=" + scheduler});
  REQUIRE(pid > 0);
  return pid;
}
using pt::test::wait_for;
std::string text_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
/// How many trials the journal records as finished (0 without a journal).
int finished_in(const fs::path& folder) {
  if (!fs::exists(folder / ex::journal_file)) return 0;
  int n = 0;
  for (const auto& r : ex::read_journal(folder).records) n += r.value("status", "") == "finished";
  return n;
}
/// What must not depend on kills: each trial's network file and its history (not its time).
std::string outcome_of(const fs::path& folder) {
  std::string out;
  for (int trial = 1; trial <= 6; ++trial) {
    const fs::path t = folder / ("trial-0" + std::to_string(trial));
    auto info = nlohmann::json::parse(text_of(t / "training_info.json"));
    info.erase("wall_seconds");
    out += text_of(t / "network.safetensors") + info.dump();
  }
  return out;
}
}  // namespace

TEST_CASE("kill -9 at random moments, ten times in a row: the journal stays readable and the rerun ends as the run never killed") {
  pt::test::temp_dir dir("experiment-kill");
  constexpr int pause_ms = 30;
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(wait_for(start_tool(dir.path / "whole", pause_ms)) == 0);
  const double whole_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  const std::string expected = outcome_of(dir.path / "whole");
  // Ten kills, each within the first eighth of a whole run's time: with every rerun going
  // on from where the last one stopped, they land across the experiment.
  std::mt19937 rng(std::random_device{}());
  int killed = 0;
  std::vector<int> ended_after_kill;
  for (int kill = 0; kill < 10; ++kill) {
    const double ms = std::uniform_real_distribution<>(0.03, 0.15)(rng) * whole_ms;
    const pid_t pid = start_tool(dir.path / "killed", pause_ms);
    std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(ms));
    if (kill == 9)  // the last kill, once a trial has ended: kills land after trials end too
      for (int i = 0; i < 12000 && finished_in(dir.path / "killed") == 0; ++i) std::this_thread::sleep_for(5ms);
    ::kill(pid, SIGKILL);
    killed += WIFSIGNALED(wait_for(pid));
    if (fs::exists(dir.path / "killed" / ex::journal_file)) {
      CAPTURE(kill);
      CHECK_NOTHROW(ex::read_journal(dir.path / "killed"));
      ended_after_kill.push_back(finished_in(dir.path / "killed"));
    }
  }
  CHECK(killed >= 8);  // most kills land before the experiment ends
  // The kills land along the experiment: before any trial ended, and after some had.
  std::string ended_text;
  for (int n : ended_after_kill) ended_text += std::to_string(n) + " ";
  CAPTURE(ended_text);
  CHECK(std::count(ended_after_kill.begin(), ended_after_kill.end(), 0) >= 1);
  CHECK(ended_after_kill.back() >= 1);
  CHECK(std::count_if(ended_after_kill.begin(), ended_after_kill.end(), [](int n) { return n < 6; }) >= 5);
  REQUIRE(wait_for(start_tool(dir.path / "killed", 0)) == 0);
  CHECK(outcome_of(dir.path / "killed") == expected);
  // Every trial ended once in the journal: an ended trial is never run again.
  CHECK(finished_in(dir.path / "killed") == 6);
  // Trials cut short went on from their checkpoints, not from the start.
  int resumed = 0;
  for (const auto& r : ex::read_journal(dir.path / "killed").records)
    resumed += r.value("status", "") == "running" && !r.value("resumes_from", "").empty();
  CHECK(resumed >= 3);
}

TEST_CASE("ASHA killed with kill -9 four times: one decision per trial and rung, all replay, each history its full run's start") {
  pt::test::temp_dir dir("experiment-kill-asha");
  constexpr int pause_ms = 30;
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(wait_for(start_tool(dir.path / "full", pause_ms)) == 0);  // every trial to its end
  const double full_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::mt19937 rng(std::random_device{}());
  std::size_t decided_before_kills = 0;
  for (int kill = 0; kill < 4; ++kill) {
    const pid_t pid = start_tool(dir.path / "killed", pause_ms, "asha");
    std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(
        std::uniform_real_distribution<>(0.1, 0.3)(rng) * full_ms));
    ::kill(pid, SIGKILL);
    wait_for(pid);
    if (fs::exists(dir.path / "killed" / ex::journal_file)) decided_before_kills = test::rung_records(dir.path / "killed").size();
  }
  CHECK(decided_before_kills >= 1);  // the kills landed after decisions were made
  REQUIRE(wait_for(start_tool(dir.path / "killed", 0, "asha")) == 0);
  test::check_rung_journal(dir.path / "killed", test::experiment_asha());
  int stopped = 0;
  for (int trial = 1; trial <= 6; ++trial) {
    CAPTURE(trial);
    const std::string name = "trial-0" + std::to_string(trial);
    const auto killed = pt::io::read_training_info_json(dir.path / "killed" / name / "training_info.json");
    const auto full = pt::io::read_training_info_json(dir.path / "full" / name / "training_info.json");
    CHECK(test::prefix_of(killed.training_loss, full.training_loss));
    stopped += killed.iterations() < full.iterations();
  }
  CHECK(stopped >= 1);
}
