// A rank's line to the others: one thread that makes every MPI call partrain makes while an
// experiment runs (so MPI_THREAD_SERIALIZED suffices). Workers queue messages and wait for
// replies; messages that arrive go to a handler on that thread. Progress to rank 0 travels
// in batches, so thousands of trials do not flood it.
#pragma once

#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <limits>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "partrain/mpi/message.hpp"

namespace partrain::mpi {

class link {
 public:
  using handler = std::function<void(int source, message& m)>;
  /// A progress batch goes when it is this old or this large (and before any other message).
  static constexpr auto batch_age = std::chrono::milliseconds(100);
  static constexpr std::size_t batch_size = 512;

  /// Starts the thread; `on_message` runs on it for each message that is not a reply.
  link(MPI_Comm comm, handler on_message) : comm_(comm), on_message_(std::move(on_message)) {
    thread_ = std::thread([this] { loop(); });
  }
  ~link() { join(); }
  link(const link&) = delete;
  link& operator=(const link&) = delete;

  /// Queues `m` for rank `dest`; messages to one rank arrive in the order they were queued.
  /// Throws io_error, sending nothing, for a message over MPI's 2 GiB count.
  void send(int dest, message m) {
    std::vector<std::byte> bytes = wire::encode(m);
    byte_count(bytes.size(), dest);
    std::lock_guard lock(mutex_);
    flush_progress();
    outbox_.emplace_back(dest, std::move(bytes));
  }
  /// One progress item for rank 0, sent in a batch.
  void send_progress(nlohmann::json item) {
    std::lock_guard lock(mutex_);
    if (batch_.empty()) batch_since_ = std::chrono::steady_clock::now();
    batch_.push_back(std::move(item));
  }
  /// Sends `m` to `dest` and waits for its reply (see reply()).
  message call(int dest, message m) {
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
  /// Answers `request` (a call() from rank `dest`).
  void reply(int dest, const message& request, message answer) {
    answer.head["reply_to"] = request.head.at("id");
    send(dest, std::move(answer));
  }
  /// Sends what is queued, ends the thread, and rethrows what a handler threw, if anything.
  void stop() {
    join();
    std::exception_ptr e;
    {
      std::lock_guard lock(mutex_);
      e = std::exchange(error_, nullptr);
    }
    if (e) std::rethrow_exception(e);
  }

 private:
  void join() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }

  static constexpr int tag = 0x7074;

  void flush_progress() {  // under mutex_
    if (batch_.empty()) return;
    nlohmann::json items = std::exchange(batch_, nlohmann::json::array());
    outbox_.emplace_back(0, wire::encode(make_message(message_kind::progress, {{"items", std::move(items)}})));
  }
  static int byte_count(std::size_t n, int dest) {
    PARTRAIN_CHECK(n <= std::size_t(std::numeric_limits<int>::max()), io_error, "[partrain::mpi] a message of ", n,
                   " bytes for rank ", dest, " is over MPI's 2 GiB count");
    return int(n);
  }

  void loop() {
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

  bool receive() {
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
  void keep(std::exception_ptr e) {
    std::lock_guard lock(mutex_);
    if (!error_) error_ = e;
  }

  MPI_Comm comm_;
  handler on_message_;
  std::mutex mutex_;
  std::deque<std::pair<int, std::vector<std::byte>>> outbox_;
  nlohmann::json batch_ = nlohmann::json::array();
  std::chrono::steady_clock::time_point batch_since_;
  std::map<std::uint64_t, std::promise<message>> waiting_;
  std::uint64_t next_id_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace partrain::mpi
