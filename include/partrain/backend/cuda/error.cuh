// CUDA, cuDNN and cuBLAS status codes as typed exceptions naming the call, file:line and reason.
// Host code only; kernels never throw (arguments are validated before launch).
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include "partrain/core/error.hpp"

namespace partrain {

/// A cuDNN call failed.
struct cudnn_error : cuda_error {
  using cuda_error::cuda_error;
};
/// A cuBLAS call failed.
struct cublas_error : cuda_error {
  using cuda_error::cuda_error;
};

namespace backend::cuda {

/// Throws cuda_error "[partrain::cuda] <call> failed at <file>:<line>: <name> (<reason>)".
inline void check(cudaError_t status, const char* call, const char* file, int line) {
  if (status == cudaSuccess) return;
  (void)cudaGetLastError();  // clear a sticky-free error so the next call does not report it
  fail<cuda_error>("[partrain::cuda] ", call, " failed at ", file, ":", line, ": ",
                   cudaGetErrorName(status), " (", cudaGetErrorString(status), ")");
}
/// Throws cudnn_error for any status but CUDNN_STATUS_SUCCESS.
inline void check(cudnnStatus_t status, const char* call, const char* file, int line) {
  if (status == CUDNN_STATUS_SUCCESS) return;
  fail<cudnn_error>("[partrain::cuda] ", call, " failed at ", file, ":", line, ": ",
                    cudnnGetErrorString(status), " (cudnnStatus_t ", int(status), ")");
}
/// Throws cublas_error for any status but CUBLAS_STATUS_SUCCESS.
inline void check(cublasStatus_t status, const char* call, const char* file, int line) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  fail<cublas_error>("[partrain::cuda] ", call, " failed at ", file, ":", line, ": ",
                     cublasGetStatusName(status), " (", cublasGetStatusString(status), ")");
}

}  // namespace backend::cuda
}  // namespace partrain

/// Checks a CUDA runtime, cuDNN or cuBLAS call; throws the matching typed exception.
#define PARTRAIN_CUDA_CHECK(call) ::partrain::backend::cuda::check((call), #call, __FILE__, __LINE__)
