// What every layer shares: the training/inference mode, padding, and the description of
// the parameter and state tensors a layer owns (name, shape, initializer, L2 factor).
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

#include "partrain/backend/geometry.hpp"
#include "partrain/core/random.hpp"
#include "partrain/core/shape.hpp"

namespace partrain {

/// Training uses batch statistics and dropout; inference uses the stored statistics and no
/// dropout; population_statistics normalizes with batch statistics like training, without
/// dropout, while batch-norm layers accumulate the statistics of the whole pass.
enum class mode { training, inference, population_statistics };

/// Zero-padding of a convolution or pooling window. `same` makes the output size
/// ceil(input / stride), putting the odd pixel at the bottom/right as MATLAB does.
struct padding {
  bool same = false;
  int top = 0, bottom = 0, left = 0, right = 0;
};
inline constexpr padding same{true};
/// No padding, the layers' default.
inline constexpr padding no_padding{};
/// Explicit padding: the same amount on all four sides, or top/bottom and left/right.
constexpr padding pad(int all) { return {false, all, all, all, all}; }
constexpr padding pad(int vertical, int horizontal) {
  return {false, vertical, vertical, horizontal, horizontal};
}

/// How a parameter or state tensor starts out: zeros, ones, Glorot-uniform (MATLAB's default
/// for weights: U(-b, b), b = sqrt(6 / (fan_in + fan_out))), or He-normal (Kaiming, as
/// torchvision's ResNets: N(0, 2 / fan_out), fan_out = filters x kernel area).
enum class initializer { zeros, ones, glorot_uniform, he_normal };

/// One tensor a layer owns: its name, shape (PyTorch order, e.g. (F, C, KH, KW)),
/// initializer and whether L2 regularization applies (weights yes; biases, batch-norm
/// offset and scale no, as MATLAB's default factors).
struct tensor_spec {
  std::string_view name;
  std::array<int, 4> shape{1, 1, 1, 1};
  int rank = 1;
  partrain::initializer init = initializer::zeros;
  int fan_in = 0, fan_out = 0;
  bool l2 = false;
  constexpr std::size_t size() const {
    std::size_t s = 1;
    for (int i = 0; i < rank; ++i) s *= std::size_t(shape[i]);
    return s;
  }
};

/// Writes spec's initial values at p (random ones drawn from rng); returns the position
/// after them.
template <class T>
T* initial_values(const tensor_spec& spec, T* p, random_engine& rng) {
  const double bound = spec.fan_in + spec.fan_out > 0 ? std::sqrt(6.0 / (spec.fan_in + spec.fan_out)) : 0;
  const double deviation = spec.fan_out > 0 ? std::sqrt(2.0 / spec.fan_out) : 0;
  for (std::size_t i = 0; i < spec.size(); ++i) {
    if (spec.init == initializer::he_normal) {
      // Box-Muller, one normal draw per pair of uniforms: the same values on every machine.
      const double u = rng.uniform(0, 1), v = rng.uniform(0, 1);
      p[i] = T(deviation * std::sqrt(-2.0 * std::log(1.0 - u)) * std::cos(6.283185307179586 * v));
    } else
      p[i] = spec.init == initializer::glorot_uniform ? T(rng.uniform(-bound, bound))
             : spec.init == initializer::ones         ? T(1)
                                                      : T(0);
  }
  return p + spec.size();
}

namespace detail {
template <std::size_t N>
constexpr std::size_t total_size(const std::array<tensor_spec, N>& specs) {
  std::size_t s = 0;
  for (const auto& t : specs) s += t.size();
  return s;
}
inline std::string padding_string(padding p) {
  if (p.same) return "same";
  if (p.top == p.bottom && p.left == p.right && p.top == p.left) return "pad(" + std::to_string(p.top) + ")";
  return "pad(" + std::to_string(p.top) + "," + std::to_string(p.bottom) + "," +
         std::to_string(p.left) + "," + std::to_string(p.right) + ")";
}

/// Output extent and leading padding of a window sweep along one axis.
struct axis_plan {
  int out, pad_before;
  bool fits;
};
constexpr axis_plan plan_axis(int in, int kernel, int stride, bool same, int before, int after) {
  if (same) {
    const int out = (in + stride - 1) / stride;
    const int total = (out - 1) * stride + kernel - in;
    return {out, total > 0 ? total / 2 : 0, true};
  }
  const int span = in + before + after - kernel;
  return {span >= 0 ? span / stride + 1 : 1, before, span >= 0};
}

/// A Kernel x Kernel window moved by Stride over a padded input of shape In: the output
/// extents, whether the window fits, and the runtime geometry the backend takes.
template <static_shape In, int Kernel, int Stride, padding Padding>
struct window_plan {
  static constexpr axis_plan rows = plan_axis(In::height, Kernel, Stride, Padding.same, Padding.top, Padding.bottom);
  static constexpr axis_plan cols = plan_axis(In::width, Kernel, Stride, Padding.same, Padding.left, Padding.right);
  static constexpr bool fits = rows.fits && cols.fits;
  static constexpr backend::window_geometry geometry{
      In::channels, In::height, In::width, rows.out, cols.out, Kernel, Kernel,
      Stride, Stride, rows.pad_before, cols.pad_before};
};
}  // namespace detail

}  // namespace partrain
