// Softmax over channels, cross-entropy and accuracy on the GPU. The loss and the count of
// correct predictions are reduced on the device; only the final scalar crosses to the host.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstring>

#include "partrain/backend/cuda/launch.cuh"

namespace partrain::backend::cuda {

namespace detail {

template <class T>
struct softmax_forward_fn {
  const T* x;
  T* y;
  int channels, plane;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t q) const {  // q: one (image, position)
    const std::size_t base = (q / plane) * channels * plane + q % plane;
    T mx = x[base];
    for (int c = 1; c < channels; ++c) mx = fmax(mx, x[base + std::size_t(c) * plane]);
    T sum = 0;
    for (int c = 0; c < channels; ++c) {
      const T e = exp(x[base + std::size_t(c) * plane] - mx);
      y[base + std::size_t(c) * plane] = e;
      sum += e;
    }
    for (int c = 0; c < channels; ++c) y[base + std::size_t(c) * plane] /= sum;
  }
};

template <class T>
struct softmax_backward_fn {
  const T *y, *dy;
  T* dx;
  int channels, plane;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t q) const {
    const std::size_t base = (q / plane) * channels * plane + q % plane;
    T dot = 0;
    for (int c = 0; c < channels; ++c) dot += dy[base + std::size_t(c) * plane] * y[base + std::size_t(c) * plane];
    for (int c = 0; c < channels; ++c) {
      const std::size_t j = base + std::size_t(c) * plane;
      dx[j] = y[j] * (dy[j] - dot);
    }
  }
};

template <class T>
struct cross_entropy_backward_fn {
  const T* p;
  const int* labels;
  T* dp;
  int n, classes;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t j) const {
    const int i = int(j / classes), c = int(j % classes);
    const T tiny = sizeof(T) == 4 ? T(FLT_MIN) : T(DBL_MIN);
    dp[j] = c == labels[i] ? T(-1) / (T(n) * (p[j] > tiny ? p[j] : tiny)) : T(0);
  }
};

template <class T>
struct softmax_cross_entropy_backward_fn {
  const T* p;
  const int* labels;
  T* dx;
  int n, classes;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t j) const {
    dx[j] = (p[j] - T(int(j % classes) == labels[j / classes])) / T(n);
  }
};

// One block: out[0] = mean -log p[label] (double), out[1] = number correct (as double).
template <class T>
__global__ void metrics_kernel(int n, int classes, const T* p, const int* labels, double* out, int* diverged) {
  const double tiny = sizeof(T) == 4 ? double(FLT_MIN) : DBL_MIN;
  double loss = 0, correct = 0;
  for (int i = threadIdx.x; i < n; i += blockDim.x) {
    const T* row = p + std::size_t(i) * classes;
    loss -= log(fmax(double(row[labels[i]]), tiny));
    int best = 0;
    for (int c = 1; c < classes; ++c)
      if (row[c] > row[best]) best = c;
    correct += best == labels[i];
  }
  loss = block_sum(loss);
  correct = block_sum(correct);
  if (threadIdx.x == 0) {
    out[0] = loss / n, out[1] = correct;
    if (diverged && !isfinite(out[0])) *diverged = 1;
  }
}

}  // namespace detail

template <class T>
void softmax_forward(context& ctx, int n, int channels, int plane, const T* x, T* y) {
  for_each_index(ctx, std::size_t(n) * plane, detail::softmax_forward_fn<T>{x, y, channels, plane});
}
template <class T>
void softmax_backward(context& ctx, int n, int channels, int plane, const T* y, const T* dy, T* dx) {
  for_each_index(ctx, std::size_t(n) * plane, detail::softmax_backward_fn<T>{y, dy, dx, channels, plane});
}

/// Queues the loss (mean cross-entropy) and the count of correct predictions of p (n x
/// classes, device) against device labels into `out` (two device doubles); no host wait,
/// so it can be captured in a CUDA graph and read back later. Sets *diverged (device, when
/// given) to 1 if the loss is not finite.
template <class T>
void metrics_async(context& ctx, int n, int classes, const T* p, const int* labels, double* out,
                   int* diverged = nullptr) {
  stream_resources& r = resources(ctx);
  detail::metrics_kernel<<<1, block_size, 0, r.stream()>>>(n, classes, p, labels, out, diverged);
  PARTRAIN_CUDA_CHECK(cudaGetLastError());
}

namespace detail {
// Runs metrics_async into scratch and waits for the two doubles (through pinned memory).
template <class T>
void metrics(context& ctx, int n, int classes, const T* p, const int* labels, double* host) {
  stream_resources& r = resources(ctx);
  double* d = r.scratch<double>(3, 2);
  metrics_async(ctx, n, classes, p, labels, d);
  PARTRAIN_CUDA_CHECK(cudaMemcpyAsync(r.pinned(), d, 2 * sizeof(double), cudaMemcpyDeviceToHost, r.stream()));
  r.synchronize();
  std::memcpy(host, r.pinned(), 2 * sizeof(double));
}
}  // namespace detail

/// Mean cross-entropy; waits for the stream (use metrics_async inside a step).
template <class T>
double cross_entropy(context& ctx, int n, int classes, const T* p, const int* labels) {
  double m[2];
  detail::metrics(ctx, n, classes, p, labels, m);
  return m[0];
}
/// Number of rows whose highest probability is at the label; waits for the stream.
template <class T>
int count_correct(context& ctx, int n, int classes, const T* p, const int* labels) {
  double m[2];
  detail::metrics(ctx, n, classes, p, labels, m);
  return int(m[1]);
}
template <class T>
void cross_entropy_backward(context& ctx, int n, int classes, const T* p, const int* labels, T* dp) {
  for_each_index(ctx, std::size_t(n) * classes, detail::cross_entropy_backward_fn<T>{p, labels, dp, n, classes});
}
template <class T>
void softmax_cross_entropy_backward(context& ctx, int n, int classes, const T* p, const int* labels, T* dx) {
  for_each_index(ctx, std::size_t(n) * classes,
                 detail::softmax_cross_entropy_backward_fn<T>{p, labels, dx, n, classes});
}

}  // namespace partrain::backend::cuda
