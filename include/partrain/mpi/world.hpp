// mpi::world: this process's place among the ranks mpirun or srun started — MPI initialised
// (or adopted from the user) with the thread level partrain needs, the rank, the ranks on
// this node, and the workers this rank should start. Needs MPI: link partrain::mpi.
#pragma once

#include <mpi.h>

#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/backend/gpu_count.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/launcher.hpp"
#include "partrain/parallel/pool.hpp"

namespace partrain::mpi {

namespace detail {
inline namespace PARTRAIN_MODE_NAMESPACE {
PARTRAIN_DECL std::string thread_level(int level);
PARTRAIN_DECL std::string error_text(int code);

/// srun started several tasks with no MPI plugin (Debian's Slurm defaults to
/// MpiDefault=none): no PMIx or PMI variables, so MPI_Init cannot connect them (Open MPI
/// aborts inside it with a message about its own build). Said before MPI is touched.
PARTRAIN_DECL void refuse_srun_without_pmi();
}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace detail

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Every rank makes one: it initialises MPI, unless the program did, and finalises it if it
/// did. partrain makes MPI calls from one thread at a time (MPI_THREAD_SERIALIZED).
class world {
 public:
  /// Throws config_error when MPI_Init_thread fails, gives less than MPI_THREAD_SERIALIZED, or
  /// gives one rank where the launcher started several (srun without --mpi=pmix; a program
  /// built with another MPI than the mpirun that started it).
  explicit world(int* argc = nullptr, char*** argv = nullptr);
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
  parallel::pool_options local_pool_options(int workers_per_gpu = 1) const;

 private:
  void finalize();

  int unwinding_ = std::uncaught_exceptions();
  bool owns_ = false;
  MPI_Comm comm_ = MPI_COMM_NULL, node_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1, local_rank_ = 0, local_size_ = 1;
  std::string node_name_;
};

}  // namespace PARTRAIN_MODE_NAMESPACE

}  // namespace partrain::mpi

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/mpi/impl/world.ipp"
#endif
