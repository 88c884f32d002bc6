// relu and leaky_relu<Num, Den>: elementwise activations.
#pragma once

#include <array>
#include <string>

#include "partrain/backend/ops.hpp"
#include "partrain/core/shape.hpp"
#include "partrain/layers/contract.hpp"
#include "partrain/layers/layer.hpp"

namespace partrain::layers {

/// max(x, Num/Den * x): MATLAB's leakyReluLayer, default scale 0.01.
template <int Num = 1, int Den = 100>
struct leaky_relu {
  static_assert(Den > 0 && Num >= 0 && Num < Den, "leaky_relu<Num, Den>: the scale Num/Den must be in [0, 1)");
  static constexpr std::string_view name = Num == 0 ? "relu" : "leaky_relu";
  static constexpr double scale = double(Num) / Den;
  static std::string str() {
    return Num == 0 ? "relu" : "leaky_relu<" + std::to_string(Num) + "," + std::to_string(Den) + ">";
  }
  template <static_shape In>
  using output_shape = In;

  template <static_shape In, element_type T>
  struct impl {
    static constexpr std::array<tensor_spec, 0> parameters{}, states{};
    void forward(context& ctx, const layer_buffers<T>& b, mode) {
      backend::leaky_relu_forward(ctx, std::size_t(b.n) * In::size, b.x, b.y, T(scale));
    }
    void backward(context& ctx, const layer_buffers<T>& b) {
      if (b.dx) backend::leaky_relu_backward(ctx, std::size_t(b.n) * In::size, b.x, b.dy, b.dx, T(scale));
    }
  };
};

/// max(x, 0): MATLAB's reluLayer.
using relu = leaky_relu<0, 1>;

}  // namespace partrain::layers
