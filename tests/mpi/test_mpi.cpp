// Experiments under a real mpirun (Open MPI): 3 ranks give every trial the network and
// history the local pool gives it, bit for bit; with ASHA every decision replays and every
// history is its full run's start; free workers ask for trials, so one slow trial does not
// hold up the others; a rank killed with kill -9 ends the job and the rerun resumes, naming
// the trials each rank had; bad launches are refused before any training.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../experiment/experiment_scenario.hpp"
#include "../experiment/rung_checks.hpp"
#include "../io/child_process.hpp"
#include "../io/temp_dir.hpp"
#include "experiment_outcomes.hpp"
#include "mpirun.hpp"
#include "partrain/experiment.hpp"
#include "partrain/mpi/message.hpp"

namespace pt = partrain;
namespace ex = partrain::experiment;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

using test::mpirun, test::start_mpirun, test::exit_code, test::text_of;
using test::run_locally, test::outcome_of, test::trial_folder, test::last_status, test::ranks_of;

namespace {
/// Waits (12 s at most) until the journal shows a trial running on a rank `on` picks in the
/// second of its 3 epochs, and, with `after_an_end`, another trial finished; false if never.
template <class Pick>
bool wait_for_second_epoch(const fs::path& folder, Pick on, bool after_an_end) {
  for (int k = 0; k < 600; ++k) {
    std::this_thread::sleep_for(20ms);
    if (!fs::exists(folder / ex::journal_file) || !fs::exists(folder.string() + ".rank2.pid")) continue;
    std::map<std::size_t, int> epochs;
    for (const auto& r : ex::read_journal(folder).records)
      if (r.value("record", "") == "progress") epochs[r.at("trial_index")] = r.at("epoch");
    bool ended = !after_an_end, there = false;
    for (const auto& [trial, last] : last_status(folder))
      ended |= last.first == "finished", there |= last.first == "running" && on(last.second) && epochs[trial] == 1;
    if (ended && there) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("mpirun -np 3: every trial's network and history equal the local pool's, bit for bit") {
  pt::test::temp_dir dir("mpi-same");
  run_locally(dir.path / "local");
  // 15 ms an iteration: other ranks send the latest iteration every 100 ms, and what rank 0 journals.
  REQUIRE_MESSAGE(mpirun(3, dir.path / "ranks", {"PARTRAIN_MPI_TOOL_PAUSE_MS=15"}) == 0, text_of(dir.path / "ranks.log"));
  const auto summary = nlohmann::json::parse(text_of(dir.path / "ranks" / "summary.json"));
  REQUIRE(summary["trials"].size() == 6);
  for (int trial = 0; trial < 6; ++trial) {
    CAPTURE(trial);
    CHECK(summary["trials"][trial]["status"] == "finished");
    CHECK(outcome_of(dir.path / "ranks", trial) == outcome_of(dir.path / "local", trial));
  }
  // Other ranks send rank 0 fewer progress items, never one it journals.
  const auto journaled = test::journal_progress(dir.path / "local");
  CHECK(journaled.size() == 18);  // 6 trials x 3 epochs
  CHECK(test::journal_progress(dir.path / "ranks") == journaled);
  std::set<int> ranks;
  for (const auto& [trial, rank] : ranks_of(dir.path / "ranks")) {
    ranks.insert(rank);
    // The log of the rank that ran it says so.
    const std::string log = text_of(dir.path / "ranks" / "logs" / ("rank-" + std::to_string(rank) + ".log"));
    CHECK_MESSAGE(log.find("starts on ") != std::string::npos, log);
    CHECK_MESSAGE(log.find(": trial " + std::to_string(trial) + " finished") != std::string::npos, log);
  }
  CHECK_MESSAGE(ranks.size() >= 2, "the trials ran on ranks ", ranks.size(), " only");
  CHECK(text_of(dir.path / "ranks.log").find("on rank ") != std::string::npos);  // the table says where
}

TEST_CASE("mpirun -np 3 with ASHA: one decision per trial and rung, all replay, each history its full run's start") {
  pt::test::temp_dir dir("mpi-asha");
  run_locally(dir.path / "full");
  REQUIRE_MESSAGE(mpirun(3, dir.path / "asha", {"PARTRAIN_MPI_TOOL_SCHEDULER=asha"}) == 0, text_of(dir.path / "asha.log"));
  test::check_rung_journal(dir.path / "asha", test::experiment_asha());
  CHECK(test::rung_records(dir.path / "asha").size() >= 6);  // every trial passes rung 0
  int stopped = 0;
  for (int trial = 0; trial < 6; ++trial) {
    CAPTURE(trial);
    const auto info = pt::io::read_training_info_json(trial_folder(dir.path / "asha", trial) / "training_info.json");
    const auto full = pt::io::read_training_info_json(trial_folder(dir.path / "full", trial) / "training_info.json");
    CHECK(test::prefix_of(info.training_loss, full.training_loss));
    CHECK(test::prefix_of(info.validation_loss, full.validation_loss));
    stopped += info.iterations() < full.iterations();
  }
  CHECK(stopped >= 1);
  // A stop takes effect at the iteration of its decision (bound: 0 iterations): the rank
  // waits for rank 0's answer at each decision point.
  for (const auto& r : test::rung_records(dir.path / "asha"))
    if (r.stop) {
      CAPTURE(r.trial);
      const auto info = pt::io::read_training_info_json(trial_folder(dir.path / "asha", int(r.trial)) / "training_info.json");
      CHECK(double(info.iterations()) == r.t * info.iterations_per_epoch);
    }
}

TEST_CASE("workers ask for trials when free: the rank with a slow trial trains only it") {
  pt::test::temp_dir dir("mpi-uneven");
  REQUIRE_MESSAGE(mpirun(3, dir.path / "uneven", {"PARTRAIN_MPI_TOOL_SLOW_TRIAL=0"}) == 0,
                  text_of(dir.path / "uneven.log"));
  const auto ranks = ranks_of(dir.path / "uneven");
  REQUIRE(ranks.size() == 6);
  std::map<int, int> trials_of;
  for (const auto& [trial, rank] : ranks) ++trials_of[rank];
  CAPTURE(text_of(dir.path / "uneven.log"));
  CHECK(trials_of[ranks.at(0)] == 1);  // a fixed split would have given it two
  CHECK(trials_of.size() == 3);
}

TEST_CASE("a rank killed with kill -9 ends the job; the rerun names the trials each rank had and ends as never killed") {
  pt::test::temp_dir dir("mpi-kill");
  run_locally(dir.path / "local");
  const fs::path folder = dir.path / "killed";
  const pid_t job = start_mpirun(3, folder, {"PARTRAIN_MPI_TOOL_PAUSE_MS=40"});
  // Until a trial has ended and rank 2 is in the second of its trial's 3 epochs (a whole
  // epoch, 240 ms of pauses, left: the kill lands mid-trial).
  REQUIRE(wait_for_second_epoch(folder, [](int rank) { return rank == 2; }, true));
  ::kill(std::stoi(text_of(folder.string() + ".rank2.pid")), SIGKILL);
  CHECK(exit_code(job) != 0);  // mpirun tore the job down
  std::vector<std::string> left_running;  // what the rerun must name
  for (const auto& [trial, last] : last_status(folder))
    if (last.first == "running")
      left_running.push_back("trial " + std::to_string(trial) + " on " +
                             (last.second > 0 ? "rank " + std::to_string(last.second) + " " : "") + "worker");
  REQUIRE_MESSAGE(mpirun(3, folder) == 0, text_of(folder.string() + ".log"));
  const std::string log = text_of(folder.string() + ".log");
  INFO(log);
  CHECK(!left_running.empty());
  for (const auto& said : left_running) CHECK_MESSAGE(log.find(said) != std::string::npos, said);
  for (int trial = 0; trial < 6; ++trial) {
    CAPTURE(trial);
    CHECK(outcome_of(folder, trial) == outcome_of(dir.path / "local", trial));
  }
}

TEST_CASE("a trial that throws on another rank fails alone, with its message and its rank") {
  pt::test::temp_dir dir("mpi-throw");
  CHECK(mpirun(3, dir.path / "throws", {"PARTRAIN_MPI_TOOL_FAILING=4", "PARTRAIN_MPI_TOOL_COORDINATOR_ONLY=1"}) != 0);
  const auto summary = nlohmann::json::parse(text_of(dir.path / "throws" / "summary.json"));
  for (int trial = 0; trial < 6; ++trial) {
    CAPTURE(trial);
    const auto& t = summary["trials"][trial];
    CHECK(t["rank"].get<int>() >= 1);  // rank 0 only coordinates
    CHECK(t["status"] == (trial == 4 ? "failed" : "finished"));
    if (trial == 4) CHECK(t["error"] == "trial 4 fails on purpose");
  }
}

TEST_CASE("SIGTERM to rank 0 alone: every rank's running trial checkpoints and stops; the rerun ends as never stopped") {
  pt::test::temp_dir dir("mpi-term");
  run_locally(dir.path / "local");
  const fs::path folder = dir.path / "stopped";
  const pid_t job = start_mpirun(3, folder, {"PARTRAIN_MPI_TOOL_PAUSE_MS=40"});
  REQUIRE(wait_for_second_epoch(folder, [](int rank) { return rank > 0; }, false));  // a trial on another rank
  ::kill(std::stoi(text_of(folder.string() + ".rank0.pid")), SIGTERM);
  CHECK(exit_code(job) == 1);  // rank 0 ended with trials left, and no rank was killed
  int stopped_elsewhere = 0;
  for (const auto& [trial, last] : last_status(folder))
    if (last.first == "running" && last.second > 0) {
      ++stopped_elsewhere;
      CHECK_FALSE(pt::io::list_checkpoints(trial_folder(folder, int(trial)) / "checkpoints").empty());
    }
  CHECK(stopped_elsewhere >= 1);
  for (int rank = 1; rank < 3; ++rank)  // each rank's log says why it stopped
    CHECK(text_of(folder / "logs" / ("rank-" + std::to_string(rank) + ".log")).find("interrupted by rank 0") !=
          std::string::npos);
  REQUIRE_MESSAGE(mpirun(3, folder) == 0, text_of(folder.string() + ".log"));
  for (int trial = 0; trial < 6; ++trial) {
    CAPTURE(trial);
    CHECK(outcome_of(folder, trial) == outcome_of(dir.path / "local", trial));
  }
}

namespace {
/// The tool started without mpirun, with `environment` set; it must fail. Returns its output.
std::string run_alone(const fs::path& folder, const std::string& environment) {
  const std::string command = environment + " PARTRAIN_MPI_TOOL_FOLDER='" + folder.string() + "' '" +
                              fs::read_symlink("/proc/self/exe").string() + "' > '" + folder.string() + ".log' 2>&1";
  CHECK(exit_code(pt::test::spawn_child({"/bin/sh", "-c", command})) != 0);
  return text_of(folder.string() + ".log");
}
}  // namespace

TEST_CASE("bad launches are refused before any training, naming the cause") {
  pt::test::temp_dir dir("mpi-bad");
  SUBCASE("a rank whose data differs from rank 0's") {
    CHECK(mpirun(3, dir.path / "odd", {"PARTRAIN_MPI_TOOL_ODD_RANK=1"}) != 0);
    const std::string log = text_of(dir.path / "odd.log");
    CHECK_MESSAGE(log.find("ranks whose experiment differs from rank 0's (rank 1: data "
                           "(span_options::data_fingerprint))") != std::string::npos, log);
    CHECK_FALSE(fs::exists(dir.path / "odd" / ex::journal_file));
  }
  SUBCASE("MPI initialised by the program with less than MPI_THREAD_SERIALIZED") {
    CHECK(mpirun(2, dir.path / "funneled", {"PARTRAIN_MPI_TOOL_INIT=funneled"}) != 0);
    const std::string log = text_of(dir.path / "funneled.log");
    CHECK_MESSAGE(log.find("initialised with MPI_THREAD_FUNNELED; partrain needs MPI_THREAD_SERIALIZED") != std::string::npos, log);
  }
  SUBCASE("srun without --mpi=pmix: tasks MPI cannot connect, named before MPI_Init") {
    // What srun sets in each of 3 tasks without an MPI plugin (no PMIx or PMI variables).
    const std::string log = run_alone(dir.path / "unconnected", "SLURM_STEP_NUM_TASKS=3 SLURM_PROCID=1");
    CHECK_MESSAGE(log.find("srun started 3 tasks (this is task 1) without an MPI plugin") != std::string::npos, log);
    CHECK_MESSAGE(log.find("--mpi=pmix") != std::string::npos, log);
  }
  SUBCASE("a launcher whose processes MPI gives each rank 0 of 1") {
    // A PMI launcher this MPI does not speak: MPI_Init makes a singleton of each process.
    const std::string log = run_alone(dir.path / "singleton", "PMI_SIZE=3 PMI_RANK=1");
    CHECK_MESSAGE(log.find("mpirun started 3 processes, but MPI gave this one (mpirun rank 1) rank 0 of 1") !=
                      std::string::npos,
                  log);
  }
  SUBCASE("a rank 0 that only coordinates, alone") {
    CHECK(mpirun(1, dir.path / "alone", {"PARTRAIN_MPI_TOOL_COORDINATOR_ONLY=1"}) != 0);
    const std::string log = text_of(dir.path / "alone.log");
    CHECK_MESSAGE(log.find("coordinator_trains is false and rank 0 is the only rank") != std::string::npos, log);
  }
  SUBCASE("an experiment without MPI started by mpirun: each process would run all of it") {
    CHECK(mpirun(2, dir.path / "local", {"PARTRAIN_MPI_TOOL_LOCAL=1"}) != 0);
    const std::string log = text_of(dir.path / "local.log");
    CHECK_MESSAGE(log.find("is one of 2 that mpirun started") != std::string::npos, log);
    CHECK_FALSE(fs::exists(dir.path / "local" / ex::journal_file));
  }
}

TEST_CASE("a message's kind is typed on the wire; a head without a known kind is an io_error naming the rank") {
  namespace mpi = partrain::mpi;
  for (std::size_t k = 0; k < mpi::message_kind_names.size(); ++k) {
    const auto kind = mpi::message_kind(k);
    const mpi::message m = mpi::wire::decode(mpi::wire::encode(mpi::make_message(kind, {{"trial", 3}})), 2);
    CHECK(mpi::kind_of(m, 2) == kind);
    CHECK(m.head.at("trial") == 3);
  }
  CHECK_THROWS_WITH_AS(mpi::kind_of({{{"kind", "hello"}}, {}}, 4),
                       doctest::Contains("a message from rank 4 has no known kind (\"hello\"); expected one of request, "
                                         "decide, progress, rung, started, ended, stop, interrupt, bye"),
                       partrain::io_error);
  CHECK_THROWS_AS(mpi::kind_of({{{"trial", 1}}, {}}, 4), partrain::io_error);
}
