// image_input<H, W, C, Normalization>: the first layer; checks and normalizes input images.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "partrain/backend/ops.hpp"
#include "partrain/core/shape.hpp"
#include "partrain/layers/contract.hpp"
#include "partrain/layers/layer.hpp"

namespace partrain::layers {

/// MATLAB's Normalization option. zerocenter subtracts the mean image of the training
/// data; zscore also divides by its per-pixel standard deviation; the rescale modes map
/// the data's [min, max] to [-1, 1] or [0, 1].
enum class normalization { none, zerocenter, zscore, rescale_symmetric, rescale_zero_one };

inline constexpr std::string_view to_string(normalization n) {
  constexpr std::array names{"none", "zerocenter", "zscore", "rescale_symmetric", "rescale_zero_one"};
  return names[int(n)];
}

template <int H, int W, int C, normalization Norm = normalization::zerocenter>
struct image_input {
  static_assert(H > 0 && W > 0 && C > 0, "image_input<H, W, C>: every extent must be positive");
  static constexpr std::string_view name = "image_input";
  using shape_type = shape<C, H, W>;
  static constexpr normalization norm = Norm;
  static std::string str() {
    return "image_input<" + std::to_string(H) + "," + std::to_string(W) + "," + std::to_string(C) +
           "," + std::string(to_string(Norm)) + ">";
  }
  template <static_shape In>
  using output_shape = shape_type;

  template <static_shape In, element_type T>
  struct impl {
    static constexpr std::size_t image = shape_type::size;
    static constexpr int image_i = int(image);
    static constexpr std::array<tensor_spec, 0> parameters{};
    static constexpr auto states = [] {
      constexpr tensor_spec mean{"mean", {C, H, W, 1}, 3, initializer::zeros};
      constexpr tensor_spec std{"standard_deviation", {C, H, W, 1}, 3, initializer::ones};
      constexpr tensor_spec min{"min", {1, 1, 1, 1}, 1, initializer::zeros};
      constexpr tensor_spec max{"max", {1, 1, 1, 1}, 1, initializer::ones};
      if constexpr (Norm == normalization::zerocenter) return std::array{mean};
      else if constexpr (Norm == normalization::zscore) return std::array{mean, std};
      else if constexpr (Norm == normalization::none) return std::array<tensor_spec, 0>{};
      else return std::array{min, max};
    }();

    void forward(context& ctx, const layer_buffers<T>& b, mode) {
      const T* x = b.x;
      const std::size_t count = std::size_t(b.n) * image;
      if (ctx.memory().host) {  // device batches are checked when they are uploaded
        const std::size_t i = backend::first_non_finite(ctx, x, count);
        PARTRAIN_CHECK(i == count, data_error, "[partrain::layer image_input] image ", i / image,
                       " of the batch has a non-finite value (", i < count ? x[i] : T(0), ") at element ",
                       i % image, "; expected finite pixel values");
      }
      backend::normalize(ctx, count, transform(x, b.y, b.state, true));
    }
    void backward(context& ctx, const layer_buffers<T>& b) {
      if (b.dx) backend::normalize(ctx, std::size_t(b.n) * image, transform(b.dy, b.dx, b.state, false));
    }

    // Statistics over the training data, accumulated in double, batch by batch.
    void reset_statistics() {
      sum_.assign(image, 0), sum_sq_.assign(image, 0), count_ = 0;
      min_ = std::numeric_limits<double>::infinity(), max_ = -min_;
    }
    void accumulate_statistics(int n, const T* x) {
      for (int i = 0; i < n; ++i)
        for (std::size_t j = 0; j < image; ++j) {
          const double v = x[i * image + j];
          sum_[j] += v, sum_sq_[j] += v * v;
          min_ = std::min(min_, v), max_ = std::max(max_, v);
        }
      count_ += n;
    }
    void finish_statistics(T* state) const {
      if (count_ == 0) return;
      if constexpr (Norm == normalization::zerocenter || Norm == normalization::zscore)
        for (std::size_t j = 0; j < image; ++j) {
          const double mean = sum_[j] / count_;
          state[j] = T(mean);
          if constexpr (Norm == normalization::zscore) {
            const double sd = std::sqrt(std::max(sum_sq_[j] / count_ - mean * mean, 0.0));
            state[image + j] = T(sd > 1e-12 ? sd : 1);  // a constant pixel is only centred
          }
        }
      if constexpr (Norm == normalization::rescale_symmetric || Norm == normalization::rescale_zero_one) {
        state[0] = T(min_);
        state[1] = T(max_ > min_ ? max_ : min_ + 1);
      }
    }

   private:
    // forward: y = (x - shift) * scale; backward: dx = dy * scale.
    static backend::normalize_fn<T> transform(const T* in, T* out, const T* state, bool shifted) {
      backend::normalize_fn<T> f{in, out, nullptr, nullptr, image, T(0), T(1)};
      if constexpr (Norm == normalization::zerocenter) {
        if (shifted) f.shift = state;
      } else if constexpr (Norm == normalization::zscore) {
        if (shifted) f.shift = state;
        f.divisor = state + image;
      } else if constexpr (Norm != normalization::none) {
        f.range = state, f.range_shift = shifted;  // {min, max}, read where the op runs
        f.symmetric = Norm == normalization::rescale_symmetric;
      }
      return f;
    }
    std::vector<double> sum_, sum_sq_;
    double count_ = 0, min_ = 0, max_ = 0;
  };
};

}  // namespace partrain::layers
