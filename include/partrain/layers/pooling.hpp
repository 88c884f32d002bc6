// max_pool2d<Size, Stride, Padding>, avg_pool2d and global_average_pool: MATLAB's
// maxPooling2dLayer, averagePooling2dLayer and globalAveragePooling2dLayer.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "partrain/backend/ops.hpp"
#include "partrain/core/buffer.hpp"
#include "partrain/core/shape.hpp"
#include "partrain/layers/contract.hpp"
#include "partrain/layers/layer.hpp"

namespace partrain::layers {

enum class pool_kind { max, average };

/// Size x Size windows moved by Stride (MATLAB's default stride is 1), optional padding.
template <pool_kind Kind, int Size, int Stride, padding Padding>
struct pool2d {
  static_assert(Size > 0 && Stride > 0, "max_pool2d/avg_pool2d<Size, Stride>: size and stride must be positive");
  // As MATLAB: a window must hold at least one input cell ('same' padding always does).
  static_assert(Padding.top < Size && Padding.bottom < Size && Padding.left < Size && Padding.right < Size,
                "max_pool2d/avg_pool2d<Size, Stride, Padding>: the padding must be smaller than the pool "
                "size, or a window could cover only padding");
  static constexpr std::string_view name = Kind == pool_kind::max ? "max_pool2d" : "avg_pool2d";
  static std::string str() {
    return std::string(name) + "<" + std::to_string(Size) + "," + std::to_string(Stride) +
           (Padding.same || Padding.top || Padding.bottom || Padding.left || Padding.right
                ? "," + detail::padding_string(Padding)
                : "") +
           ">";
  }

  template <static_shape In>
  struct plan : detail::window_plan<In, Size, Stride, Padding> {
    static_assert(detail::window_plan<In, Size, Stride, Padding>::fits,
                  "pooling: the pool window is larger than its input feature map; use a smaller "
                  "pool size or remove a pooling layer before it");
  };
  template <static_shape In>
  using output_shape = shape<In::channels, plan<In>::rows.out, plan<In>::cols.out>;

  template <static_shape In, element_type T>
  struct impl {
    static constexpr auto g = plan<In>::geometry;
    static constexpr std::array<tensor_spec, 0> parameters{}, states{};

    void forward(context& ctx, const layer_buffers<T>& b, mode) {
      if constexpr (Kind == pool_kind::max) {
        backend::max_pool_forward(ctx, g, b.n, b.x, b.y, argmax_for(ctx.memory(), b.n));
      } else {
        backend::avg_pool_forward(ctx, g, b.n, b.x, b.y);
      }
    }
    void backward(context& ctx, const layer_buffers<T>& b) {
      if (!b.dx) return;
      if constexpr (Kind == pool_kind::max)
        backend::max_pool_backward(ctx, g, b.n, argmax(), b.dy, b.dx);
      else
        backend::avg_pool_backward(ctx, g, b.n, b.dy, b.dx);
    }

    /// The winners' buffer for a batch of n (max pooling; also written by a fused group).
    std::int32_t* argmax_for(const memory_space& m, int n)
      requires(Kind == pool_kind::max)
    {
      argmax_.ensure(m, std::size_t(n) * output_shape<In>::size);
      return argmax_.data();
    }
    const std::int32_t* argmax() const { return argmax_.data(); }

   private:
    buffer<std::int32_t> argmax_;  // grows to the largest batch, then is reused
  };
};

// Classes rather than alias templates: nvcc 13 loses a class-type template argument passed
// through an alias template into another (network<...>).
template <int Size, int Stride = 1, padding Padding = no_padding>
struct max_pool2d : pool2d<pool_kind::max, Size, Stride, Padding> {};
template <int Size, int Stride = 1, padding Padding = no_padding>
struct avg_pool2d : pool2d<pool_kind::average, Size, Stride, Padding> {};

/// The mean of each channel over its whole plane: C x H x W in, C x 1 x 1 out (MATLAB's
/// globalAveragePooling2dLayer; a ResNet's last pooling, whatever the image size).
struct global_average_pool {
  static constexpr std::string_view name = "global_average_pool";
  static std::string str() { return "global_average_pool"; }
  template <static_shape In>
  using output_shape = shape<In::channels, 1, 1>;

  template <static_shape In, element_type T>
  struct impl {
    // One window as large as the plane: the average pool's kernels on both backends.
    static constexpr backend::window_geometry g{In::channels, In::height, In::width, 1, 1, In::height,
                                                In::width, In::height, In::width, 0, 0};
    static constexpr std::array<tensor_spec, 0> parameters{}, states{};
    void forward(context& ctx, const layer_buffers<T>& b, mode) { backend::avg_pool_forward(ctx, g, b.n, b.x, b.y); }
    void backward(context& ctx, const layer_buffers<T>& b) {
      if (b.dx) backend::avg_pool_backward(ctx, g, b.n, b.dy, b.dx);
    }
  };
};

}  // namespace partrain::layers
