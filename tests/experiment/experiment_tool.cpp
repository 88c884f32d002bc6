// The child process of the experiment kill tests: runs (or resumes) the tests' small
// experiment in <folder> on 2 CPU workers, pausing <pause_ms> per iteration so that kills
// land mid-trial, and exits 0 when every trial has ended.
// Usage: experiment_tool <folder> [pause_ms]
#include <cstdio>
#include <string>

#include "experiment_scenario.hpp"

int main(int argc, char** argv) try {
  if (argc < 2) {
    std::fprintf(stderr, "usage: experiment_tool <folder> [pause_ms]\n");
    return 2;
  }
  namespace ex = partrain::experiment;
  const auto train = test::blobs(48, 4), validation = test::blobs(16, 5);
  partrain::parallel::pool workers{partrain::parallel::cpu_workers(2)};
  const auto result = ex::run_experiment<test::experiment_architectures>(
      workers, test::experiment_plan(), {.folder = argv[1], .table = nullptr},
      test::train_trial{&train, &validation, argc > 2 ? std::stoi(argv[2]) : 0});
  return result.count(ex::trial_status::finished) == result.trials.size() ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}
