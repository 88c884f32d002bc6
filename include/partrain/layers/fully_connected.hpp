// fully_connected<N>: MATLAB's fullyConnectedLayer; flattens its input.
#pragma once

#include <array>
#include <string>

#include "partrain/backend/ops.hpp"
#include "partrain/core/shape.hpp"
#include "partrain/layers/contract.hpp"
#include "partrain/layers/layer.hpp"

namespace partrain::layers {

/// N outputs from every input element. Weight (N, C*H*W) Glorot-uniform, bias (N) zero.
template <int N>
struct fully_connected {
  static_assert(N > 0, "fully_connected<N>: the output size N must be positive");
  static constexpr std::string_view name = "fully_connected";
  static std::string str() { return "fully_connected<" + std::to_string(N) + ">"; }
  template <static_shape In>
  using output_shape = shape<N, 1, 1>;

  template <static_shape In, element_type T>
  struct impl {
    static constexpr int inputs = int(In::size);
    static constexpr std::array parameters{
        tensor_spec{"weight", {N, inputs, 1, 1}, 2, initializer::glorot_uniform, inputs, N, true},
        tensor_spec{"bias", {N, 1, 1, 1}, 1, initializer::zeros}};
    static constexpr std::array<tensor_spec, 0> states{};

    void forward(context& ctx, const layer_buffers<T>& b, mode) {
      backend::dense_forward(ctx, b.n, inputs, N, b.x, b.params, b.params + parameters[0].size(), b.y);
    }
    void backward(context& ctx, const layer_buffers<T>& b) {
      backend::dense_backward(ctx, b.n, inputs, N, b.x, b.params, b.dy, b.dx, b.dparams,
                              b.dparams + parameters[0].size());
    }
  };
};

}  // namespace partrain::layers
