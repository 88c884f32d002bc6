// The bodies of mpi/link.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/mpi.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <future>
#include <limits>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "partrain/core/error.hpp"
#include "partrain/mpi/link.hpp"
#include "partrain/mpi/message.hpp"

namespace partrain::mpi {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL link::link(MPI_Comm comm, handler on_message) : comm_(comm), on_message_(std::move(on_message)) {
  thread_ = std::thread([this] { loop(); });
}

PARTRAIN_DECL void link::send(int dest, message m) {
  std::vector<std::byte> bytes = wire::encode(m);
  byte_count(bytes.size(), dest);
  std::lock_guard lock(mutex_);
  flush_progress();
  outbox_.emplace_back(dest, std::move(bytes));
}

PARTRAIN_DECL void link::send_progress(nlohmann::json item) {
  std::lock_guard lock(mutex_);
  if (batch_.empty()) batch_since_ = std::chrono::steady_clock::now();
  batch_.push_back(std::move(item));
}

PARTRAIN_DECL message link::call(int dest, message m) {
  std::future<message> answer;
  {
    std::lock_guard lock(mutex_);
    const std::uint64_t id = next_id_++;
    m.head["id"] = id;
    answer = waiting_[id].get_future();
    flush_progress();
    outbox_.emplace_back(dest, wire::encode(m));
  }
  message reply = answer.get();
  PARTRAIN_CHECK(!reply.head.contains("error"), io_error, "[partrain::mpi] rank ", dest, " could not answer: ",
                 reply.head.value("error", std::string()));
  return reply;
}

PARTRAIN_DECL void link::reply(int dest, const message& request, message answer) {
  answer.head["reply_to"] = request.head.at("id");
  send(dest, std::move(answer));
}

PARTRAIN_DECL void link::stop() {
  join();
  std::exception_ptr e;
  {
    std::lock_guard lock(mutex_);
    e = std::exchange(error_, nullptr);
  }
  if (e) std::rethrow_exception(e);
}

PARTRAIN_DECL void link::join() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

PARTRAIN_DECL void link::flush_progress() {  // under mutex_
  if (batch_.empty()) return;
  nlohmann::json items = std::exchange(batch_, nlohmann::json::array());
  outbox_.emplace_back(0, wire::encode(make_message(message_kind::progress, {{"items", std::move(items)}})));
}

PARTRAIN_DECL int link::byte_count(std::size_t n, int dest) {
  PARTRAIN_CHECK(n <= std::size_t(std::numeric_limits<int>::max()), io_error, "[partrain::mpi] a message of ", n,
                 " bytes for rank ", dest, " is over MPI's 2 GiB count");
  return int(n);
}

PARTRAIN_DECL void link::loop() {
  auto idle = std::chrono::microseconds(20);
  for (;;) {
    std::deque<std::pair<int, std::vector<std::byte>>> out;
    bool done = false;
    {
      std::lock_guard lock(mutex_);
      if (!batch_.empty() && (stopping_ || batch_.size() >= batch_size ||
                              std::chrono::steady_clock::now() - batch_since_ >= batch_age))
        flush_progress();
      out.swap(outbox_);
      done = stopping_;
    }
    bool received = false;
    try {  // what fails here is kept for stop() to throw; the thread goes on serving the other ranks
      for (auto& [dest, bytes] : out) MPI_Send(bytes.data(), byte_count(bytes.size(), dest), MPI_BYTE, dest, tag, comm_);
      received = receive();
    } catch (...) {
      keep(std::current_exception());
    }
    if (done && out.empty() && !received) return;
    if (!out.empty() || received) {
      idle = std::chrono::microseconds(20);
    } else {
      std::this_thread::sleep_for(idle);
      // Idle, it looks every 4 ms at most: about 0.3% of a core (every 1 ms cost 1.2%).
      idle = std::min<std::chrono::microseconds>(idle * 2, std::chrono::milliseconds(4));
    }
  }
}

PARTRAIN_DECL bool link::receive() {
  int flag = 0;
  MPI_Status status;
  MPI_Iprobe(MPI_ANY_SOURCE, tag, comm_, &flag, &status);
  if (!flag) return false;
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  std::vector<std::byte> bytes(static_cast<std::size_t>(count));
  MPI_Recv(bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, tag, comm_, MPI_STATUS_IGNORE);
  message m;
  try {
    m = wire::decode(bytes, status.MPI_SOURCE);
    if (m.head.contains("reply_to")) {
      std::promise<message> p;
      {
        std::lock_guard lock(mutex_);
        auto it = waiting_.find(m.head["reply_to"].get<std::uint64_t>());
        if (it == waiting_.end()) return true;
        p = std::move(it->second);
        waiting_.erase(it);
      }
      p.set_value(std::move(m));
    } else {
      on_message_(status.MPI_SOURCE, m);
    }
  } catch (const std::exception& e) {
    keep(std::current_exception());
    if (m.head.contains("id"))  // a rank waits for the answer: it gets the error instead
      send(status.MPI_SOURCE, {{{"reply_to", m.head["id"]}, {"error", e.what()}}, {}});
  }
  return true;
}

PARTRAIN_DECL void link::keep(std::exception_ptr e) {
  std::lock_guard lock(mutex_);
  if (!error_) error_ = e;
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::mpi
