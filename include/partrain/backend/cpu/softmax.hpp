// Softmax over channels and the cross-entropy loss on the CPU.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "partrain/config.hpp"
#include "partrain/core/tensor.hpp"

namespace partrain::backend::cpu {

// The entry points: instantiated once for float and double in partrain::compiled
// (backend/cpu/instantiations.hpp).
inline namespace PARTRAIN_MODE_NAMESPACE {

/// y = softmax of x over the C channels at each of the `plane` positions of each image.
template <element_type T>
void softmax_forward(int n, int channels, int plane, const T* x, T* y) {
  for (int i = 0; i < n; ++i)
    for (int p = 0; p < plane; ++p) {
      const std::size_t base = std::size_t(i) * channels * plane + p;
      T mx = x[base];
      for (int c = 1; c < channels; ++c) mx = std::max(mx, x[base + std::size_t(c) * plane]);
      T sum = 0;
      for (int c = 0; c < channels; ++c) {
        const T e = std::exp(x[base + std::size_t(c) * plane] - mx);
        y[base + std::size_t(c) * plane] = e;
        sum += e;
      }
      for (int c = 0; c < channels; ++c) y[base + std::size_t(c) * plane] /= sum;
    }
}

/// dx = y * (dy - sum_c dy*y), the softmax Jacobian applied to dy.
template <element_type T>
void softmax_backward(int n, int channels, int plane, const T* y, const T* dy, T* dx) {
  for (int i = 0; i < n; ++i)
    for (int p = 0; p < plane; ++p) {
      const std::size_t base = std::size_t(i) * channels * plane + p;
      T dot = 0;
      for (int c = 0; c < channels; ++c) dot += dy[base + std::size_t(c) * plane] * y[base + std::size_t(c) * plane];
      for (int c = 0; c < channels; ++c) {
        const std::size_t j = base + std::size_t(c) * plane;
        dx[j] = y[j] * (dy[j] - dot);
      }
    }
}

/// Mean cross-entropy -1/n sum log p[label] of probabilities p (n x classes); the
/// probability is clamped at the smallest normal value so a zero gives a large finite loss.
template <element_type T>
double cross_entropy(int n, int classes, const T* p, const int* labels) {
  double loss = 0;
  for (int i = 0; i < n; ++i)
    loss -= std::log(std::max(double(p[std::size_t(i) * classes + labels[i]]),
                              double(std::numeric_limits<T>::min())));
  return loss / n;
}

/// Gradient of the mean cross-entropy w.r.t. the probabilities: -1/(n p) at the label.
template <element_type T>
void cross_entropy_backward(int n, int classes, const T* p, const int* labels, T* dp) {
  std::fill_n(dp, std::size_t(n) * classes, T(0));
  for (int i = 0; i < n; ++i) {
    const std::size_t j = std::size_t(i) * classes + labels[i];
    dp[j] = T(-1) / (T(n) * std::max(p[j], std::numeric_limits<T>::min()));
  }
}

/// Softmax followed by cross-entropy, differentiated together for stability:
/// d loss / d logits = (p - onehot) / n.
template <element_type T>
void softmax_cross_entropy_backward(int n, int classes, const T* p, const int* labels, T* dx) {
  for (int i = 0; i < n; ++i)
    for (int c = 0; c < classes; ++c) {
      const std::size_t j = std::size_t(i) * classes + c;
      dx[j] = (p[j] - T(c == labels[i])) / T(n);
    }
}

/// Number of images whose highest-probability class equals the label.
template <element_type T>
int count_correct(int n, int classes, const T* p, const int* labels) {
  int correct = 0;
  for (int i = 0; i < n; ++i) {
    const T* row = p + std::size_t(i) * classes;
    correct += int(std::max_element(row, row + classes) - row) == labels[i];
  }
  return correct;
}

}  // namespace PARTRAIN_MODE_NAMESPACE

}  // namespace partrain::backend::cpu
