// 2-d convolution through cuDNN: descriptors and algorithms chosen once per shape and cached in
// the context; workspace from the context. Asymmetric padding (MATLAB's 'same' with an odd
// total) is applied by copying into a padded scratch tensor, since cuDNN pads symmetrically.
#pragma once

#include <cstddef>
#include <memory>
#include <type_traits>

#include <cudnn.h>

#include "partrain/backend/cuda/launch.cuh"
#include "partrain/backend/geometry.hpp"

namespace partrain::backend::cuda {

namespace detail {

template <class T>
constexpr cudnnDataType_t cudnn_type = std::is_same_v<T, float> ? CUDNN_DATA_FLOAT : CUDNN_DATA_DOUBLE;

/// Descriptors and algorithms of one convolution shape.
struct conv_plan : cached_plan {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr, bias = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  cudnnConvolutionFwdAlgo_t fwd{};
  cudnnConvolutionBwdDataAlgo_t bwd_data{};
  cudnnConvolutionBwdFilterAlgo_t bwd_filter{};
  std::size_t workspace = 0;
  bool explicit_pad = false;
  int padded_h = 0, padded_w = 0;
  ~conv_plan() override {
    if (x) cudnnDestroyTensorDescriptor(x);
    if (y) cudnnDestroyTensorDescriptor(y);
    if (bias) cudnnDestroyTensorDescriptor(bias);
    if (w) cudnnDestroyFilterDescriptor(w);
    if (conv) cudnnDestroyConvolutionDescriptor(conv);
  }
};

// Picks the first algorithm cuDNN's heuristics rank that runs within the workspace limit,
// preferring deterministic ones so that replays and concurrent runs reproduce exactly.
template <class Perf>
auto pick(const Perf* perf, int count, std::size_t& workspace, const char* what) {
  constexpr std::size_t limit = std::size_t(512) << 20;
  for (int pass = 0; pass < 2; ++pass)
    for (int i = 0; i < count; ++i)
      if (perf[i].status == CUDNN_STATUS_SUCCESS && perf[i].memory <= limit &&
          (pass == 1 || perf[i].determinism == CUDNN_DETERMINISTIC)) {
        workspace = std::max(workspace, perf[i].memory);
        return perf[i].algo;
      }
  fail<cudnn_error>("[partrain::cuda::conv2d] cuDNN offers no ", what,
                    " algorithm for this shape within 512 MiB of workspace");
}

template <class T>
conv_plan& plan_conv(stream_resources& r, const window_geometry& g, int filters, int n) {
  const plan_key key{1, std::is_same_v<T, float>, filters, n, g.channels, g.in_h, g.in_w, g.out_h,
                     g.out_w, g.kernel_h, g.kernel_w, g.stride_h, g.stride_w, g.pad_top, g.pad_left, 0};
  if (auto* p = r.find_plan(key)) return static_cast<conv_plan&>(*p);
  auto plan = std::make_unique<conv_plan>();
  // cuDNN's symmetric padding reproduces the geometry when it yields the same output size.
  const bool fits_h = g.in_h + 2 * g.pad_top >= g.kernel_h &&
                      (g.in_h + 2 * g.pad_top - g.kernel_h) / g.stride_h + 1 == g.out_h;
  const bool fits_w = g.in_w + 2 * g.pad_left >= g.kernel_w &&
                      (g.in_w + 2 * g.pad_left - g.kernel_w) / g.stride_w + 1 == g.out_w;
  plan->explicit_pad = !(fits_h && fits_w);
  plan->padded_h = plan->explicit_pad ? (g.out_h - 1) * g.stride_h + g.kernel_h : g.in_h;
  plan->padded_w = plan->explicit_pad ? (g.out_w - 1) * g.stride_w + g.kernel_w : g.in_w;
  const int pad_h = plan->explicit_pad ? 0 : g.pad_top, pad_w = plan->explicit_pad ? 0 : g.pad_left;
  constexpr cudnnDataType_t type = cudnn_type<T>;
  PARTRAIN_CUDA_CHECK(cudnnCreateTensorDescriptor(&plan->x));
  PARTRAIN_CUDA_CHECK(cudnnSetTensor4dDescriptor(plan->x, CUDNN_TENSOR_NCHW, type, n, g.channels,
                                                 plan->padded_h, plan->padded_w));
  PARTRAIN_CUDA_CHECK(cudnnCreateTensorDescriptor(&plan->y));
  PARTRAIN_CUDA_CHECK(cudnnSetTensor4dDescriptor(plan->y, CUDNN_TENSOR_NCHW, type, n, filters, g.out_h, g.out_w));
  PARTRAIN_CUDA_CHECK(cudnnCreateTensorDescriptor(&plan->bias));
  PARTRAIN_CUDA_CHECK(cudnnSetTensor4dDescriptor(plan->bias, CUDNN_TENSOR_NCHW, type, 1, filters, 1, 1));
  PARTRAIN_CUDA_CHECK(cudnnCreateFilterDescriptor(&plan->w));
  PARTRAIN_CUDA_CHECK(cudnnSetFilter4dDescriptor(plan->w, type, CUDNN_TENSOR_NCHW, filters, g.channels,
                                                 g.kernel_h, g.kernel_w));
  PARTRAIN_CUDA_CHECK(cudnnCreateConvolutionDescriptor(&plan->conv));
  PARTRAIN_CUDA_CHECK(cudnnSetConvolution2dDescriptor(plan->conv, pad_h, pad_w, g.stride_h, g.stride_w, 1, 1,
                                                      CUDNN_CROSS_CORRELATION, type));
  // Full float precision (no TF32), so results match the CPU backend within float rounding.
  PARTRAIN_CUDA_CHECK(cudnnSetConvolutionMathType(plan->conv, CUDNN_FMA_MATH));
  int out_n = 0, out_c = 0, out_h = 0, out_w = 0;
  PARTRAIN_CUDA_CHECK(cudnnGetConvolution2dForwardOutputDim(plan->conv, plan->x, plan->w, &out_n, &out_c,
                                                            &out_h, &out_w));
  PARTRAIN_CHECK(out_h == g.out_h && out_w == g.out_w, shape_error, "[partrain::cuda::conv2d] cuDNN output is ",
                 out_h, "x", out_w, "; expected ", g.out_h, "x", g.out_w);
  constexpr int max_algos = 16;
  int count = 0;
  cudnnConvolutionFwdAlgoPerf_t fwd[max_algos];
  PARTRAIN_CUDA_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(r.cudnn(), plan->x, plan->w, plan->conv, plan->y,
                                                             max_algos, &count, fwd));
  plan->fwd = pick(fwd, count, plan->workspace, "forward");
  cudnnConvolutionBwdDataAlgoPerf_t data[max_algos];
  PARTRAIN_CUDA_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(r.cudnn(), plan->w, plan->y, plan->conv,
                                                                  plan->x, max_algos, &count, data));
  plan->bwd_data = pick(data, count, plan->workspace, "backward-data");
  cudnnConvolutionBwdFilterAlgoPerf_t filt[max_algos];
  PARTRAIN_CUDA_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(r.cudnn(), plan->x, plan->y, plan->conv,
                                                                    plan->w, max_algos, &count, filt));
  plan->bwd_filter = pick(filt, count, plan->workspace, "backward-filter");
  // Reserve the scratch now, so the first step is the only one that allocates.
  r.scratch<std::byte>(0, plan->workspace);
  if (plan->explicit_pad)
    r.scratch<T>(1, std::size_t(n) * g.channels * plan->padded_h * plan->padded_w),
        r.scratch<T>(2, std::size_t(n) * g.channels * plan->padded_h * plan->padded_w);
  return static_cast<conv_plan&>(*r.store_plan(key, std::move(plan)));
}

/// Copies x (n*C planes of in_h x in_w) into zero-padded planes of ph x pw at (top, left).
template <class T>
struct pad_fn {
  const T* x;
  T* xp;
  int in_h, in_w, ph, pw, top, left;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t i) const {
    const std::size_t plane = std::size_t(ph) * pw, p = i / plane;
    const int r = int(i % plane) / pw - top, c = int(i % plane) % pw - left;
    xp[i] = r >= 0 && r < in_h && c >= 0 && c < in_w ? x[(p * in_h + r) * in_w + c] : T(0);
  }
};
/// dx = the (top, left)-offset in_h x in_w window of each padded gradient plane.
template <class T>
struct crop_fn {
  const T* dxp;
  T* dx;
  int in_h, in_w, ph, pw, top, left;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t i) const {
    const std::size_t plane = std::size_t(in_h) * in_w, p = i / plane;
    const int r = int(i % plane) / in_w + top, c = int(i % plane) % in_w + left;
    dx[i] = r < ph && c < pw ? dxp[(p * ph + r) * pw + c] : T(0);
  }
};

template <class T>
const T* padded_input(context& ctx, stream_resources& r, const conv_plan& p, const window_geometry& g,
                      int n, const T* x) {
  if (!p.explicit_pad) return x;
  T* xp = r.scratch<T>(1, std::size_t(n) * g.channels * p.padded_h * p.padded_w);
  for_each_index(ctx, std::size_t(n) * g.channels * p.padded_h * p.padded_w,
                 pad_fn<T>{x, xp, g.in_h, g.in_w, p.padded_h, p.padded_w, g.pad_top, g.pad_left});
  return xp;
}

}  // namespace detail

/// y = conv(x, w) + b (cross-correlation, as the CPU backend); every pointer is device memory.
template <class T>
void conv2d_forward(context& ctx, const window_geometry& g, int filters, int n, const T* x, const T* w,
                    const T* b, T* y) {
  stream_resources& r = resources(ctx);
  const detail::conv_plan& p = detail::plan_conv<T>(r, g, filters, n);
  const T* xs = detail::padded_input(ctx, r, p, g, n, x);
  const T one = 1, zero = 0;
  void* ws = r.scratch<std::byte>(0, p.workspace);
  PARTRAIN_CUDA_CHECK(cudnnConvolutionForward(r.cudnn(), &one, p.x, xs, p.w, w, p.conv, p.fwd, ws, p.workspace,
                                              &zero, p.y, y));
  PARTRAIN_CUDA_CHECK(cudnnAddTensor(r.cudnn(), &one, p.bias, b, &one, p.y, y));
}

/// Filter, bias and (when dx is not null) data gradients; all overwritten.
template <class T>
void conv2d_backward(context& ctx, const window_geometry& g, int filters, int n, const T* x, const T* w,
                     const T* dy, T* dx, T* dw, T* db) {
  stream_resources& r = resources(ctx);
  const detail::conv_plan& p = detail::plan_conv<T>(r, g, filters, n);
  const T one = 1, zero = 0;
  void* ws = r.scratch<std::byte>(0, p.workspace);
  const T* xs = detail::padded_input(ctx, r, p, g, n, x);
  PARTRAIN_CUDA_CHECK(cudnnConvolutionBackwardFilter(r.cudnn(), &one, p.x, xs, p.y, dy, p.conv, p.bwd_filter, ws,
                                                     p.workspace, &zero, p.w, dw));
  // The bias gradient spread over many threads per channel (cuDNN's took 18% of a seed-CNN step).
  const int plane = g.out_h * g.out_w;
  channel_sums::sum(launch_passes{ctx}, r.scratch<double>(4, channel_sums::scratch_size(n, filters, plane)), n,
                    filters, plane, dy, db);
  if (!dx) return;
  const std::size_t padded = std::size_t(n) * g.channels * p.padded_h * p.padded_w;
  T* dxs = p.explicit_pad ? r.scratch<T>(2, padded) : dx;
  PARTRAIN_CUDA_CHECK(cudnnConvolutionBackwardData(r.cudnn(), &one, p.w, w, p.y, dy, p.conv, p.bwd_data, ws,
                                                   p.workspace, &zero, p.x, dxs));
  if (p.explicit_pad)
    for_each_index(ctx, std::size_t(n) * g.channels * g.in_h * g.in_w,
                   detail::crop_fn<T>{dxs, dx, g.in_h, g.in_w, p.padded_h, p.padded_w, g.pad_top, g.pad_left});
}

}  // namespace partrain::backend::cuda
