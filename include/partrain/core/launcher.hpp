// What a parallel launcher (mpirun, srun) says about the process: how many processes it
// started together and this one's place among them. Read from the environment, so a
// program built without MPI can tell that it was started as one of several.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>

namespace partrain {

struct launch_info {
  int processes = 1;  ///< how many the launcher started (1 when none)
  int rank = 0;       ///< this one's place among them
  std::string launcher;  ///< "mpirun", "srun", or empty
};

/// From Open MPI's OMPI_COMM_WORLD_*, a PMI's PMI_*, or srun's SLURM_STEP_NUM_TASKS / SLURM_PROCID.
inline launch_info launched_by() {
  auto number = [](const char* name) {
    const char* v = std::getenv(name);
    return v && *v ? std::atoi(v) : -1;
  };
  const std::pair<const char*, const char*> sources[] = {{"OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK"},
                                                         {"PMI_SIZE", "PMI_RANK"},
                                                         {"SLURM_STEP_NUM_TASKS", "SLURM_PROCID"}};
  for (const auto& [size, rank] : sources)
    if (number(size) >= 1)
      return {number(size), std::max(0, number(rank)), std::string(size).starts_with("SLURM") ? "srun" : "mpirun"};
  return {};
}

}  // namespace partrain
