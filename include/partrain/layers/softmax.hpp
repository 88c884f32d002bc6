// softmax and classification: MATLAB's softmaxLayer and classificationLayer (cross-entropy).
#pragma once

#include <algorithm>
#include <array>
#include <string>

#include "partrain/backend/ops.hpp"
#include "partrain/core/shape.hpp"
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
    void forward(context& ctx, int n, const T* x, T* y, const T*, T*, mode) {
      backend::softmax_forward(ctx, n, In::channels, In::height * In::width, x, y);
    }
    void backward(context& ctx, int n, const T*, const T* y, const T* dy, T* dx, const T*, T*, const T*) {
      if (dx) backend::softmax_backward(ctx, n, In::channels, In::height * In::width, y, dy, dx);
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
    void forward(context& ctx, int n, const T* x, T* y, const T*, T*, mode) {
      backend::copy(ctx, x, std::size_t(n) * In::size, y);
    }
    void backward(context& ctx, int n, const T*, const T*, const T* dy, T* dx, const T*, T*, const T*) {
      if (dx) backend::copy(ctx, dy, std::size_t(n) * In::size, dx);
    }
  };
};

}  // namespace partrain::layers
