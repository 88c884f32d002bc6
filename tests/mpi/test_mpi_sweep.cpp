// Sweeps over architectures under a real mpirun (mpi::submit_each): 3 ranks give every trial
// the network, history and progress messages the local pool gives it, bit for bit, with the
// results in rank 0's futures and the progress in rank 0's channel; a stop_trial on rank 0
// stops a trial on another rank within its bound; a rank with other data is refused.
#include <doctest/doctest.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <string>

#include "../io/temp_dir.hpp"
#include "mpirun.hpp"
#include "partrain/parallel.hpp"
#include "sweep_scenario.hpp"

namespace pt = partrain;
namespace fs = std::filesystem;
using test::mpirun, test::text_of;

namespace {
/// The sweep on the local pool (1 CPU worker), written as the tool writes it over ranks.
void sweep_locally(const fs::path& folder) {
  const auto train = test::blobs(48, 4), validation = test::blobs(16, 5);
  pt::parallel::pool workers{pt::parallel::cpu_workers(1)};
  pt::parallel::channel<pt::training_progress> progress;
  test::progress_count delivered;
  delivered.count(progress);
  auto futures = pt::parallel::submit_each<test::sweep_architectures>(
      workers, test::sweep_trial{&train, &validation, &progress});
  auto results = pt::parallel::fetch_outputs(futures);
  progress.close();
  fs::create_directories(folder);
  pt::for_each(results, [&](auto& r, std::size_t trial) {
    test::write_sweep_trial(folder, int(trial), r, delivered);
  });
}
} // namespace

TEST_CASE("mpi::submit_each under mpirun -np 3: every trial's network, history and progress equal "
          "the local pool's") {
  pt::test::temp_dir dir("mpi-sweep");
  sweep_locally(dir.path / "local");
  REQUIRE_MESSAGE(mpirun(3, dir.path / "ranks",
                         {"PARTRAIN_MPI_TOOL_SWEEP=1", "PARTRAIN_MPI_TOOL_PAUSE_MS=20"}) == 0,
                  text_of(dir.path / "ranks.log"));
  for (int trial = 0; trial < 4; ++trial) {
    CAPTURE(trial);
    const std::string stem = "trial-" + std::to_string(trial);
    REQUIRE(fs::exists(dir.path / "ranks" / (stem + ".json")));
    CHECK(text_of(dir.path / "ranks" / (stem + ".json")) ==
          text_of(dir.path / "local" / (stem + ".json")));
    CHECK(text_of(dir.path / "ranks" / (stem + ".safetensors")) ==
          text_of(dir.path / "local" / (stem + ".safetensors")));
  }
  std::istringstream ranks(text_of(dir.path / "ranks" / "ranks.txt"));
  std::set<int> where;
  for (int r; ranks >> r;)
    where.insert(r);
  CHECK_MESSAGE(where.size() >= 2, "the trials ran on ", where.size(), " rank(s) only");
  CHECK(where.count(-1) == 0);
}

TEST_CASE("Slurm: mpi::submit_each under srun --mpi=pmix -n 3 equals the local pool's sweep" *
          test::slurm_only()) {
  pt::test::temp_dir dir("slurm-sweep");
  sweep_locally(dir.path / "local");
  REQUIRE_MESSAGE(test::srun(3, dir.path / "ranks",
                             {"PARTRAIN_MPI_TOOL_SWEEP=1", "PARTRAIN_MPI_TOOL_PAUSE_MS=20"}) == 0,
                  text_of(dir.path / "ranks.log"));
  for (int trial = 0; trial < 4; ++trial) {
    CAPTURE(trial);
    const std::string stem = "trial-" + std::to_string(trial);
    CHECK(text_of(dir.path / "ranks" / (stem + ".json")) ==
          text_of(dir.path / "local" / (stem + ".json")));
    CHECK(text_of(dir.path / "ranks" / (stem + ".safetensors")) ==
          text_of(dir.path / "local" / (stem + ".safetensors")));
  }
}

TEST_CASE("mpi::submit_each: stop_trial on rank 0 stops a trial on another rank within its bound") {
  // Rank 0 only coordinates; trial 1 runs 25 ms per iteration, 18 iterations in all. Its stop
  // reaches its rank with that rank's next progress batch (every 100 ms), so it takes effect
  // within about 100 ms and two iterations of the message the callback saw (6 iterations
  // here); 12 leaves room for a loaded machine.
  pt::test::temp_dir dir("mpi-sweep-stop");
  REQUIRE_MESSAGE(
      mpirun(3, dir.path / "ranks", {"PARTRAIN_MPI_TOOL_SWEEP=1", "PARTRAIN_MPI_TOOL_STOP=1"}) == 0,
      text_of(dir.path / "ranks.log"));
  std::istringstream stop(text_of(dir.path / "ranks" / "stop.txt"));
  int seen = -1, last = -1;
  std::string reason;
  stop >> seen >> last >> reason;
  CHECK(seen == 2);
  CHECK(reason == "output_fn");
  CHECK(last >= seen);
  CHECK_MESSAGE(last <= seen + 12, "stopped at iteration ", last, ", seen at ", seen);
}

TEST_CASE(
    "mpi::submit_each: a rank whose data differs from rank 0's is refused before any training") {
  pt::test::temp_dir dir("mpi-sweep-odd");
  CHECK(mpirun(3, dir.path / "odd",
               {"PARTRAIN_MPI_TOOL_SWEEP=1", "PARTRAIN_MPI_TOOL_ODD_RANK=2"}) != 0);
  const std::string log = text_of(dir.path / "odd.log");
  CHECK_MESSAGE(log.find("ranks whose sweep differs from rank 0's (rank 2: data "
                         "(sweep_options::data_fingerprint))") != std::string::npos,
                log);
  CHECK_FALSE(fs::exists(dir.path / "odd" / "ranks.txt"));
}
