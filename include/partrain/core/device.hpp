// Where a worker computes: the CPU or one CUDA device.
#pragma once

#include <string>

// PARTRAIN_HAS_CUDA: this translation unit is compiled by nvcc and gets the CUDA backend.
// A g++ translation unit never includes a CUDA header.
#if defined(__CUDACC__) && !defined(PARTRAIN_HAS_CUDA)
#define PARTRAIN_HAS_CUDA 1
#endif
#if defined(PARTRAIN_HAS_CUDA)
#include <cuda_runtime_api.h>
#endif
// Code whose body depends on PARTRAIN_HAS_CUDA lives in this inline namespace, so linking an
// nvcc TU with a g++ TU that disagree fails at link time instead of misbehaving.
#if defined(PARTRAIN_HAS_CUDA)
#define PARTRAIN_ABI_NAMESPACE abi_cuda
#else
#define PARTRAIN_ABI_NAMESPACE abi_cpu
#endif

namespace partrain {

enum class device_kind { cpu, cuda };

/// A compute device. The CPU is always available; CUDA devices only in nvcc-built code
/// on a machine with a GPU.
struct device {
  device_kind kind = device_kind::cpu;
  int index = 0;

  static constexpr device cpu() { return {device_kind::cpu, 0}; }
  static constexpr device cuda(int i) { return {device_kind::cuda, i}; }
  constexpr bool is_cpu() const { return kind == device_kind::cpu; }
  constexpr bool operator==(const device&) const = default;
  std::string name() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }
};

inline namespace PARTRAIN_ABI_NAMESPACE {
/// Number of usable CUDA devices; 0 when partrain was built without CUDA or none is present.
inline int gpu_count() {
#if defined(PARTRAIN_HAS_CUDA)
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    (void)cudaGetLastError();  // no driver or no device: CPU only
    return 0;
  }
  return count;
#else
  return 0;
#endif
}
}  // namespace PARTRAIN_ABI_NAMESPACE

}  // namespace partrain
