// dropout<Num, Den>: MATLAB's dropoutLayer (probability Num/Den, default 0.5), inverted.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include "partrain/backend/ops.hpp"
#include "partrain/core/shape.hpp"
#include "partrain/layers/contract.hpp"
#include "partrain/layers/layer.hpp"

namespace partrain::layers {

/// In training, zeroes each element with probability Num/Den and scales the rest by
/// 1/(1-p); at inference it passes the input through. The mask is drawn from
/// (seed, step, element): it is reproducible, recomputed in backward rather than stored,
/// and stays the same for every forward until the next backward (one step).
template <int Num = 1, int Den = 2>
struct dropout {
  static_assert(Den > 0 && Num >= 0 && Num < Den, "dropout<Num, Den>: the probability Num/Den must be in [0, 1)");
  static constexpr std::string_view name = "dropout";
  static constexpr double probability = double(Num) / Den;
  static constexpr bool uses_randomness = true;  // a new mask each step: a recorded step is not replayable
  static std::string str() { return "dropout<" + std::to_string(Num) + "," + std::to_string(Den) + ">"; }
  template <static_shape In>
  using output_shape = In;

  template <static_shape In, element_type T>
  struct impl {
    static constexpr std::array<tensor_spec, 0> parameters{}, states{};
    void set_seed(std::uint64_t seed) { seed_ = seed, step_ = 0; }
    /// Steps (backward passes) so far: with the seed, where the masks are (for checkpoints).
    std::uint32_t random_step() const { return step_; }
    void set_random_step(std::uint32_t step) { step_ = step; }

    void forward(context& ctx, const layer_buffers<T>& b, mode m) {
      const std::size_t count = std::size_t(b.n) * In::size;
      if (m != mode::training) {
        backend::copy(ctx, b.x, count, b.y);
        return;
      }
      backend::for_each_index(ctx, count, backend::dropout_fn<T>{b.x, b.y, float(probability), seed_, step_});
    }
    void backward(context& ctx, const layer_buffers<T>& b) {
      if (b.dx) backend::for_each_index(ctx, std::size_t(b.n) * In::size,
                                        backend::dropout_fn<T>{b.dy, b.dx, float(probability), seed_, step_});
      ++step_;
    }

   private:
    std::uint64_t seed_ = 0;
    std::uint32_t step_ = 0;
  };
};

}  // namespace partrain::layers
