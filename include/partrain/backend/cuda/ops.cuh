// The CUDA backend's op set (nvcc only): the same ops and contracts as backend/ops.hpp, with
// every pointer in device memory and work queued on the context's stream.
#pragma once

#include "partrain/backend/cuda/batch_norm.cuh"
#include "partrain/backend/cuda/conv2d.cuh"
#include "partrain/backend/cuda/dense.cuh"
#include "partrain/backend/cuda/launch.cuh"
#include "partrain/backend/cuda/pool2d.cuh"
#include "partrain/backend/cuda/softmax.cuh"
