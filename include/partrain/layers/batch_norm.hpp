// batch_norm: MATLAB's batchNormalizationLayer (epsilon 1e-5, moving statistics for inference).
#pragma once

#include <array>
#include <string>

#include "partrain/backend/ops.hpp"
#include "partrain/core/shape.hpp"
#include "partrain/layers/layer.hpp"

namespace partrain::layers {

/// Normalizes each channel over (batch, height, width) during training and with the
/// moving mean/variance (decay 0.1, as MATLAB's MeanDecay/VarianceDecay) at inference.
/// Parameters: scale (starts at 1) and offset (0), both exempt from L2.
struct batch_norm {
  static constexpr std::string_view name = "batch_norm";
  static constexpr double epsilon = 1e-5;
  static constexpr double decay = 0.1;
  static std::string str() { return "batch_norm"; }
  template <static_shape In>
  using output_shape = In;

  template <static_shape In, element_type T>
  struct impl {
    static constexpr int C = In::channels, plane = In::height * In::width;
    static constexpr std::array parameters{
        tensor_spec{"scale", {C, 1, 1, 1}, 1, initializer::ones},
        tensor_spec{"offset", {C, 1, 1, 1}, 1, initializer::zeros}};
    static constexpr std::array states{
        tensor_spec{"trained_mean", {C, 1, 1, 1}, 1, initializer::zeros},
        tensor_spec{"trained_variance", {C, 1, 1, 1}, 1, initializer::ones}};

    void forward(context& ctx, int n, const T* x, T* y, const T* params, T* state, mode m) {
      if (m == mode::training)
        backend::batch_norm_forward_training(ctx, n, C, plane, x, params, params + C, T(epsilon),
                                             T(decay), y, saved_mean_.data(),
                                             saved_inv_std_.data(), state, state + C);
      else
        backend::batch_norm_forward_inference(ctx, n, C, plane, x, params, params + C, T(epsilon),
                                              state, state + C, y);
    }
    void backward(context& ctx, int n, const T* x, const T*, const T* dy, T* dx, const T* params,
                  T* grads, const T*) {
      backend::batch_norm_backward(ctx, n, C, plane, x, dy, params, saved_mean_.data(),
                                   saved_inv_std_.data(), dx, grads, grads + C);
    }

   private:
    std::array<T, C> saved_mean_{}, saved_inv_std_{};
  };
};

}  // namespace partrain::layers
