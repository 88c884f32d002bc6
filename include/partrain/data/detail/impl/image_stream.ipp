// The bodies of data/detail/image_stream.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/data.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <algorithm>
#include <utility>

#include "partrain/data/detail/image_stream.hpp"

namespace partrain::data::detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL image_stream::image_stream(load_fn load, std::size_t budget_bytes, int threads)
    : load_(std::move(load)), budget_(budget_bytes) {
  for (int t = 0; t < threads; ++t) threads_.emplace_back([this](std::stop_token st) { run(st); });
}

PARTRAIN_DECL image_stream::~image_stream() {
  for (auto& t : threads_) t.request_stop();
  changed_.notify_all();
  threads_.clear();  // joins
}

PARTRAIN_DECL std::unique_ptr<image_stream::reader> image_stream::open(const std::shared_ptr<image_stream>& stream) {
  auto q = std::make_shared<queue>();
  {
    std::lock_guard lock(stream->mutex_);
    stream->queues_.push_back(q);
  }
  return std::make_unique<reader>(stream, std::move(q));
}

PARTRAIN_DECL image_stream::reader::~reader() { stream_->close(*q_); }
PARTRAIN_DECL void image_stream::reader::start(std::vector<std::size_t> items) { stream_->start(*q_, std::move(items)); }
PARTRAIN_DECL std::shared_ptr<const decoded_image> image_stream::reader::take(std::size_t item) {
  return stream_->take(*q_, item);
}

PARTRAIN_DECL std::size_t image_stream::bytes_held() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}
PARTRAIN_DECL std::size_t image_stream::peak_bytes_held() const {
  std::lock_guard lock(mutex_);
  return peak_;
}

PARTRAIN_DECL void image_stream::release(queue& q) {
  for (const auto& entry : q.slots)
    if (entry.second.done && entry.second.image) bytes_ -= entry.second.image->pixels.size();
  q.slots.clear();
}

PARTRAIN_DECL void image_stream::start(queue& q, std::vector<std::size_t> items) {
  std::lock_guard lock(mutex_);
  release(q);  // slots still in progress are dropped when they finish (another generation)
  q.items = std::move(items);
  q.next = q.ahead = 0;
  ++q.generation;
  changed_.notify_all();
}

PARTRAIN_DECL void image_stream::close(queue& q) {
  std::lock_guard lock(mutex_);
  release(q);
  q.closed = true;
  ++q.generation;
  std::erase_if(queues_, [&](const auto& p) { return p.get() == &q; });
  changed_.notify_all();
}

PARTRAIN_DECL std::shared_ptr<const decoded_image> image_stream::take(queue& q, std::size_t item) {
  std::unique_lock lock(mutex_);
  if (q.next < q.items.size() && q.items[q.next] == item) {
    const std::size_t position = q.next++;
    q.ahead = std::max(q.ahead, q.next);
    if (const auto it = q.slots.find(position); it != q.slots.end()) {
      changed_.wait(lock, [&] { return it->second.done; });
      slot s = std::move(it->second);
      q.slots.erase(it);
      if (s.image) bytes_ -= s.image->pixels.size();
      changed_.notify_all();  // the budget has room again
      lock.unlock();
      if (s.error) std::rethrow_exception(s.error);
      return s.image;
    }
  }
  lock.unlock();
  return std::make_shared<const decoded_image>(load_(item));
}

// The next image to read ahead: for the queue least far ahead, while the images held (and
// those being decoded, at a typical size) fit the budget. The first one always may start.
PARTRAIN_DECL bool image_stream::next_job(job& j) {
  if (bytes_ + in_flight_ * typical_bytes_ >= budget_ && (bytes_ > 0 || in_flight_ > 0)) return false;
  queue* best = nullptr;
  std::shared_ptr<queue> keep;
  for (const auto& q : queues_)
    if (!q->closed && q->ahead < q->items.size() && (!best || q->ahead - q->next < best->ahead - best->next))
      best = q.get(), keep = q;
  if (!best) return false;
  j = job{keep, best->ahead, best->items[best->ahead], best->generation};
  best->slots[best->ahead++];
  ++in_flight_;
  return true;
}

PARTRAIN_DECL void image_stream::finish(const job& j, std::shared_ptr<const decoded_image> image,
                                        std::exception_ptr error) {
  std::lock_guard lock(mutex_);
  --in_flight_;
  if (image) typical_bytes_ = std::max(typical_bytes_, image->pixels.size());
  if (j.q->closed || j.q->generation != j.generation) return changed_.notify_all();  // announced anew meanwhile
  auto& s = j.q->slots[j.position];
  s.image = std::move(image), s.error = std::move(error), s.done = true;
  if (s.image) bytes_ += s.image->pixels.size(), peak_ = std::max(peak_, bytes_);
  changed_.notify_all();
}

PARTRAIN_DECL void image_stream::run(std::stop_token st) {
  for (;;) {
    job j;
    {
      std::unique_lock lock(mutex_);
      if (!changed_.wait(lock, st, [&] { return next_job(j); })) return;
    }
    std::shared_ptr<const decoded_image> image;
    std::exception_ptr error;
    try {
      image = std::make_shared<const decoded_image>(load_(j.item));
    } catch (...) {
      error = std::current_exception();
    }
    finish(j, std::move(image), std::move(error));
  }
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::data::detail
