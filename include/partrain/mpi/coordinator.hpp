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

#include "partrain/core/interrupt.hpp"
#include "partrain/mpi/link.hpp"
#include "partrain/mpi/message.hpp"

namespace partrain::mpi {

class coordinator {
 public:
  /// Called on the link's thread for each message that is not a request or a bye, with the
  /// link to answer or send on.
  using handler = std::function<void(int source, message_kind kind, message& m, link& l)>;

  /// On rank `rank` of `ranks` (communicator `comm`); `todo` is rank 0's queue of trials
  /// (empty elsewhere). With `interrupts_stop`, no trial is handed out once an interrupt
  /// came (SIGTERM, Ctrl-C, request_interrupt).
  coordinator(int rank, int ranks, MPI_Comm comm, std::deque<std::size_t> todo, handler on_message,
              bool interrupts_stop)
      : rank_(rank), ranks_(ranks), todo_(std::move(todo)), on_message_(std::move(on_message)),
        interrupts_stop_(interrupts_stop), link_(comm, [this](int source, message& m) { receive(source, m); }) {}
  coordinator(const coordinator&) = delete;
  coordinator& operator=(const coordinator&) = delete;

  /// The next trial for one of this rank's workers: from the queue on rank 0, from rank 0
  /// elsewhere; nullopt when there is none left (or an interrupt came, with interrupts_stop).
  /// Throws io_error when rank 0 could not answer.
  std::optional<std::size_t> next() {
    if (rank_ == 0) {
      std::lock_guard lock(mutex_);
      if (todo_.empty() || (interrupts_stop_ && interrupt_requested())) return std::nullopt;
      const std::size_t i = todo_.front();
      todo_.pop_front();
      return i;
    }
    if (interrupts_stop_ && interrupt_requested()) return std::nullopt;
    const message a = link_.call(0, make_message(message_kind::request));
    if (a.head.at("trial").is_null()) return std::nullopt;
    return a.head.at("trial").get<std::size_t>();
  }

  /// The link to the other ranks, for messages of the caller's own kinds.
  link& messages() { return link_; }
  int rank() const { return rank_; }

  /// This rank's part is done: another rank says bye to rank 0; rank 0 waits for every
  /// other rank's bye, calling `tick` about every 50 ms while it waits. Then the link stops;
  /// rethrows what failed in it (a message that could not be read or sent).
  void finish(const std::function<void()>& tick = {}) {
    if (rank_ != 0) {
      link_.send(0, make_message(message_kind::bye));
    } else {
      std::unique_lock lock(mutex_);
      while (!all_done_.wait_for(lock, std::chrono::milliseconds(50), [&] { return byes_ == ranks_ - 1; }))
        if (tick) lock.unlock(), tick(), lock.lock();
    }
    link_.stop();
  }

 private:
  void receive(int source, message& m) {
    const message_kind kind = kind_of(m, source);
    if (kind == message_kind::request) {
      PARTRAIN_CHECK(rank_ == 0, io_error, "[partrain::mpi] rank ", source, " asked rank ", rank_,
                     " for a trial; only rank 0 hands them out");
      const auto i = next();
      link_.reply(source, m, {{{"trial", i ? nlohmann::json(*i) : nlohmann::json(nullptr)}}, {}});
    } else if (kind == message_kind::bye) {
      std::lock_guard lock(mutex_);
      ++byes_;
      all_done_.notify_all();
    } else if (on_message_) {
      on_message_(source, kind, m, link_);
    }
  }

  int rank_, ranks_;
  std::mutex mutex_;
  std::condition_variable all_done_;
  std::deque<std::size_t> todo_;
  int byes_ = 0;
  handler on_message_;
  bool interrupts_stop_;
  link link_;  // last: its thread starts once everything its messages reach is built
};

}  // namespace partrain::mpi
