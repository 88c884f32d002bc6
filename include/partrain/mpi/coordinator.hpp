// The one coordinator of work spread over MPI ranks, for mpi::run_experiment and
// mpi::submit_each alike: rank 0 hands out trials (indices) from a queue to every rank's
// free workers — its own take them directly, the other ranks' ask with a request — and
// learns when each other rank is done (its bye). Messages of other kinds go to the caller;
// one of a kind the caller does not expect is an io_error, kept by the link and rethrown by
// finish() (after an experiment's summary is written).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <utility>

#include <mpi.h>

#include "partrain/config.hpp"
#include "partrain/core/interrupt.hpp"
#include "partrain/mpi/link.hpp"
#include "partrain/mpi/message.hpp"

namespace partrain::mpi {
inline namespace PARTRAIN_MODE_NAMESPACE {

class coordinator {
 public:
  /// Called on the link's thread for each message that is not a request or a bye, with the
  /// link to answer or send on.
  using handler = std::function<void(int source, message_kind kind, message& m, link& l)>;

  /// On rank `rank` of `ranks` (communicator `comm`); `todo` is rank 0's queue of trials
  /// (empty elsewhere). With `interrupts_stop`, no trial is handed out once an interrupt
  /// came (SIGTERM, Ctrl-C, request_interrupt).
  coordinator(int rank, int ranks, MPI_Comm comm, std::deque<std::size_t> todo, handler on_message,
              bool interrupts_stop);
  coordinator(const coordinator&) = delete;
  coordinator& operator=(const coordinator&) = delete;

  /// The next trial for one of this rank's workers: from the queue on rank 0, from rank 0
  /// elsewhere; nullopt when there is none left (or an interrupt came, with interrupts_stop).
  /// Throws io_error when rank 0 could not answer.
  std::optional<std::size_t> next();

  /// The link to the other ranks, for messages of the caller's own kinds.
  link& messages() { return link_; }
  int rank() const { return rank_; }

  /// This rank's part is done: another rank says bye to rank 0; rank 0 waits for every
  /// other rank's bye, calling `tick` about every 50 ms while it waits. Then the link stops;
  /// rethrows what failed in it (a message that could not be read or sent).
  void finish(const std::function<void()>& tick = {});

 private:
  void receive(int source, message& m);

  int rank_, ranks_;
  std::mutex mutex_;
  std::condition_variable all_done_;
  std::deque<std::size_t> todo_;
  int byes_ = 0;
  handler on_message_;
  bool interrupts_stop_;
  link link_;  // last: its thread starts once everything its messages reach is built
};

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::mpi

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/mpi/impl/coordinator.ipp"
#endif
