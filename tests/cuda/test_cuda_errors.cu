// CUDA error translation and device selection; needs no GPU, so it runs on every nvcc build.
#include <doctest/doctest.h>

#include <string>

#include "partrain/backend/ops.hpp"
#include "partrain/backend/context.hpp"

using namespace partrain;

namespace {
template <class Error, class F>
std::string message_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("expected an exception");
  return {};
}
}  // namespace

TEST_CASE("cuda: runtime, cuDNN and cuBLAS failures are typed and name call, file:line and reason") {
  const std::string rt = message_of<cuda_error>([] { PARTRAIN_CUDA_CHECK(cudaErrorInvalidValue); });
  CHECK(rt.starts_with("[partrain::cuda] cudaErrorInvalidValue failed at "));
  CHECK(rt.find("test_cuda_errors.cu:") != std::string::npos);
  CHECK(rt.find("invalid argument") != std::string::npos);

  const std::string dnn = message_of<cudnn_error>([] { PARTRAIN_CUDA_CHECK(CUDNN_STATUS_BAD_PARAM); });
  CHECK(dnn.find("CUDNN_STATUS_BAD_PARAM") != std::string::npos);
  const std::string blas = message_of<cublas_error>([] { PARTRAIN_CUDA_CHECK(CUBLAS_STATUS_INVALID_VALUE); });
  CHECK(blas.find("CUBLAS_STATUS_INVALID_VALUE") != std::string::npos);
  // Both derive from cuda_error, which derives from partrain::error.
  CHECK_THROWS_AS(PARTRAIN_CUDA_CHECK(CUDNN_STATUS_NOT_SUPPORTED), cuda_error);
  CHECK_THROWS_AS(PARTRAIN_CUDA_CHECK(CUBLAS_STATUS_NOT_SUPPORTED), error);
  CHECK_NOTHROW(PARTRAIN_CUDA_CHECK(cudaSuccess));
}

TEST_CASE("cuda: a context on a device that does not exist throws cuda_error naming it") {
  const int gpus = gpu_count();
  const std::string m = message_of<cuda_error>([&] { context ctx(device::cuda(gpus + 3)); });
  CHECK(m.starts_with("[partrain::context] device cuda:" + std::to_string(gpus + 3) + " requested but"));
}

TEST_CASE("cuda: an nvcc build still runs the CPU backend on a CPU context") {
  context ctx(device::cpu());
  float x[4] = {-1, 2, -3, 4}, y[4] = {};
  backend::for_each_index(ctx, 4, backend::leaky_relu_forward_fn<float>{x, y, 0.5f});
  CHECK(y[0] == -0.5f);
  CHECK(y[1] == 2.0f);
  CHECK(y[2] == -1.5f);
  CHECK(y[3] == 4.0f);
  CHECK_THROWS_AS(ctx.cuda(), error);
}
