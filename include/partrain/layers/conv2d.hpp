// conv2d<FilterSize, NumFilters, Padding, Stride, Init>: MATLAB's convolution2dLayer.
#pragma once

#include <array>
#include <string>

#include "partrain/backend/ops.hpp"
#include "partrain/core/shape.hpp"
#include "partrain/layers/contract.hpp"
#include "partrain/layers/layer.hpp"

namespace partrain::layers {

/// Square FilterSize x FilterSize filters, NumFilters output channels. Padding is
/// `same` or `pad(...)` (default none, as MATLAB); Stride defaults to 1.
/// Weights (F, C, K, K) start Glorot-uniform (or as Init says: initializer::he_normal), the
/// bias (F) at zero.
template <int FilterSize, int NumFilters, padding Padding = no_padding, int Stride = 1,
          initializer Init = initializer::glorot_uniform>
struct conv2d {
  static_assert(FilterSize > 0 && NumFilters > 0 && Stride > 0,
                "conv2d<FilterSize, NumFilters, Padding, Stride>: filter size, filter count and "
                "stride must be positive");
  static_assert(Init == initializer::glorot_uniform || Init == initializer::he_normal,
                "conv2d<..., Init>: weights start glorot_uniform or he_normal");
  static constexpr std::string_view name = "conv2d";
  static std::string str() {
    return "conv2d<" + std::to_string(FilterSize) + "," + std::to_string(NumFilters) + "," +
           detail::padding_string(Padding) + "," + std::to_string(Stride) +
           (Init == initializer::he_normal ? ",he_normal>" : ">");
  }

  template <static_shape In>
  struct plan : detail::window_plan<In, FilterSize, Stride, Padding> {
    static_assert(detail::window_plan<In, FilterSize, Stride, Padding>::fits,
                  "conv2d: the filter is larger than its padded input feature map; use a smaller "
                  "FilterSize, add padding (partrain::same) or remove a pooling layer before it");
  };
  template <static_shape In>
  using output_shape = shape<NumFilters, plan<In>::rows.out, plan<In>::cols.out>;

  template <static_shape In, element_type T>
  struct impl {
    static constexpr auto g = plan<In>::geometry;
    static constexpr int fan_in = In::channels * FilterSize * FilterSize;
    static constexpr int fan_out = NumFilters * FilterSize * FilterSize;
    static constexpr std::array parameters{
        tensor_spec{"weight", {NumFilters, In::channels, FilterSize, FilterSize}, 4,
                    Init, fan_in, fan_out, true},
        tensor_spec{"bias", {NumFilters, 1, 1, 1}, 1, initializer::zeros}};
    static constexpr std::array<tensor_spec, 0> states{};

    void forward(context& ctx, const layer_buffers<T>& b, mode) {
      backend::conv2d_forward(ctx, g, NumFilters, b.n, b.x, b.params, b.params + parameters[0].size(), b.y);
    }
    void backward(context& ctx, const layer_buffers<T>& b) {
      backend::conv2d_backward(ctx, g, NumFilters, b.n, b.x, b.params, b.dy, b.dx, b.dparams,
                               b.dparams + parameters[0].size());
    }
  };
};

}  // namespace partrain::layers
