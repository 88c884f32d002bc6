// L2 regularization and gradient clipping, applied to a network's gradients before the update.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>

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

/// Adds l2 * w to the gradient of every parameter whose spec says L2 applies (weights,
/// not biases or batch-norm scale/offset), i.e. the gradient of loss + l2/2 * |w|^2.
template <class Net>
void add_l2_regularization(Net& net, double l2) {
  using T = typename Net::value_type;
  if (l2 == 0) return;
  const T* w = net.parameters().data();
  T* g = net.gradients().data();
  for (const auto& slot : Net::parameter_slots)
    if (slot.l2)
      for (std::size_t i = slot.offset; i < slot.offset + slot.size; ++i) g[i] += T(l2) * w[i];
}

/// Clips gradients at `threshold` (infinite: no clipping):
///  l2norm         — scales each parameter tensor whose L2 norm exceeds the threshold;
///  global_l2norm  — scales all gradients when their joint L2 norm exceeds it;
///  absolute_value — clamps every element to [-threshold, threshold].
template <class Net>
void clip_gradients(Net& net, double threshold, gradient_threshold_method method) {
  using T = typename Net::value_type;
  if (!std::isfinite(threshold)) return;
  auto norm = [](auto g) {
    double s = 0;
    for (T v : g) s += double(v) * v;
    return std::sqrt(s);
  };
  switch (method) {
    case gradient_threshold_method::l2norm:
      for (const auto& slot : Net::parameter_slots) {
        const auto g = net.gradients().subspan(slot.offset, slot.size);
        const double n = norm(g);
        if (n > threshold)
          for (T& v : g) v *= T(threshold / n);
      }
      break;
    case gradient_threshold_method::global_l2norm: {
      const double n = norm(net.gradients());
      if (n > threshold)
        for (T& v : net.gradients()) v *= T(threshold / n);
      break;
    }
    case gradient_threshold_method::absolute_value:
      for (T& v : net.gradients()) v = std::clamp(v, T(-threshold), T(threshold));
      break;
  }
}

}  // namespace partrain::optim
