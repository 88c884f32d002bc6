// The op set every backend provides. Layers call only these; each takes the worker's
// context first and runs on its device. This build has the CPU backend; the CUDA backend
// adds its branch under PARTRAIN_HAS_CUDA.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "partrain/backend/cpu/batch_norm.hpp"
#include "partrain/backend/cpu/batch_norm_epilogues.hpp"
#include "partrain/backend/cpu/conv2d.hpp"
#include "partrain/backend/cpu/instantiations.hpp"
#include "partrain/backend/cpu/dense.hpp"
#include "partrain/backend/cpu/elementwise.hpp"
#include "partrain/backend/cpu/normalize.hpp"
#include "partrain/backend/cpu/pool2d.hpp"
#include "partrain/backend/cpu/softmax.hpp"
#include "partrain/backend/functors.hpp"
#include "partrain/backend/geometry.hpp"
#include "partrain/backend/context.hpp"
#include "partrain/core/error.hpp"
#if defined(PARTRAIN_HAS_CUDA)
#include "partrain/backend/cuda/ops.cuh"
// On a CUDA context, runs the CUDA backend's op (every pointer in device memory) and returns.
#define PARTRAIN_ON_CUDA(ctx, ...) \
  if (!(ctx).device().is_cpu()) return __VA_ARGS__
#else
#define PARTRAIN_ON_CUDA(ctx, ...) (void)0
#endif

namespace partrain::backend {

namespace detail {
inline void require_cpu(const context& ctx, const char* op) {
  PARTRAIN_CHECK(ctx.device().is_cpu(), error, "[partrain::backend::", op, "] device ",
                 ctx.device().name(), " has no backend in this build; compile with nvcc for CUDA");
}
}  // namespace detail

/// Runs f(i) for every i in [0, n) on the context's device.
template <class F>
void for_each_index(context& ctx, std::size_t n, F f) {
  PARTRAIN_ON_CUDA(ctx, cuda::for_each_index(ctx, n, f));
  detail::require_cpu(ctx, "for_each_index");
  cpu::for_each_index(n, f);
}

/// for_each_index, or, when `cancel` is given, f(i) only while *cancel (in the context's
/// memory) is zero when the work runs.
template <class F>
void for_each_index_unless(context& ctx, std::size_t n, F f, const int* cancel) {
  if (cancel) for_each_index(ctx, n, unless_cancelled_fn<F>{f, cancel});
  else for_each_index(ctx, n, f);
}

/// The input layer's normalization f over n elements (whole images of f.image_size).
template <element_type T>
void normalize(context& ctx, std::size_t n, const normalize_fn<T>& f) {
  PARTRAIN_ON_CUDA(ctx, cuda::for_each_index(ctx, n, f));
  detail::require_cpu(ctx, "normalize");
  cpu::normalize(n, f);
}

/// The index of the first NaN or infinity in x[0, n) (host memory), or n when all are finite.
template <element_type T>
std::size_t first_non_finite(context& ctx, const T* x, std::size_t n) {
  PARTRAIN_CHECK(ctx.memory().host, config_error, "[partrain::backend::first_non_finite] the values are in ",
                 ctx.memory().name, " memory; expected host memory");
  return cpu::first_non_finite(x, n);
}

/// dst[i] = src[i] for i in [0, n), both in the context's memory.
template <class V>
void copy(context& ctx, const V* src, std::size_t n, V* dst) {
  PARTRAIN_ON_CUDA(ctx, cuda::copy(ctx, src, n, dst));
  detail::require_cpu(ctx, "copy");
  std::copy_n(src, n, dst);
}

/// Copies n values from host memory to the context's memory. On a CUDA context the copy is
/// queued on its stream; `host` may be reused when the call returns.
template <class V>
void upload(context& ctx, const V* host, std::size_t n, V* dst) {
  PARTRAIN_ON_CUDA(ctx, cuda::upload(cuda::resources(ctx).stream(), host, n, dst));
  detail::require_cpu(ctx, "upload");
  std::copy_n(host, n, dst);
}

/// Sum of x[i]^2 over [0, n) in double, in a fixed order (the same result every run). On a
/// CUDA context it waits for the device.
template <element_type T>
double sum_of_squares(context& ctx, std::size_t n, const T* x) {
  PARTRAIN_ON_CUDA(ctx, cuda::sum_of_squares(ctx, n, x));
  detail::require_cpu(ctx, "sum_of_squares");
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += double(x[i]) * x[i];
  return s;
}

/// y = conv(x, w) + b; x is n x C x H x W, w is filters x C x KH x KW.
template <element_type T>
void conv2d_forward(context& ctx, const window_geometry& g, int filters, int n, const T* x,
                    const T* w, const T* b, T* y) {
  PARTRAIN_ON_CUDA(ctx, cuda::conv2d_forward(ctx, g, filters, n, x, w, b, y));
  detail::require_cpu(ctx, "conv2d_forward");
  cpu::conv2d_forward(ctx, g, filters, n, x, w, b, y);
}

/// Filter, bias and (when dx is not null) data gradients; all overwritten.
template <element_type T>
void conv2d_backward(context& ctx, const window_geometry& g, int filters, int n, const T* x,
                     const T* w, const T* dy, T* dx, T* dw, T* db) {
  PARTRAIN_ON_CUDA(ctx, cuda::conv2d_backward(ctx, g, filters, n, x, w, dy, dx, dw, db));
  detail::require_cpu(ctx, "conv2d_backward");
  cpu::conv2d_backward(ctx, g, filters, n, x, w, dy, dx, dw, db);
}

template <element_type T>
void max_pool_forward(context& ctx, const window_geometry& g, int n, const T* x, T* y,
                      std::int32_t* argmax) {
  PARTRAIN_ON_CUDA(ctx, cuda::max_pool_forward(ctx, g, n, x, y, argmax));
  detail::require_cpu(ctx, "max_pool_forward");
  cpu::max_pool_forward(g, n, x, y, argmax);
}

template <element_type T>
void max_pool_backward(context& ctx, const window_geometry& g, int n, const std::int32_t* argmax,
                       const T* dy, T* dx) {
  PARTRAIN_ON_CUDA(ctx, cuda::max_pool_backward(ctx, g, n, argmax, dy, dx));
  detail::require_cpu(ctx, "max_pool_backward");
  cpu::max_pool_backward(g, n, argmax, dy, dx);
}

template <element_type T>
void avg_pool_forward(context& ctx, const window_geometry& g, int n, const T* x, T* y) {
  PARTRAIN_ON_CUDA(ctx, cuda::avg_pool_forward(ctx, g, n, x, y));
  detail::require_cpu(ctx, "avg_pool_forward");
  cpu::avg_pool_forward(g, n, x, y);
}

template <element_type T>
void avg_pool_backward(context& ctx, const window_geometry& g, int n, const T* dy, T* dx) {
  PARTRAIN_ON_CUDA(ctx, cuda::avg_pool_backward(ctx, g, n, dy, dx));
  detail::require_cpu(ctx, "avg_pool_backward");
  cpu::avg_pool_backward(g, n, dy, dx);
}

// Batch norm, alone or with an epilogue (cpu::leaky_relu_epilogue and the like: a fused
// group of layers, computed on the CPU only).
template <element_type T, class E = cpu::no_epilogue>
void batch_norm_forward_training(context& ctx, int n, int channels, int plane, const T* x,
                                 const T* scale, const T* offset, T epsilon, T momentum, T* y,
                                 T* saved_mean, T* saved_inv_std, T* moving_mean, T* moving_var,
                                 E epilogue = {}) {
  if constexpr (std::is_same_v<E, cpu::no_epilogue>) {
    PARTRAIN_ON_CUDA(ctx, cuda::batch_norm_forward_training(ctx, n, channels, plane, x, scale, offset,
                                                            epsilon, momentum, y, saved_mean,
                                                            saved_inv_std, moving_mean, moving_var));
  }
  detail::require_cpu(ctx, "batch_norm_forward_training");
  cpu::batch_norm_forward_training(n, channels, plane, x, scale, offset, epsilon, momentum, y,
                                   saved_mean, saved_inv_std, moving_mean, moving_var, epilogue);
}

template <element_type T, class E = cpu::no_epilogue>
void batch_norm_forward_inference(context& ctx, int n, int channels, int plane, const T* x,
                                  const T* scale, const T* offset, T epsilon,
                                  const T* moving_mean, const T* moving_var, T* y, E epilogue = {}) {
  if constexpr (std::is_same_v<E, cpu::no_epilogue>) {
    PARTRAIN_ON_CUDA(ctx, cuda::batch_norm_forward_inference(ctx, n, channels, plane, x, scale, offset,
                                                             epsilon, moving_mean, moving_var, y));
  }
  detail::require_cpu(ctx, "batch_norm_forward_inference");
  cpu::batch_norm_forward_inference(n, channels, plane, x, scale, offset, epsilon, moving_mean,
                                    moving_var, y, epilogue);
}

template <element_type T, class E = cpu::no_epilogue>
void batch_norm_backward(context& ctx, int n, int channels, int plane, const T* x, const T* dy,
                         const T* scale, const T* saved_mean, const T* saved_inv_std, T* dx, T* dscale,
                         T* doffset, E epilogue = {}) {
  if constexpr (std::is_same_v<E, cpu::no_epilogue>) {
    PARTRAIN_ON_CUDA(ctx, cuda::batch_norm_backward(ctx, n, channels, plane, x, dy, scale, saved_mean,
                                                    saved_inv_std, dx, dscale, doffset));
  }
  detail::require_cpu(ctx, "batch_norm_backward");
  cpu::batch_norm_backward(n, channels, plane, x, dy, scale, saved_mean, saved_inv_std, dx, dscale,
                           doffset, epilogue);
}

/// y = x where x > 0, leak * x elsewhere, over n elements.
template <element_type T>
void leaky_relu_forward(context& ctx, std::size_t n, const T* x, T* y, T leak) {
  PARTRAIN_ON_CUDA(ctx, cuda::for_each_index(ctx, n, leaky_relu_forward_fn<T>{x, y, leak}));
  detail::require_cpu(ctx, "leaky_relu_forward");
  cpu::leaky_relu_forward(n, x, y, leak);
}

/// dx = dy where x > 0, leak * dy elsewhere.
template <element_type T>
void leaky_relu_backward(context& ctx, std::size_t n, const T* x, const T* dy, T* dx, T leak) {
  PARTRAIN_ON_CUDA(ctx, cuda::for_each_index(ctx, n, leaky_relu_backward_fn<T>{x, dy, dx, leak}));
  detail::require_cpu(ctx, "leaky_relu_backward");
  cpu::leaky_relu_backward(n, x, dy, dx, leak);
}

/// y = a + b over n elements.
template <element_type T>
void add(context& ctx, std::size_t n, const T* a, const T* b, T* y) {
  PARTRAIN_ON_CUDA(ctx, cuda::for_each_index(ctx, n, add_fn<T>{a, b, y}));
  detail::require_cpu(ctx, "add");
  cpu::add(n, a, b, y);
}

/// y = leaky_relu(a + b) over n elements: a residual block's sum and its activation.
template <element_type T>
void add_leaky_relu(context& ctx, std::size_t n, const T* a, const T* b, T* y, T leak) {
  PARTRAIN_ON_CUDA(ctx, cuda::for_each_index(ctx, n, add_leaky_relu_fn<T>{a, b, y, leak}));
  detail::require_cpu(ctx, "add_leaky_relu");
  cpu::add_leaky_relu(n, a, b, y, leak);
}

/// y += x over n elements.
template <element_type T>
void add_to(context& ctx, std::size_t n, const T* x, T* y) {
  PARTRAIN_ON_CUDA(ctx, cuda::for_each_index(ctx, n, add_to_fn<T>{x, y}));
  detail::require_cpu(ctx, "add_to");
  cpu::add(n, static_cast<const T*>(y), x, y);
}

template <element_type T>
void dense_forward(context& ctx, int n, int inputs, int outputs, const T* x, const T* w,
                   const T* b, T* y) {
  PARTRAIN_ON_CUDA(ctx, cuda::dense_forward(ctx, n, inputs, outputs, x, w, b, y));
  detail::require_cpu(ctx, "dense_forward");
  cpu::dense_forward(n, inputs, outputs, x, w, b, y);
}

template <element_type T>
void dense_backward(context& ctx, int n, int inputs, int outputs, const T* x, const T* w,
                    const T* dy, T* dx, T* dw, T* db) {
  PARTRAIN_ON_CUDA(ctx, cuda::dense_backward(ctx, n, inputs, outputs, x, w, dy, dx, dw, db));
  detail::require_cpu(ctx, "dense_backward");
  cpu::dense_backward(n, inputs, outputs, x, w, dy, dx, dw, db);
}

template <element_type T>
void softmax_forward(context& ctx, int n, int channels, int plane, const T* x, T* y) {
  PARTRAIN_ON_CUDA(ctx, cuda::softmax_forward(ctx, n, channels, plane, x, y));
  detail::require_cpu(ctx, "softmax_forward");
  cpu::softmax_forward(n, channels, plane, x, y);
}

template <element_type T>
void softmax_backward(context& ctx, int n, int channels, int plane, const T* y, const T* dy, T* dx) {
  PARTRAIN_ON_CUDA(ctx, cuda::softmax_backward(ctx, n, channels, plane, y, dy, dx));
  detail::require_cpu(ctx, "softmax_backward");
  cpu::softmax_backward(n, channels, plane, y, dy, dx);
}

/// Mean cross-entropy of probabilities p (n x classes) against labels.
template <element_type T>
double cross_entropy(context& ctx, int n, int classes, const T* p, const int* labels) {
  PARTRAIN_ON_CUDA(ctx, cuda::cross_entropy(ctx, n, classes, p, labels));
  detail::require_cpu(ctx, "cross_entropy");
  return cpu::cross_entropy(n, classes, p, labels);
}

template <element_type T>
void cross_entropy_backward(context& ctx, int n, int classes, const T* p, const int* labels, T* dp) {
  PARTRAIN_ON_CUDA(ctx, cuda::cross_entropy_backward(ctx, n, classes, p, labels, dp));
  detail::require_cpu(ctx, "cross_entropy_backward");
  cpu::cross_entropy_backward(n, classes, p, labels, dp);
}

template <element_type T>
void softmax_cross_entropy_backward(context& ctx, int n, int classes, const T* p,
                                    const int* labels, T* dx) {
  PARTRAIN_ON_CUDA(ctx, cuda::softmax_cross_entropy_backward(ctx, n, classes, p, labels, dx));
  detail::require_cpu(ctx, "softmax_cross_entropy_backward");
  cpu::softmax_cross_entropy_backward(n, classes, p, labels, dx);
}

/// out[0] = mean cross-entropy, out[1] = number correct, in the context's memory. On a CUDA
/// context it only queues the work: copy out back later to read it without waiting.
/// When `diverged` is given (an int in the context's memory), it is set to 1 if the loss is
/// not finite, and left as it is otherwise.
template <element_type T>
void batch_metrics(context& ctx, int n, int classes, const T* p, const int* labels, double* out,
                   int* diverged = nullptr) {
  PARTRAIN_ON_CUDA(ctx, cuda::metrics_async(ctx, n, classes, p, labels, out, diverged));
  detail::require_cpu(ctx, "batch_metrics");
  out[0] = cpu::cross_entropy(n, classes, p, labels);
  out[1] = cpu::count_correct(n, classes, p, labels);
  if (diverged && !std::isfinite(out[0])) *diverged = 1;
}

template <element_type T>
int count_correct(context& ctx, int n, int classes, const T* p, const int* labels) {
  PARTRAIN_ON_CUDA(ctx, cuda::count_correct(ctx, n, classes, p, labels));
  detail::require_cpu(ctx, "count_correct");
  return cpu::count_correct(n, classes, p, labels);
}

}  // namespace partrain::backend
