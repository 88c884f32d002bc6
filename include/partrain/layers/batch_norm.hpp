// batch_norm: MATLAB's batchNormalizationLayer (epsilon 1e-5, moving statistics for inference).
#pragma once

#include <algorithm>
#include <array>
#include <string>

#include "partrain/core/buffer.hpp"

#include "partrain/backend/ops.hpp"
#include "partrain/core/shape.hpp"
#include "partrain/layers/contract.hpp"
#include "partrain/layers/layer.hpp"

namespace partrain::layers {

/// Normalizes each channel over (batch, height, width) during training and with the
/// moving mean/variance (decay 0.1, as MATLAB's MeanDecay/VarianceDecay) at inference.
/// Parameters: scale (starts at Scale: 1, or 0 for batch_norm_zero_scale) and offset (0),
/// both exempt from L2.
template <initializer Scale>
struct basic_batch_norm {
  static constexpr std::string_view name = "batch_norm";
  static constexpr double epsilon = 1e-5;
  static constexpr double decay = 0.1;
  static constexpr bool keeps_population_statistics = true;
  static std::string str() { return Scale == initializer::ones ? "batch_norm" : "batch_norm<zero_scale>"; }
  template <static_shape In>
  using output_shape = In;

  template <static_shape In, element_type T>
  struct impl {
    static constexpr int C = In::channels, plane = In::height * In::width;
    static constexpr std::array parameters{
        tensor_spec{"scale", {C, 1, 1, 1}, 1, Scale},
        tensor_spec{"offset", {C, 1, 1, 1}, 1, initializer::zeros}};
    static constexpr std::array states{
        tensor_spec{"trained_mean", {C, 1, 1, 1}, 1, initializer::zeros},
        tensor_spec{"trained_variance", {C, 1, 1, 1}, 1, initializer::ones}};

    void forward(context& ctx, const layer_buffers<T>& b, mode m) {
      forward_then(ctx, b, m, backend::cpu::no_epilogue{});
    }
    void backward(context& ctx, const layer_buffers<T>& b) {
      backward_through(ctx, b, backend::cpu::no_epilogue{});
    }

    /// Forward with the layers that follow applied to each normalized plane (a fused group
    /// on the CPU; layers/fusion.hpp): b.y is then the epilogue's output, the group's.
    template <class Epilogue>
    void forward_then(context& ctx, const layer_buffers<T>& b, mode m, Epilogue e) {
      const int n = b.n;
      const T *x = b.x, *params = b.params;
      T *y = b.y, *state = b.state;
      if (m != mode::inference) {
        saved_.ensure(ctx.memory(), 2 * C);
        backend::batch_norm_forward_training(ctx, n, C, plane, x, params, params + C, T(epsilon), T(decay), y,
                                             saved_.data(), saved_.data() + C, state, state + C, e);
        if (m == mode::population_statistics) accumulate(n);
      } else
        backend::batch_norm_forward_inference(ctx, n, C, plane, x, params, params + C, T(epsilon), state,
                                              state + C, y, e);
    }
    /// Backward through the epilogue of forward_then: b.dy is the group's output gradient.
    template <class Epilogue>
    void backward_through(context& ctx, const layer_buffers<T>& b, Epilogue e) {
      PARTRAIN_CHECK(saved_.size() == std::size_t(2 * C), error, "[partrain::layer batch_norm] backward needs the "
                     "statistics of a forward in training mode; the last forward ran in inference mode only");
      backend::batch_norm_backward(ctx, b.n, C, plane, b.x, b.dy, b.params, saved_.data(), saved_.data() + C,
                                   b.dx, b.dparams, b.dparams + C, e);
    }

    /// Population statistics (MATLAB's BatchNormalizationStatistics 'population'): the
    /// mean and unbiased variance of this layer's input over a whole pass of the data.
    void reset_population() { sum_.fill(0), sum_sq_.fill(0), count_ = 0; }
    void finish_population(T* state) const {
      if (count_ < 2) return;
      for (int c = 0; c < C; ++c) {
        const double mean = sum_[c] / count_;
        state[c] = T(mean);
        state[C + c] = T(std::max(sum_sq_[c] / count_ - mean * mean, 0.0) * count_ / (count_ - 1));
      }
    }

   private:
    // Adds the last batch's moments, recovered from its saved mean and 1/sqrt(var + eps)
    // (read back from the device, waiting for it, when the layer runs on one).
    void accumulate(int n) {
      std::array<T, 2 * C> saved;
      copy_between(host_memory, saved.data(), saved_.space(), saved_.data(), sizeof saved);
      const double m = double(n) * plane;
      for (int c = 0; c < C; ++c) {
        const double mean = saved[c];
        const double var = 1.0 / (double(saved[C + c]) * saved[C + c]) - epsilon;
        sum_[c] += m * mean;
        sum_sq_[c] += m * (var + mean * mean);
      }
      count_ += m;
    }
    buffer<T> saved_;  // this batch's mean and 1/sqrt(var + eps) per channel, for backward
    std::array<double, C> sum_{}, sum_sq_{};
    double count_ = 0;
  };
};

/// MATLAB's batchNormalizationLayer.
struct batch_norm : basic_batch_norm<initializer::ones> {};
/// A batch norm whose scale starts at zero: the last of a residual body, so each block starts
/// as its shortcut (torchvision's zero_init_residual). Its tensors are named as batch_norm's.
struct batch_norm_zero_scale : basic_batch_norm<initializer::zeros> {};

}  // namespace partrain::layers
