// device_buffer<T>: device memory from the stream-ordered pool, freed on the stream it came from.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include <cuda_runtime_api.h>

#include "partrain/backend/cuda/error.cuh"
#include "partrain/core/memory.hpp"

namespace partrain::backend::cuda {

namespace detail {
inline void* device_allocate(std::size_t bytes) {
  void* p = nullptr;
  PARTRAIN_CUDA_CHECK(cudaMalloc(&p, bytes));
  // Zeroed on the legacy stream, which the workers' non-blocking streams do not wait for.
  if (cudaMemset(p, 0, bytes) != cudaSuccess || cudaStreamSynchronize(nullptr) != cudaSuccess) {
    (void)cudaFree(p);
    PARTRAIN_CUDA_CHECK(cudaGetLastError());
  }
  return p;
}
inline void device_release(void* p) noexcept { (void)cudaFree(p); }
inline void device_copy(void* dst, const void* src, std::size_t bytes) {
  PARTRAIN_CUDA_CHECK(cudaDeviceSynchronize());
  PARTRAIN_CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyDefault));
}
}  // namespace detail

/// The current CUDA device's memory (cudaMalloc), for tensors and buffers of networks that
/// train on it. Allocation happens at setup; steps reuse what they got.
inline constexpr memory_space device_memory{"cuda", false, &detail::device_allocate, &detail::device_release,
                                            &detail::device_copy};

/// An owning array of `size()` T in device memory (cudaMallocAsync on `stream`).
/// Contents are uninitialised. Move-only.
template <class T>
class device_buffer {
 public:
  device_buffer() = default;
  device_buffer(std::size_t count, cudaStream_t stream) : stream_(stream) { reserve(count); }
  device_buffer(device_buffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)), stream_(o.stream_) {}
  device_buffer& operator=(device_buffer&& o) noexcept {
    if (this != &o) {
      release();
      data_ = std::exchange(o.data_, nullptr), size_ = std::exchange(o.size_, 0), stream_ = o.stream_;
    }
    return *this;
  }
  ~device_buffer() { release(); }

  /// Grows to at least `count` elements (contents are not kept); never shrinks.
  void reserve(std::size_t count) {
    if (count <= size_) return;
    release();
    void* p = nullptr;
    PARTRAIN_CUDA_CHECK(cudaMallocAsync(&p, count * sizeof(T), stream_));
    data_ = static_cast<T*>(p), size_ = count;
  }
  void set_stream(cudaStream_t s) { stream_ = s; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  void release() noexcept {
    if (data_) (void)cudaFreeAsync(data_, stream_);
    data_ = nullptr, size_ = 0;
  }
  T* data_ = nullptr;
  std::size_t size_ = 0;
  cudaStream_t stream_ = nullptr;
};

/// Copies `count` T between host and device on `stream` (pageable host memory: the call
/// returns once the host buffer may be reused).
template <class T>
void upload(cudaStream_t stream, const T* host, std::size_t count, T* device) {
  PARTRAIN_CUDA_CHECK(cudaMemcpyAsync(device, host, count * sizeof(T), cudaMemcpyHostToDevice, stream));
}
/// Copies to the host and waits for the stream, so `host` is valid on return.
template <class T>
void download(cudaStream_t stream, const T* device, std::size_t count, T* host) {
  PARTRAIN_CUDA_CHECK(cudaMemcpyAsync(host, device, count * sizeof(T), cudaMemcpyDeviceToHost, stream));
  PARTRAIN_CUDA_CHECK(cudaStreamSynchronize(stream));
}

}  // namespace partrain::backend::cuda
