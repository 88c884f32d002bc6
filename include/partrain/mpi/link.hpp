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

#include "partrain/config.hpp"
#include "partrain/mpi/message.hpp"

namespace partrain::mpi {
inline namespace PARTRAIN_MODE_NAMESPACE {

class link {
 public:
  using handler = std::function<void(int source, message& m)>;
  /// A progress batch goes when it is this old or this large (and before any other message).
  static constexpr auto batch_age = std::chrono::milliseconds(100);
  static constexpr std::size_t batch_size = 512;

  /// Starts the thread; `on_message` runs on it for each message that is not a reply.
  link(MPI_Comm comm, handler on_message);
  ~link() { join(); }
  link(const link&) = delete;
  link& operator=(const link&) = delete;

  /// Queues `m` for rank `dest`; messages to one rank arrive in the order they were queued.
  /// Throws io_error, sending nothing, for a message over MPI's 2 GiB count.
  void send(int dest, message m);
  /// One progress item for rank 0, sent in a batch.
  void send_progress(nlohmann::json item);
  /// Sends `m` to `dest` and waits for its reply (see reply()).
  message call(int dest, message m);
  /// Answers `request` (a call() from rank `dest`).
  void reply(int dest, const message& request, message answer);
  /// Sends what is queued, ends the thread, and rethrows what a handler threw, if anything.
  void stop();

 private:
  void join();

  static constexpr int tag = 0x7074;

  void flush_progress();  // under mutex_
  static int byte_count(std::size_t n, int dest);

  void loop();

  bool receive();
  void keep(std::exception_ptr e);

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

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::mpi

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/mpi/impl/link.ipp"
#endif
