// L2 regularization and gradient clipping, applied to a network's gradients before the update.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string_view>

#include "partrain/backend/ops.hpp"
#include "partrain/backend/context.hpp"
#include "partrain/core/error.hpp"

namespace partrain::optim {

/// MATLAB's GradientThresholdMethod.
enum class gradient_threshold_method { l2norm, global_l2norm, absolute_value };

inline constexpr std::string_view to_string(gradient_threshold_method m) {
  switch (m) {
    case gradient_threshold_method::l2norm: return "l2norm";
    case gradient_threshold_method::global_l2norm: return "global_l2norm";
    case gradient_threshold_method::absolute_value: return "absolute_value";
  }
  return "unknown";
}

namespace detail {
template <class T>
struct add_scaled_fn {  // g += a * w
  T* g;
  const T* w;
  T a;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t i) const { g[i] += a * w[i]; }
};
template <class T>
struct scale_fn {
  T* g;
  T a;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t i) const { g[i] *= a; }
};
template <class T>
struct clamp_fn {
  T* g;
  T bound;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t i) const { g[i] = g[i] < -bound ? -bound : g[i] > bound ? bound : g[i]; }
};
}  // namespace detail

/// Adds l2 * w to the gradient of every parameter whose spec says L2 applies (weights,
/// not biases or batch-norm scale/offset), i.e. the gradient of loss + l2/2 * |w|^2.
/// Runs on the context's device, where the network is.
template <class Net>
void add_l2_regularization(context& ctx, Net& net, double l2) {
  using T = typename Net::value_type;
  if (l2 == 0) return;
  const T* w = net.parameters().data();
  T* g = net.gradients().data();
  for (const auto& slot : Net::parameter_slots)
    if (slot.l2) backend::for_each_index(ctx, slot.size, detail::add_scaled_fn<T>{g + slot.offset, w + slot.offset, T(l2)});
}

/// Clips gradients at `threshold` (infinite: no clipping):
///  l2norm         — scales each parameter tensor whose L2 norm exceeds the threshold;
///  global_l2norm  — scales all gradients when their joint L2 norm exceeds it;
///  absolute_value — clamps every element to [-threshold, threshold].
/// The norms are read back from the device, so on a GPU the norm methods wait for it.
template <class Net>
void clip_gradients(context& ctx, Net& net, double threshold, gradient_threshold_method method) {
  using T = typename Net::value_type;
  if (!std::isfinite(threshold)) return;
  const auto scale_above = [&](T* g, std::size_t n) {
    const double norm = std::sqrt(backend::sum_of_squares(ctx, n, g));
    if (norm > threshold) backend::for_each_index(ctx, n, detail::scale_fn<T>{g, T(threshold / norm)});
  };
  T* g = net.gradients().data();
  switch (method) {
    case gradient_threshold_method::l2norm:
      for (const auto& slot : Net::parameter_slots) scale_above(g + slot.offset, slot.size);
      break;
    case gradient_threshold_method::global_l2norm:
      scale_above(g, Net::parameter_count);
      break;
    case gradient_threshold_method::absolute_value:
      backend::for_each_index(ctx, Net::parameter_count, detail::clamp_fn<T>{g, T(threshold)});
      break;
  }
}

/// The same for a network in host memory.
template <class Net>
void add_l2_regularization(Net& net, double l2) {
  context ctx;
  add_l2_regularization(ctx, net, l2);
}
template <class Net>
void clip_gradients(Net& net, double threshold, gradient_threshold_method method) {
  context ctx;
  clip_gradients(ctx, net, threshold, method);
}

}  // namespace partrain::optim
