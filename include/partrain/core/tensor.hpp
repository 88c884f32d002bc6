// An owning, 64-byte aligned NCHW tensor of float or double in host memory.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <span>
#include <type_traits>

#include "partrain/core/shape.hpp"

namespace partrain {

namespace detail {
struct aligned_free {
  void operator()(void* p) const { std::free(p); }
};
template <class T>
std::unique_ptr<T[], aligned_free> aligned_array(std::size_t count) {
  if (count == 0) return nullptr;
  const std::size_t bytes = (count * sizeof(T) + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, bytes);
  if (!p) throw std::bad_alloc();
  return std::unique_ptr<T[], aligned_free>(static_cast<T*>(p));
}
}  // namespace detail

template <class T>
concept element_type = std::is_same_v<T, float> || std::is_same_v<T, double>;

/// A batch of images (or any 4-d array) with runtime extents. Zero-initialised on growth.
/// resize() keeps the allocation when it is large enough, so a training step that
/// resizes to the same batch size never allocates.
template <element_type T>
class tensor {
 public:
  using value_type = T;
  tensor() = default;
  explicit tensor(dims d) { resize(d); }
  tensor(const tensor& o) : tensor(o.dims_) { std::copy_n(o.data(), o.size(), data()); }
  tensor& operator=(const tensor& o) {
    if (this != &o) {
      resize(o.dims_);
      std::copy_n(o.data(), o.size(), data());
    }
    return *this;
  }
  tensor(tensor&&) noexcept = default;
  tensor& operator=(tensor&&) noexcept = default;

  /// Sets the extents; contents are unspecified unless the capacity grew (then zero).
  void resize(dims d) {
    if (d.size() > capacity_) {
      data_ = detail::aligned_array<T>(d.size());
      capacity_ = d.size();
      std::fill_n(data_.get(), capacity_, T(0));
    }
    dims_ = d;
  }
  void fill(T v) { std::fill_n(data(), size(), v); }

  const partrain::dims& extents() const { return dims_; }
  int n() const { return dims_.n; }
  std::size_t size() const { return dims_.size(); }
  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }
  T& at(int n, int c, int h, int w) { return data_[index(n, c, h, w)]; }
  const T& at(int n, int c, int h, int w) const { return data_[index(n, c, h, w)]; }
  std::span<T> span() { return {data(), size()}; }
  std::span<const T> span() const { return {data(), size()}; }
  /// The i-th image of the batch.
  T* image(int i) { return data() + std::size_t(i) * dims_.image_size(); }
  const T* image(int i) const { return data() + std::size_t(i) * dims_.image_size(); }

 private:
  std::size_t index(int n, int c, int h, int w) const {
    return ((std::size_t(n) * dims_.c + c) * dims_.h + h) * dims_.w + w;
  }
  std::unique_ptr<T[], detail::aligned_free> data_;
  std::size_t capacity_ = 0;
  partrain::dims dims_{};
};

}  // namespace partrain
