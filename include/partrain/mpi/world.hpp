// mpi::world: this process's place among the ranks mpirun or srun started — MPI initialised
// (or adopted from the user) with the thread level partrain needs, the rank, the ranks on
// this node, and the workers this rank should start. Needs MPI: link partrain::mpi.
#pragma once

#include <mpi.h>

#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "partrain/backend/gpu_count.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/launcher.hpp"
#include "partrain/parallel/pool.hpp"

namespace partrain::mpi {

namespace detail {
inline std::string thread_level(int level) {
  if (level == MPI_THREAD_SINGLE) return "MPI_THREAD_SINGLE";
  if (level == MPI_THREAD_FUNNELED) return "MPI_THREAD_FUNNELED";
  if (level == MPI_THREAD_SERIALIZED) return "MPI_THREAD_SERIALIZED";
  if (level == MPI_THREAD_MULTIPLE) return "MPI_THREAD_MULTIPLE";
  return "thread level " + std::to_string(level);
}
inline std::string error_text(int code) {
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, std::size_t(length));
}

/// srun started several tasks with no MPI plugin (Debian's Slurm defaults to
/// MpiDefault=none): no PMIx or PMI variables, so MPI_Init cannot connect them (Open MPI
/// aborts inside it with a message about its own build). Said before MPI is touched.
inline void refuse_srun_without_pmi() {
  const launch_info l = launched_by();
  auto set = [](const char* name) { return std::getenv(name) != nullptr; };
  if (l.launcher != "srun" || l.processes < 2 || set("PMIX_RANK") || set("PMI_RANK") || set("PMI_FD")) return;
  fail<config_error>("[partrain::mpi::world] srun started ", l.processes, " tasks (this is task ", l.rank,
                     ") without an MPI plugin, so MPI cannot connect them: give srun --mpi=pmix (Debian's Slurm "
                     "defaults to MpiDefault=none; `srun --mpi=list` shows the plugins), or set MpiDefault=pmix in "
                     "slurm.conf");
}
}  // namespace detail

/// Every rank makes one: it initialises MPI, unless the program did, and finalises it if it
/// did. partrain makes MPI calls from one thread at a time (MPI_THREAD_SERIALIZED).
class world {
 public:
  /// Throws config_error when MPI_Init_thread fails, gives less than MPI_THREAD_SERIALIZED, or
  /// gives one rank where the launcher started several (srun without --mpi=pmix; a program
  /// built with another MPI than the mpirun that started it).
  explicit world(int* argc = nullptr, char*** argv = nullptr) {
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
  /// Finalises MPI if it initialised it — but not while an exception unwinds the program:
  /// the other ranks may wait for this one in a collective, and MPI_Finalize could wait for
  /// them. Left unfinalised, the process's exit ends the job (mpirun aborts the others).
  ~world() {
    if (std::uncaught_exceptions() > unwinding_) return;
    finalize();
  }
  world(const world&) = delete;
  world& operator=(const world&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  /// This rank among those on its node, and how many there are (MPI_COMM_TYPE_SHARED).
  int local_rank() const { return local_rank_; }
  int local_size() const { return local_size_; }
  const std::string& node() const { return node_name_; }
  /// partrain's own communicator (a duplicate of MPI_COMM_WORLD: its messages never meet the program's).
  MPI_Comm comm() const { return comm_; }

  /// The workers this rank starts: with GPUs, `workers_per_gpu` on GPU local_rank % (GPUs it
  /// sees) — one GPU per rank, also under srun --gpus-per-task where each sees only device 0;
  /// without, one CPU worker per core it may use (its binding, at most SLURM_CPUS_PER_TASK).
  parallel::pool_options local_pool_options(int workers_per_gpu = 1) const {
    parallel::pool_options o{.workers_per_gpu = workers_per_gpu};
    if (const int gpus = gpu_count(); gpus > 0) o.gpus = {local_rank_ % gpus};
    return o;
  }

 private:
  void finalize() {
    if (node_ != MPI_COMM_NULL) MPI_Comm_free(&node_);
    if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (owns_ && !finalized) MPI_Finalize();
    owns_ = false;
  }

  int unwinding_ = std::uncaught_exceptions();
  bool owns_ = false;
  MPI_Comm comm_ = MPI_COMM_NULL, node_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1, local_rank_ = 0, local_size_ = 1;
  std::string node_name_;
};

}  // namespace partrain::mpi
