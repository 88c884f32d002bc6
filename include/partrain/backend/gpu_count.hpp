// How many CUDA devices this program can use: the CUDA runtime asked in nvcc builds.
#pragma once

#include "partrain/config.hpp"
#if defined(PARTRAIN_HAS_CUDA)
#include <cuda_runtime_api.h>
#endif

namespace partrain {

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
