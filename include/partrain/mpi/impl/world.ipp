// The bodies of mpi/world.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/mpi.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <cstdlib>
#include <string>

#include "partrain/backend/gpu_count.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/launcher.hpp"
#include "partrain/mpi/world.hpp"

namespace partrain::mpi::detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::string thread_level(int level) {
  if (level == MPI_THREAD_SINGLE) return "MPI_THREAD_SINGLE";
  if (level == MPI_THREAD_FUNNELED) return "MPI_THREAD_FUNNELED";
  if (level == MPI_THREAD_SERIALIZED) return "MPI_THREAD_SERIALIZED";
  if (level == MPI_THREAD_MULTIPLE) return "MPI_THREAD_MULTIPLE";
  return "thread level " + std::to_string(level);
}
PARTRAIN_DECL std::string error_text(int code) {
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, std::size_t(length));
}

PARTRAIN_DECL void refuse_srun_without_pmi() {
  const launch_info l = launched_by();
  auto set = [](const char* name) { return std::getenv(name) != nullptr; };
  if (l.launcher != "srun" || l.processes < 2 || set("PMIX_RANK") || set("PMI_RANK") || set("PMI_FD")) return;
  fail<config_error>("[partrain::mpi::world] srun started ", l.processes, " tasks (this is task ", l.rank,
                     ") without an MPI plugin, so MPI cannot connect them: give srun --mpi=pmix (Debian's Slurm "
                     "defaults to MpiDefault=none; `srun --mpi=list` shows the plugins), or set MpiDefault=pmix in "
                     "slurm.conf");
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::mpi::detail

namespace partrain::mpi {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL world::world(int* argc, char*** argv) {
  int initialized = 0, provided = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    detail::refuse_srun_without_pmi();
    const int code = MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided);
    PARTRAIN_CHECK(code == MPI_SUCCESS, config_error, "[partrain::mpi::world] MPI_Init_thread failed: ",
                   detail::error_text(code));
    owns_ = true;
  } else {
    MPI_Query_thread(&provided);
  }
  if (provided < MPI_THREAD_SERIALIZED) {
    finalize();
    fail<config_error>("[partrain::mpi::world] MPI was initialised with ", detail::thread_level(provided),
                       "; partrain needs MPI_THREAD_SERIALIZED or better, as one of its threads talks to the other ranks: call MPI_Init_thread with "
                       "MPI_THREAD_SERIALIZED, or let partrain initialise MPI");
  }
  MPI_Comm_dup(MPI_COMM_WORLD, &comm_);
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
  MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node_);
  MPI_Comm_rank(node_, &local_rank_);
  MPI_Comm_size(node_, &local_size_);
  char name[MPI_MAX_PROCESSOR_NAME] = {};
  int length = 0;
  MPI_Get_processor_name(name, &length);
  node_name_.assign(name, std::size_t(length));
  const launch_info launch = launched_by();
  if (size_ == 1 && launch.processes > 1) {
    finalize();
    fail<config_error>(
        "[partrain::mpi::world] ", launch.launcher, " started ", launch.processes, " processes, but MPI gave this one (",
        launch.launcher, " rank ", launch.rank, ") rank 0 of 1: the processes are not connected, so each would run "
        "everything. ", launch.launcher == "srun" ? "Give srun --mpi=pmix (Debian's Slurm defaults to MpiDefault=none)"
                                                 : "Start it with the mpirun of the MPI the program was built with",
        ", and check with `mpirun -np 2 hostname` that ranks see each other");
  }
}

PARTRAIN_DECL parallel::pool_options world::local_pool_options(int workers_per_gpu) const {
  parallel::pool_options o{.workers_per_gpu = workers_per_gpu};
  if (const int gpus = gpu_count(); gpus > 0) o.gpus = {local_rank_ % gpus};
  return o;
}

PARTRAIN_DECL void world::finalize() {
  if (node_ != MPI_COMM_NULL) MPI_Comm_free(&node_);
  if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (owns_ && !finalized) MPI_Finalize();
  owns_ = false;
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::mpi
