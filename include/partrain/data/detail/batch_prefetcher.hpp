// A background thread that assembles the announced mini-batches of one epoch ahead of the
// consumer, into a small ring of buffers; used by augmented_image_datastore.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <stop_token>
#include <thread>
#include <vector>

#include "partrain/config.hpp"

namespace partrain::data::detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

/// Produces batches of one epoch's order in the background. One consumer thread.
class batch_prefetcher {
 public:
  using fill_fn = std::function<void(std::span<const std::size_t>, std::uint64_t, float*, int*)>;

  batch_prefetcher(fill_fn fill, std::size_t image_size, std::size_t depth = 4)
      : fill_(std::move(fill)), image_size_(image_size), slots_(depth) {}
  batch_prefetcher(const batch_prefetcher&) = delete;
  batch_prefetcher& operator=(const batch_prefetcher&) = delete;
  ~batch_prefetcher() { stop(); }

  /// Cancels the running epoch, if any, and starts assembling the batches of `order`.
  void start(std::span<const std::size_t> order, std::size_t batch_size, std::uint64_t epoch);

  /// Copies the batch to the caller when `indices`/`epoch` are the next announced batch
  /// (waiting for it if needed) and returns true; returns false otherwise.
  bool take(std::span<const std::size_t> indices, std::uint64_t epoch, float* images, int* labels);

  void stop();

 private:
  struct slot {
    std::vector<float> images;
    std::vector<int> labels;
  };
  void run(std::stop_token st);

  fill_fn fill_;
  std::size_t image_size_;
  std::vector<slot> slots_;
  std::vector<std::size_t> order_;
  std::size_t batch_size_ = 1, batches_ = 0, produced_ = 0, consumed_ = 0;
  std::uint64_t epoch_ = 0;
  bool failed_ = false;
  std::mutex mutex_;
  std::condition_variable_any ready_;
  std::jthread worker_;
};

/// One prefetcher per consumer thread, so several trainers can share one datastore.
/// Copies and moves start empty (prefetching is a cache, not state).
class prefetch_hub {
 public:
  prefetch_hub() = default;
  prefetch_hub(const prefetch_hub&) {}
  prefetch_hub& operator=(const prefetch_hub&) { return *this; }

  /// The calling thread's prefetcher, made with `make` on first use.
  template <class Make>
  batch_prefetcher& mine(Make&& make) {
    std::lock_guard lock(mutex_);
    auto& p = by_thread_[std::this_thread::get_id()];
    if (!p) p = make();
    return *p;
  }
  /// The calling thread's prefetcher, or nullptr.
  batch_prefetcher* find();

 private:
  std::mutex mutex_;
  std::map<std::thread::id, std::unique_ptr<batch_prefetcher>> by_thread_;
};

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::data::detail

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/data/detail/impl/batch_prefetcher.ipp"
#endif
