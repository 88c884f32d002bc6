// The bodies of mpi/coordinator.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/mpi.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <utility>

#include <mpi.h>

#include "partrain/core/error.hpp"
#include "partrain/core/interrupt.hpp"
#include "partrain/mpi/coordinator.hpp"
#include "partrain/mpi/link.hpp"
#include "partrain/mpi/message.hpp"

namespace partrain::mpi {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL coordinator::coordinator(int rank, int ranks, MPI_Comm comm, std::deque<std::size_t> todo,
                                       handler on_message, bool interrupts_stop)
    : rank_(rank), ranks_(ranks), todo_(std::move(todo)), on_message_(std::move(on_message)),
      interrupts_stop_(interrupts_stop), link_(comm, [this](int source, message& m) { receive(source, m); }) {}

PARTRAIN_DECL std::optional<std::size_t> coordinator::next() {
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

PARTRAIN_DECL void coordinator::finish(const std::function<void()>& tick) {
  if (rank_ != 0) {
    link_.send(0, make_message(message_kind::bye));
  } else {
    std::unique_lock lock(mutex_);
    while (!all_done_.wait_for(lock, std::chrono::milliseconds(50), [&] { return byes_ == ranks_ - 1; }))
      if (tick) lock.unlock(), tick(), lock.lock();
  }
  link_.stop();
}

PARTRAIN_DECL void coordinator::receive(int source, message& m) {
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

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::mpi
