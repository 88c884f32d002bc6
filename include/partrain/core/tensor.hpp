// An owning NCHW tensor of float or double, in host memory (64-byte aligned) or, in nvcc
// builds, in a CUDA device's memory.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <type_traits>

#include "partrain/core/buffer.hpp"
#include "partrain/core/shape.hpp"

namespace partrain {

template <class T>
concept element_type = std::is_same_v<T, float> || std::is_same_v<T, double>;

/// A batch of images (or any 4-d array) with runtime extents. Zero-initialised on growth.
/// resize() keeps the allocation when it is large enough, so a training step that
/// resizes to the same batch size never allocates. Element access (operator[], at, span,
/// fill) is for host tensors; a device tensor's data() is for backend ops.
template <element_type T>
class tensor {
 public:
  using value_type = T;
  tensor() = default;
  explicit tensor(dims d, const memory_space& m = host_memory) : data_(d.size(), m), dims_(d) {}

  /// Sets the extents, keeping the memory space; contents are unspecified unless the
  /// capacity grew (then zero).
  void resize(dims d) {
    data_.resize(d.size());
    dims_ = d;
  }
  /// Sets the extents and the memory space (contents unspecified).
  void resize(dims d, const memory_space& m) {
    data_.ensure(m, d.size());
    dims_ = d;
  }
  /// Moves the contents into memory space m.
  void to(const memory_space& m) { data_.to(m); }
  void fill(T v) { std::fill_n(data(), size(), v); }

  const partrain::dims& extents() const { return dims_; }
  int n() const { return dims_.n; }
  std::size_t size() const { return dims_.size(); }
  const memory_space& space() const { return data_.space(); }
  bool on_host() const { return data_.on_host(); }
  T* data() { return data_.data(); }
  const T* data() const { return data_.data(); }
  T& operator[](std::size_t i) { return data()[i]; }
  const T& operator[](std::size_t i) const { return data()[i]; }
  T& at(int n, int c, int h, int w) { return data()[index(n, c, h, w)]; }
  const T& at(int n, int c, int h, int w) const { return data()[index(n, c, h, w)]; }
  std::span<T> span() { return {data(), size()}; }
  std::span<const T> span() const { return {data(), size()}; }
  /// The i-th image of the batch.
  T* image(int i) { return data() + std::size_t(i) * dims_.image_size(); }
  const T* image(int i) const { return data() + std::size_t(i) * dims_.image_size(); }

 private:
  std::size_t index(int n, int c, int h, int w) const {
    return ((std::size_t(n) * dims_.c + c) * dims_.h + h) * dims_.w + w;
  }
  buffer<T> data_;
  partrain::dims dims_{};
};

}  // namespace partrain
