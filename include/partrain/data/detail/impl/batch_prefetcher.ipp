// The bodies of data/detail/batch_prefetcher.hpp: inline in a header-only build, compiled
// once in partrain::compiled (src/data.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <algorithm>

#include "partrain/data/detail/batch_prefetcher.hpp"

namespace partrain::data::detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL void batch_prefetcher::start(std::span<const std::size_t> order, std::size_t batch_size,
                                          std::uint64_t epoch) {
  stop();
  order_.assign(order.begin(), order.end());
  batch_size_ = std::max<std::size_t>(batch_size, 1);
  epoch_ = epoch;
  batches_ = (order_.size() + batch_size_ - 1) / batch_size_;
  produced_ = consumed_ = 0;
  failed_ = false;
  if (announce_) announce_(order_);
  for (auto& s : slots_) {
    s.images.resize(batch_size_ * image_size_);
    s.labels.resize(batch_size_);
  }
  worker_ = std::jthread([this](std::stop_token st) { run(st); });
}

PARTRAIN_DECL std::optional<std::size_t> batch_prefetcher::take(std::span<const std::size_t> indices,
                                                               std::uint64_t epoch, float* images, int* labels,
                                                               std::vector<dropped_image>* dropped) {
  std::unique_lock lock(mutex_);
  if (!worker_.joinable() || epoch != epoch_ || consumed_ >= batches_) return std::nullopt;
  const std::size_t begin = consumed_ * batch_size_, end = std::min(order_.size(), begin + batch_size_);
  if (indices.size() != end - begin || !std::equal(indices.begin(), indices.end(), order_.begin() + std::ptrdiff_t(begin)))
    return std::nullopt;
  ready_.wait(lock, [&] { return produced_ > consumed_ || failed_; });
  if (failed_) return std::nullopt;  // the caller recomputes and sees the error itself
  auto& s = slots_[consumed_ % slots_.size()];
  if (!s.dropped.empty() && !dropped) return std::nullopt;  // the caller cannot drop: it sees the error
  lock.unlock();  // the producer never writes the slot being read (see run)
  std::copy_n(s.images.data(), s.kept * image_size_, images);
  std::copy_n(s.labels.data(), s.kept, labels);
  if (dropped) dropped->insert(dropped->end(), s.dropped.begin(), s.dropped.end());
  const std::size_t kept = s.kept;
  lock.lock();
  ++consumed_;
  ready_.notify_all();
  return kept;
}

PARTRAIN_DECL void batch_prefetcher::stop() {
  if (!worker_.joinable()) return;
  worker_.request_stop();
  ready_.notify_all();
  worker_.join();
}

PARTRAIN_DECL void batch_prefetcher::run(std::stop_token st) {
  for (std::size_t b = 0; b < batches_; ++b) {
    {
      std::unique_lock lock(mutex_);
      // Writing slot b % depth is safe only while fewer than depth batches are unread.
      if (!ready_.wait(lock, st, [&] { return produced_ - consumed_ < slots_.size(); })) return;
    }
    const std::size_t begin = b * batch_size_, end = std::min(order_.size(), begin + batch_size_);
    auto& s = slots_[b % slots_.size()];
    try {
      s.dropped.clear();
      s.kept = fill_(std::span<const std::size_t>(order_.data() + begin, end - begin), epoch_, s.images.data(),
                     s.labels.data(), &s.dropped);
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

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::data::detail
