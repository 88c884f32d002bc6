// buffer<V>: an owning array of trivially copyable V in one memory space (host by default).
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include "partrain/core/memory.hpp"

namespace partrain {

/// Zero-filled when it grows; ensure() and resize() keep the allocation when it is large
/// enough, so a step that asks for the same size again never allocates.
template <class V>
class buffer {
  static_assert(std::is_trivially_copyable_v<V>, "buffer<V>: V must be trivially copyable");

 public:
  buffer() = default;
  explicit buffer(std::size_t count, const memory_space& m = host_memory) { ensure(m, count); }
  buffer(const buffer& o) : space_(o.space_) {
    reserve(o.size_);
    size_ = o.size_;
    copy_between(*space_, data_, *o.space_, o.data_, size_ * sizeof(V));
  }
  buffer& operator=(const buffer& o) {
    if (this != &o) {
      if (space_ != o.space_) release(), space_ = o.space_;
      reserve(o.size_);
      size_ = o.size_;
      copy_between(*space_, data_, *o.space_, o.data_, size_ * sizeof(V));
    }
    return *this;
  }
  buffer(buffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)),
        capacity_(std::exchange(o.capacity_, 0)), space_(o.space_) {}
  buffer& operator=(buffer&& o) noexcept {
    if (this != &o) {
      release();
      data_ = std::exchange(o.data_, nullptr), size_ = std::exchange(o.size_, 0);
      capacity_ = std::exchange(o.capacity_, 0), space_ = o.space_;
    }
    return *this;
  }
  ~buffer() { release(); }

  /// Sets the size, keeping the space; contents are unspecified unless the capacity grew.
  void resize(std::size_t count) {
    reserve(count);
    size_ = count;
  }
  /// Sets the size and the space; contents are unspecified (zero when newly allocated).
  void ensure(const memory_space& m, std::size_t count) {
    if (&m != space_) release(), space_ = &m;
    resize(count);
  }
  /// Moves the contents into space m (a copy through the host when needed).
  void to(const memory_space& m) {
    if (&m == space_) return;
    buffer moved(size_, m);
    copy_between(m, moved.data_, *space_, data_, size_ * sizeof(V));
    *this = std::move(moved);
  }

  V* data() { return data_; }
  const V* data() const { return data_; }
  std::size_t size() const { return size_; }
  const memory_space& space() const { return *space_; }
  bool on_host() const { return space_->host; }

 private:
  void reserve(std::size_t count) {
    if (count <= capacity_) return;
    release();
    data_ = static_cast<V*>(space_->allocate(count * sizeof(V)));
    capacity_ = count;
  }
  void release() noexcept {
    if (data_) space_->release(data_);
    data_ = nullptr, size_ = 0, capacity_ = 0;
  }
  V* data_ = nullptr;
  std::size_t size_ = 0, capacity_ = 0;
  const memory_space* space_ = &host_memory;
};

}  // namespace partrain
