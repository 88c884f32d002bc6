// The program mpirun starts in the MPI tests is this test binary (no second copy of the
// training code to compile): with PARTRAIN_MPI_TOOL_FOLDER=<folder> it runs the tests'
// small experiment there over the ranks it was started with, one CPU worker each, and
// exits 0 when every trial has ended. More settings, by environment:
//   PARTRAIN_MPI_TOOL_SCHEDULER=asha     the early-stopping tests' ASHA
//   PARTRAIN_MPI_TOOL_PAUSE_MS=<ms>      a pause per iteration (kills land mid-trial)
//   PARTRAIN_MPI_TOOL_SLOW_TRIAL=<i>     trial i pauses 100 ms per iteration, the others none
//   PARTRAIN_MPI_TOOL_ODD_RANK=<r>       rank r builds other validation data
//   PARTRAIN_MPI_TOOL_FAILING=<i>        trial i throws
//   PARTRAIN_MPI_TOOL_LOCAL=1            experiment::run_experiment (no MPI), as a program built without it
//   PARTRAIN_MPI_TOOL_COORDINATOR_ONLY=1 rank 0 trains nothing
//   PARTRAIN_MPI_TOOL_INIT=funneled      the program initialises MPI with MPI_THREAD_FUNNELED
//   PARTRAIN_MPI_TOOL_SWEEP=1            the sweep of sweep_scenario.hpp (mpi::submit_each) instead;
//                                        rank 0 writes each trial's outcome and rank to the folder
//   PARTRAIN_MPI_TOOL_STOP=<i>           (sweep) rank 0's channel stops trial i when it sees its
//                                        iteration 2; trials pause 25 ms per iteration
// Each rank writes its pid to <folder>.rank<r>.pid (for the kill test).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>

#include "sweep_scenario.hpp"
#include "partrain/mpi.hpp"

namespace {
int env_int(const char* name, int otherwise) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : otherwise;
}

/// The scenario's trial function, with one slow trial when asked.
struct uneven_trial {
  test::train_trial base;
  std::size_t slow = test::train_trial::none;
  std::size_t failing = test::train_trial::none;
  template <class Net>
  partrain::trained<Net> operator()(partrain::experiment::trial_run& run, partrain::context& ctx) const {
    if (run.index() == failing) throw std::runtime_error("trial " + std::to_string(failing) + " fails on purpose");
    test::train_trial t = base;
    if (slow != test::train_trial::none) t.pause_ms = run.index() == slow ? 100 : 0;
    return t.template operator()<Net>(run, ctx);
  }
};

/// The sweep over the ranks; rank 0 writes every trial's outcome (or error) and rank to `folder`.
int run_sweep(partrain::mpi::world& world, const std::filesystem::path& folder) {
  const int stop = env_int("PARTRAIN_MPI_TOOL_STOP", -1);
  const bool odd = world.rank() == env_int("PARTRAIN_MPI_TOOL_ODD_RANK", -1);
  const auto train = test::blobs(48, 4), validation = test::blobs(16, odd ? 6 : 5);
  partrain::parallel::pool workers{partrain::parallel::cpu_workers(1)};
  partrain::parallel::channel<partrain::training_progress> progress;
  test::progress_count delivered;
  delivered.count(progress);
  int seen = -1;  // the iteration of trial `stop` rank 0's callback stopped it at
  progress.after_each([&](const partrain::training_progress& p) {
    if (p.trial == stop && p.iteration >= 2 && seen < 0) seen = p.iteration, progress.stop_trial(stop);
  });
  auto sweep = partrain::mpi::submit_each<test::sweep_architectures>(
      world, workers, test::sweep_trial{&train, &validation, &progress, stop >= 0 ? 25 : env_int("PARTRAIN_MPI_TOOL_PAUSE_MS", 0)},
      {.coordinator_trains = stop < 0 && !env_int("PARTRAIN_MPI_TOOL_COORDINATOR_ONLY", 0),
       .progress = &progress,
       .data_fingerprint = partrain::fingerprint().add(std::span<const float>(validation.pixels)).value()});
  if (world.rank() != 0) return 0;
  auto outcomes = partrain::parallel::fetch_outcomes(sweep.futures);
  sweep.wait();
  progress.close();
  std::filesystem::create_directories(folder);
  std::ofstream ranks(folder / "ranks.txt");
  bool all_ok = true;
  partrain::for_each(outcomes, [&](auto& outcome, std::size_t trial) {
    ranks << sweep.rank_of(trial) << "\n";
    if (!outcome.ok()) return void((all_ok = false, std::ofstream(folder / ("trial-" + std::to_string(trial) + ".error")) << outcome.message));
    test::write_sweep_trial(folder, int(trial), outcome.value(), delivered);
    if (int(trial) == stop)
      std::ofstream(folder / "stop.txt") << seen << " " << outcome.value().info.iterations() << " "
                                         << partrain::to_string(outcome.value().info.stop_reason) << "\n";
  });
  return all_ok ? 0 : 1;
}

int run_as_tool(const std::string& folder) {
  namespace ex = partrain::experiment;
  try {
    const bool asha = std::getenv("PARTRAIN_MPI_TOOL_SCHEDULER") != nullptr;
    const ex::experiment_options options{
        .folder = folder, .scheduler = asha ? test::experiment_asha() : ex::scheduler(ex::fifo{}), .table = &std::cout};
    const int slow = env_int("PARTRAIN_MPI_TOOL_SLOW_TRIAL", -1);
    const auto train = test::blobs(48, 4);
    if (env_int("PARTRAIN_MPI_TOOL_LOCAL", 0)) {
      const auto validation = test::blobs(16, 5);
      partrain::parallel::pool workers{partrain::parallel::cpu_workers(1)};
      ex::run_experiment<test::experiment_architectures>(workers, test::experiment_plan(), options,
                                                         test::train_trial{&train, &validation});
      return 0;
    }
    if (const char* init = std::getenv("PARTRAIN_MPI_TOOL_INIT"); init && std::string(init) == "funneled") {
      int provided = 0;
      MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    }
    partrain::mpi::world world;
    std::ofstream(folder + ".rank" + std::to_string(world.rank()) + ".pid") << ::getpid() << "\n";
    if (env_int("PARTRAIN_MPI_TOOL_SWEEP", 0)) return run_sweep(world, folder);
    const bool odd = world.rank() == env_int("PARTRAIN_MPI_TOOL_ODD_RANK", -1);
    const auto validation = test::blobs(16, odd ? 6 : 5);
    partrain::parallel::pool workers{partrain::parallel::cpu_workers(1)};
    const auto result = partrain::mpi::run_experiment<test::experiment_architectures>(
        world, workers, test::experiment_plan(), options,
        uneven_trial{{&train, &validation, env_int("PARTRAIN_MPI_TOOL_PAUSE_MS", 0)},
                     slow >= 0 ? std::size_t(slow) : test::train_trial::none,
                     std::size_t(env_int("PARTRAIN_MPI_TOOL_FAILING", -1))},
        {.coordinator_trains = !env_int("PARTRAIN_MPI_TOOL_COORDINATOR_ONLY", 0),
         .data_fingerprint = partrain::fingerprint().add(std::span<const float>(validation.pixels)).value()});
    if (world.rank() != 0) return 0;
    return result.count(ex::trial_status::finished) + result.count(ex::trial_status::stopped) == result.trials.size() ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}

[[maybe_unused]] const bool ran_as_tool = [] {
  if (const char* folder = std::getenv("PARTRAIN_MPI_TOOL_FOLDER")) {
    const int rc = run_as_tool(folder);
    std::cout.flush();
    std::_Exit(rc);
  }
  return false;
}();
}  // namespace
