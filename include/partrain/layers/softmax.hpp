// softmax and classification: MATLAB's softmaxLayer and classificationLayer (cross-entropy).
#pragma once

#include <algorithm>
#include <array>
#include <string>

#include "partrain/backend/ops.hpp"
#include "partrain/core/shape.hpp"
#include "partrain/layers/contract.hpp"
#include "partrain/layers/layer.hpp"

namespace partrain::layers {

/// Softmax over channels at each spatial position.
struct softmax {
  static constexpr std::string_view name = "softmax";
  static std::string str() { return "softmax"; }
  template <static_shape In>
  using output_shape = In;

  template <static_shape In, element_type T>
  struct impl {
    static constexpr std::array<tensor_spec, 0> parameters{}, states{};
    void forward(context& ctx, const layer_buffers<T>& b, mode) {
      backend::softmax_forward(ctx, b.n, In::channels, In::height * In::width, b.x, b.y);
    }
    void backward(context& ctx, const layer_buffers<T>& b) {
      if (b.dx) backend::softmax_backward(ctx, b.n, In::channels, In::height * In::width, b.y, b.dy, b.dx);
    }
  };
};

/// The cross-entropy loss over class probabilities; must be the last layer and follow
/// softmax. Its forward passes the probabilities through; the network differentiates
/// softmax and cross-entropy together ((p - onehot) / n) for numerical stability.
struct classification {
  static constexpr std::string_view name = "classification";
  static std::string str() { return "classification"; }

  template <static_shape In>
  struct check {
    static_assert(In::height == 1 && In::width == 1,
                  "classification: its input must be a vector of class scores (K x 1 x 1); put "
                  "fully_connected<K> and softmax before it");
    static_assert(In::channels >= 2, "classification: needs at least 2 classes");
    using type = In;
  };
  template <static_shape In>
  using output_shape = typename check<In>::type;

  template <static_shape In, element_type T>
  struct impl {
    static constexpr std::array<tensor_spec, 0> parameters{}, states{};
    void forward(context& ctx, const layer_buffers<T>& b, mode) {
      backend::copy(ctx, b.x, std::size_t(b.n) * In::size, b.y);
    }
    void backward(context& ctx, const layer_buffers<T>& b) {
      if (b.dx) backend::copy(ctx, b.dy, std::size_t(b.n) * In::size, b.dx);
    }
  };
};

}  // namespace partrain::layers
