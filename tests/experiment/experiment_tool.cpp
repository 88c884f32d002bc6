// The kill test's child process is its own test binary (no second copy of the training code
// to compile): started with PARTRAIN_EXPERIMENT_TOOL_FOLDER=<folder> (and optionally
// PARTRAIN_EXPERIMENT_TOOL_PAUSE_MS=<ms>, a pause per iteration so that kills land
// mid-trial, and PARTRAIN_EXPERIMENT_TOOL_SCHEDULER=asha for the early-stopping tests' ASHA),
// it runs the tests' small experiment there on 2 CPU workers while the program starts,
// before any test, and exits 0 when every trial has ended.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "experiment_scenario.hpp"

namespace {
int run_as_tool(const char* folder) {
  try {
    namespace ex = partrain::experiment;
    const char* pause = std::getenv("PARTRAIN_EXPERIMENT_TOOL_PAUSE_MS");
    const char* scheduler = std::getenv("PARTRAIN_EXPERIMENT_TOOL_SCHEDULER");
    const bool asha = scheduler && std::string(scheduler) == "asha";
    const auto train = test::blobs(48, 4), validation = test::blobs(16, 5);
    partrain::parallel::pool workers{partrain::parallel::cpu_workers(2)};
    const auto result = ex::run_experiment<test::experiment_architectures>(
        workers, test::experiment_plan(),
        {.folder = folder, .scheduler = asha ? test::experiment_asha() : ex::scheduler(ex::fifo{}), .table = nullptr},
        test::train_trial{&train, &validation, pause ? std::atoi(pause) : 0});
    return result.count(ex::trial_status::finished) + result.count(ex::trial_status::stopped) == result.trials.size()
               ? 0
               : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}

[[maybe_unused]] const bool ran_as_tool = [] {
  if (const char* folder = std::getenv("PARTRAIN_EXPERIMENT_TOOL_FOLDER")) std::_Exit(run_as_tool(folder));
  return false;
}();
}  // namespace
