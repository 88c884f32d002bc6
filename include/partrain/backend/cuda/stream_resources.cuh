// What a worker needs on its CUDA device: a non-blocking stream, cuDNN and cuBLAS handles bound
// to it, scratch memory from the stream-ordered pool, pinned bytes for metrics and plan caches.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include "partrain/backend/cuda/device_buffer.cuh"
#include "partrain/backend/cuda/error.cuh"

namespace partrain::backend::cuda {

/// Base of per-shape plans (cuDNN descriptors and chosen algorithms) a context caches.
struct cached_plan {
  virtual ~cached_plan() = default;
};
using plan_key = std::array<int, 16>;

/// One per context on a CUDA device; created on the worker's thread, used by it only.
/// The device's default memory pool keeps freed memory (release threshold raised), so
/// buffers that come and go between steps do not reach cudaMalloc.
class stream_resources {
 public:
  /// Throws cuda_error when `device` does not exist or a handle cannot be created.
  explicit stream_resources(int device) : device_(device) {
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) (void)cudaGetLastError();
    PARTRAIN_CHECK(e == cudaSuccess && device >= 0 && device < count, cuda_error,
                   "[partrain::context] device cuda:", device, " requested but ", count,
                   " CUDA device(s) are usable (", cudaGetErrorString(e), ")");
    PARTRAIN_CUDA_CHECK(cudaSetDevice(device));
    cudaMemPool_t pool;
    PARTRAIN_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&pool, device));
    std::uint64_t keep = UINT64_MAX;
    PARTRAIN_CUDA_CHECK(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep));
    PARTRAIN_CUDA_CHECK(cudaDeviceGetAttribute(&sm_count_, cudaDevAttrMultiProcessorCount, device));
    PARTRAIN_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    PARTRAIN_CUDA_CHECK(cudnnCreate(&cudnn_));
    PARTRAIN_CUDA_CHECK(cudnnSetStream(cudnn_, stream_));
    PARTRAIN_CUDA_CHECK(cublasCreate(&cublas_));
    PARTRAIN_CUDA_CHECK(cublasSetStream(cublas_, stream_));
    // A workspace of its own keeps cuBLAS from allocating, which graph capture forbids.
    for (auto& s : scratch_) s.set_stream(stream_);
    cublas_workspace_.set_stream(stream_);
    cublas_workspace_.reserve(std::size_t(4) << 20);
    PARTRAIN_CUDA_CHECK(cublasSetWorkspace(cublas_, cublas_workspace_.data(), cublas_workspace_.size()));
    PARTRAIN_CUDA_CHECK(cudaMallocHost(&pinned_, 2 * pinned_bytes));
  }
  stream_resources(const stream_resources&) = delete;
  stream_resources& operator=(const stream_resources&) = delete;
  ~stream_resources() {
    (void)cudaSetDevice(device_);
    (void)cudaStreamSynchronize(stream_);
    plans_.clear();
    for (auto& s : scratch_) s = {};
    cublas_workspace_ = {};
    (void)cudaStreamSynchronize(stream_);
    if (pinned_) (void)cudaFreeHost(pinned_);
    if (cublas_) (void)cublasDestroy(cublas_);
    if (cudnn_) (void)cudnnDestroy(cudnn_);
    if (stream_) (void)cudaStreamDestroy(stream_);
  }

  int device() const { return device_; }
  cudaStream_t stream() const { return stream_; }
  cudnnHandle_t cudnn() const { return cudnn_; }
  cublasHandle_t cublas() const { return cublas_; }
  int multiprocessors() const { return sm_count_; }

  /// Makes this context's device current on the calling thread (cheap when it already is).
  void activate() const {
    int current = -1;
    PARTRAIN_CUDA_CHECK(cudaGetDevice(&current));
    if (current != device_) PARTRAIN_CUDA_CHECK(cudaSetDevice(device_));
  }

  /// Device scratch of at least `count` T in slot `slot` (0: cuDNN workspace, 1-2: padded
  /// tensors, 3: reductions, 4: batch-norm statistics), valid until the next request for the same slot. Grows on
  /// demand, never shrinks: after the first step of a shape it no longer allocates.
  template <class T>
  T* scratch(int slot, std::size_t count) {
    auto& s = scratch_[std::size_t(slot)];
    if (count * sizeof(T) > s.size()) ++generation_;
    s.reserve(count * sizeof(T));
    return reinterpret_cast<T*>(s.data());
  }

  /// Counts scratch reallocations: work recorded in a graph is valid while it is unchanged.
  std::uint64_t scratch_generation() const { return generation_; }

  /// 256 pinned host bytes for values read back synchronously, and 256 more for the
  /// training loop's queue of metrics read back later (allocated once per worker: pinned
  /// allocation synchronizes the device, which would disturb other workers' graph recordings).
  static constexpr std::size_t pinned_bytes = 256;
  void* pinned() { return pinned_; }
  void* pinned_queue() { return static_cast<char*>(pinned_) + pinned_bytes; }

  /// The plan cached for `key`, or null.
  cached_plan* find_plan(const plan_key& key) {
    auto it = plans_.find(key);
    return it == plans_.end() ? nullptr : it->second.get();
  }
  cached_plan* store_plan(const plan_key& key, std::unique_ptr<cached_plan> plan) {
    return (plans_[key] = std::move(plan)).get();
  }

  void synchronize() const { PARTRAIN_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

 private:
  int device_;
  int sm_count_ = 1;
  cudaStream_t stream_ = nullptr;
  cudnnHandle_t cudnn_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  device_buffer<std::byte> cublas_workspace_;
  std::array<device_buffer<std::byte>, 5> scratch_;
  void* pinned_ = nullptr;
  std::uint64_t generation_ = 0;
  std::map<plan_key, std::unique_ptr<cached_plan>> plans_;
};

}  // namespace partrain::backend::cuda
