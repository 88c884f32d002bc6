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
#include <optional>
#include <span>
#include <stop_token>
#include <thread>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/data/data_source.hpp"
#include "partrain/data/detail/per_thread.hpp"

namespace partrain::data::detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

/// Produces batches of one epoch's order in the background. One consumer thread.
class batch_prefetcher {
 public:
  /// Writes a batch, returning how many images it kept (see data::read_batch_dropping); it
  /// appends the others to the vector.
  using fill_fn =
      std::function<std::size_t(std::span<const std::size_t>, std::uint64_t, float*, int*, std::vector<dropped_image>*)>;
  /// Called with each epoch's order before its first batch is made (the fill's own read-ahead).
  using announce_fn = std::function<void(std::span<const std::size_t>)>;

  batch_prefetcher(fill_fn fill, std::size_t image_size, announce_fn announce = {}, std::size_t depth = 4)
      : fill_(std::move(fill)), announce_(std::move(announce)), image_size_(image_size), slots_(depth) {}
  batch_prefetcher(const batch_prefetcher&) = delete;
  batch_prefetcher& operator=(const batch_prefetcher&) = delete;
  ~batch_prefetcher() { stop(); }

  /// Cancels the running epoch, if any, and starts assembling the batches of `order`.
  void start(std::span<const std::size_t> order, std::size_t batch_size, std::uint64_t epoch);

  /// Copies the batch to the caller when `indices`/`epoch` are the next announced batch
  /// (waiting for it if needed) and returns how many images it kept, appending the others to
  /// `dropped`; returns nothing otherwise, and when images were left out but `dropped` is null.
  std::optional<std::size_t> take(std::span<const std::size_t> indices, std::uint64_t epoch, float* images,
                                  int* labels, std::vector<dropped_image>* dropped);

  void stop();

 private:
  struct slot {
    std::vector<float> images;
    std::vector<int> labels;
    std::size_t kept = 0;
    std::vector<dropped_image> dropped;
  };
  void run(std::stop_token st);

  fill_fn fill_;
  announce_fn announce_;
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
using prefetch_hub = per_thread<batch_prefetcher>;

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::data::detail

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/data/detail/impl/batch_prefetcher.ipp"
#endif
