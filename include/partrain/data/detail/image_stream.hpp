// The decoded images of a streaming image_datastore: a few decode threads read ahead of each
// reader, in the order it announced, within one memory budget for the whole datastore.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <stop_token>
#include <thread>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/data/image_io.hpp"

namespace partrain::data::detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

/// Reads ahead for any number of readers (one per consuming thread). Each reader announces
/// the items it will take, in order; the decode threads serve the reader least far ahead,
/// while the decoded images waiting to be taken stay under the budget. A reader that finds
/// its next image not started decodes it itself, so no reader waits on another's budget.
class image_stream {
  struct queue;

 public:
  using load_fn = std::function<decoded_image(std::size_t item)>;

  /// `load` decodes an item (throwing to refuse it); called from several threads at once.
  image_stream(load_fn load, std::size_t budget_bytes, int threads);
  ~image_stream();  // stops and joins the decode threads
  image_stream(const image_stream&) = delete;
  image_stream& operator=(const image_stream&) = delete;

  /// One consumer's read-ahead queue; used by one thread at a time.
  class reader {
   public:
    reader(std::shared_ptr<image_stream> stream, std::shared_ptr<queue> q) : stream_(std::move(stream)), q_(std::move(q)) {}
    ~reader();
    reader(const reader&) = delete;
    reader& operator=(const reader&) = delete;
    /// The items this reader takes next, in order (what was read ahead before is dropped).
    void start(std::vector<std::size_t> items);
    /// The decoded item: read ahead when it is the next announced one, decoded here otherwise.
    /// Rethrows the error that refused it.
    std::shared_ptr<const decoded_image> take(std::size_t item);

   private:
    std::shared_ptr<image_stream> stream_;
    std::shared_ptr<queue> q_;
  };
  /// A new reader of `stream`, which it keeps alive.
  static std::unique_ptr<reader> open(const std::shared_ptr<image_stream>& stream);

  /// Decodes an item now, on the calling thread.
  decoded_image load(std::size_t item) const { return load_(item); }
  /// Bytes of decoded images held for readers now, and the most ever held.
  std::size_t bytes_held() const;
  std::size_t peak_bytes_held() const;
  std::size_t budget() const { return budget_; }

 private:
  struct slot {
    std::shared_ptr<const decoded_image> image;
    std::exception_ptr error;
    bool done = false;
  };
  struct queue {
    std::vector<std::size_t> items;
    std::size_t next = 0;         // the position the reader takes next
    std::size_t ahead = 0;        // the position a decode thread starts next
    std::uint64_t generation = 0; // which announcement the slots belong to
    std::map<std::size_t, slot> slots;  // position -> read ahead (or in progress)
    bool closed = false;
  };
  struct job {
    std::shared_ptr<queue> q;
    std::size_t position, item;
    std::uint64_t generation;
  };

  void run(std::stop_token st);
  bool next_job(job& j);  // under the lock
  void finish(const job& j, std::shared_ptr<const decoded_image> image, std::exception_ptr error);
  void release(queue& q);  // under the lock: its slots leave the budget
  void start(queue& q, std::vector<std::size_t> items);
  std::shared_ptr<const decoded_image> take(queue& q, std::size_t item);
  void close(queue& q);

  load_fn load_;
  std::size_t budget_;
  mutable std::mutex mutex_;
  std::condition_variable_any changed_;
  std::vector<std::shared_ptr<queue>> queues_;
  std::size_t bytes_ = 0, peak_ = 0, in_flight_ = 0, typical_bytes_ = 0;
  std::vector<std::jthread> threads_;  // last: stopped before the rest is destroyed
};

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::data::detail

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/data/detail/impl/image_stream.ipp"
#endif
