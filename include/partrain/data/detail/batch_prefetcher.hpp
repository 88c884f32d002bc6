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

namespace partrain::data::detail {

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
  void start(std::span<const std::size_t> order, std::size_t batch_size, std::uint64_t epoch) {
    stop();
    order_.assign(order.begin(), order.end());
    batch_size_ = std::max<std::size_t>(batch_size, 1);
    epoch_ = epoch;
    batches_ = (order_.size() + batch_size_ - 1) / batch_size_;
    produced_ = consumed_ = 0;
    failed_ = false;
    for (auto& s : slots_) {
      s.images.resize(batch_size_ * image_size_);
      s.labels.resize(batch_size_);
    }
    worker_ = std::jthread([this](std::stop_token st) { run(st); });
  }

  /// Copies the batch to the caller when `indices`/`epoch` are the next announced batch
  /// (waiting for it if needed) and returns true; returns false otherwise.
  bool take(std::span<const std::size_t> indices, std::uint64_t epoch, float* images, int* labels) {
    std::unique_lock lock(mutex_);
    if (!worker_.joinable() || epoch != epoch_ || consumed_ >= batches_) return false;
    const std::size_t begin = consumed_ * batch_size_, end = std::min(order_.size(), begin + batch_size_);
    if (indices.size() != end - begin || !std::equal(indices.begin(), indices.end(), order_.begin() + std::ptrdiff_t(begin)))
      return false;
    ready_.wait(lock, [&] { return produced_ > consumed_ || failed_; });
    if (failed_) return false;  // the caller recomputes and sees the error itself
    const auto& s = slots_[consumed_ % slots_.size()];
    lock.unlock();  // the producer never writes the slot being read (see run)
    std::copy_n(s.images.data(), indices.size() * image_size_, images);
    std::copy_n(s.labels.data(), indices.size(), labels);
    lock.lock();
    ++consumed_;
    ready_.notify_all();
    return true;
  }

  void stop() {
    if (!worker_.joinable()) return;
    worker_.request_stop();
    ready_.notify_all();
    worker_.join();
  }

 private:
  struct slot {
    std::vector<float> images;
    std::vector<int> labels;
  };
  void run(std::stop_token st) {
    for (std::size_t b = 0; b < batches_; ++b) {
      {
        std::unique_lock lock(mutex_);
        // Writing slot b % depth is safe only while fewer than depth batches are unread.
        if (!ready_.wait(lock, st, [&] { return produced_ - consumed_ < slots_.size(); })) return;
      }
      const std::size_t begin = b * batch_size_, end = std::min(order_.size(), begin + batch_size_);
      auto& s = slots_[b % slots_.size()];
      try {
        fill_(std::span<const std::size_t>(order_.data() + begin, end - begin), epoch_, s.images.data(),
              s.labels.data());
      } catch (...) {
        std::lock_guard lock(mutex_);
        failed_ = true;
        ready_.notify_all();
        return;
      }
      std::lock_guard lock(mutex_);
      ++produced_;
      ready_.notify_all();
    }
  }

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
  batch_prefetcher* find() {
    std::lock_guard lock(mutex_);
    const auto it = by_thread_.find(std::this_thread::get_id());
    return it == by_thread_.end() ? nullptr : it->second.get();
  }

 private:
  std::mutex mutex_;
  std::map<std::thread::id, std::unique_ptr<batch_prefetcher>> by_thread_;
};

}  // namespace partrain::data::detail
