// On a real one-node Slurm (ctest's test_slurm starts it with scripts/with-slurm.sh and runs
// these with --no-skip): srun --mpi=pmix runs the experiment as mpirun does, bit for bit the
// local pool's, each rank logging what it ran; srun without an MPI plugin is refused, naming
// the fix; and a batch job that gets its signal before the time limit checkpoints every
// rank's trials, requeues itself, and the requeued job resumes to the local pool's results.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "../io/temp_dir.hpp"
#include "experiment_outcomes.hpp"
#include "mpirun.hpp"

namespace pt = partrain;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {
/// What `command` prints on stdout (its first line), run by /bin/sh.
std::string output_of(const std::string& command) {
  std::string out;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, p))
      out += buffer;
    ::pclose(p);
  }
  return out.substr(0, out.find('\n'));
}

/// Waits (4 minutes at most) until Slurm's job `id` is over; returns its last state.
std::string wait_for_job(const std::string& id) {
  const std::set<std::string> over{"COMPLETED", "FAILED",    "CANCELLED",
                                   "TIMEOUT",   "NODE_FAIL", "OUT_OF_MEMORY"};
  std::string state;
  for (int k = 0; k < 480; ++k) {
    state = output_of("scontrol show job " + id + " -o | tr ' ' '\\n' | sed -n 's/^JobState=//p'");
    if (over.contains(state)) break;
    std::this_thread::sleep_for(500ms);
  }
  return state;
}
} // namespace

TEST_CASE("Slurm: srun --mpi=pmix -n 3 runs the experiment bit for bit as the local pool; each "
          "rank logs its trials" *
          test::slurm_only()) {
  pt::test::temp_dir dir("slurm-same");
  test::run_locally(dir.path / "local");
  REQUIRE_MESSAGE(test::srun(3, dir.path / "ranks") == 0, test::text_of(dir.path / "ranks.log"));
  for (int trial = 0; trial < 6; ++trial) {
    CAPTURE(trial);
    CHECK(test::outcome_of(dir.path / "ranks", trial) ==
          test::outcome_of(dir.path / "local", trial));
  }
  std::set<int> ranks;
  for (const auto& [trial, rank] : test::ranks_of(dir.path / "ranks")) {
    ranks.insert(rank);
    const std::string log =
        test::text_of(dir.path / "ranks" / "logs" / ("rank-" + std::to_string(rank) + ".log"));
    CHECK_MESSAGE(log.find(": trial " + std::to_string(trial) + " finished") != std::string::npos,
                  log);
  }
  CHECK(ranks.size() >= 2);
}

TEST_CASE("Slurm: srun -n 3 without an MPI plugin is refused before MPI_Init, naming --mpi=pmix" *
          test::slurm_only()) {
  pt::test::temp_dir dir("slurm-plain");
  CHECK(test::srun(3, dir.path / "plain", {}, "") != 0);
  const std::string log = test::text_of(dir.path / "plain.log");
  CHECK_MESSAGE(log.find("srun started 3 tasks (this is task ") != std::string::npos, log);
  CHECK_MESSAGE(
      log.find("without an MPI plugin, so MPI cannot connect them: give srun --mpi=pmix") !=
          std::string::npos,
      log);
  CHECK_FALSE(fs::exists(dir.path / "plain" / partrain::experiment::journal_file));
}

TEST_CASE(
    "Slurm: a batch job signalled before its time limit checkpoints, requeues itself and resumes" *
    test::slurm_only()) {
  pt::test::temp_dir dir("slurm-requeue");
  test::run_locally(dir.path / "local");
  const fs::path folder = dir.path / "job";
  // A 1-minute limit with SIGTERM to the job's tasks 50 s before it (Slurm sends it at its
  // next check, 10-40 s in); trials of 1.5 s per iteration (about 54 s in all) cannot end
  // first. The requeued run trains at full speed, so the test ends soon after; it starts
  // with a step that is not MPI's and lasts a while, as the guide's batch file does: Slurm
  // 22.05 sends the first run's signal again to the step it finds running just after the
  // requeued job starts (a `true` that ended in time left it to the MPI step, which died).
  std::ofstream(dir.path / "job.sh")
      << "#!/bin/sh\n"
      << "#SBATCH --ntasks=3 --overcommit --time=1 --signal=TERM@50 --requeue\n"
      << "#SBATCH --open-mode=append --output=" << folder.string() << ".log\n"
      << "echo \"run ${SLURM_RESTART_COUNT:-0}\"\n"
      << "[ \"${SLURM_RESTART_COUNT:-0}\" -gt 0 ] && export PARTRAIN_MPI_TOOL_PAUSE_MS=0 && { srun -n 1 sleep 2; true; }\n"
      << "srun --mpi=pmix '" << fs::read_symlink("/proc/self/exe").string() << "' && exit 0\n"
      << "[ \"${SLURM_RESTART_COUNT:-0}\" -lt 3 ] && scontrol requeue \"$SLURM_JOB_ID\"\n";
  const std::string id = output_of("PARTRAIN_MPI_TOOL_FOLDER='" + folder.string() +
                                   "' PARTRAIN_MPI_TOOL_PAUSE_MS=1500 sbatch --parsable '" +
                                   (dir.path / "job.sh").string() + "'");
  REQUIRE_MESSAGE(!id.empty(), "sbatch gave no job id");
  const std::string state = wait_for_job(id);
  const std::string log = test::text_of(folder.string() + ".log");
  REQUIRE_MESSAGE(state == "COMPLETED", "job ", id, " is ", state, "\n", log);
  CHECK_MESSAGE(log.find("run 1") != std::string::npos, log);                 // it was requeued ...
  CHECK_MESSAGE(log.find("[experiment] resuming") != std::string::npos, log); // ... and resumed
  for (int rank = 1; rank < 3; ++rank) // every rank checkpointed and stopped at the signal
    CHECK(test::text_of(folder / "logs" / ("rank-" + std::to_string(rank) + ".log"))
              .find("interrupted") != std::string::npos);
  for (int trial = 0; trial < 6; ++trial) {
    CAPTURE(trial);
    CHECK(test::outcome_of(folder, trial) == test::outcome_of(dir.path / "local", trial));
  }
}
