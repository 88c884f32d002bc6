// The seed workflow's digit classifier and the family of architectures the sweep explores.
#pragma once

#include <utility>

#include "partrain/layers.hpp"
#include "partrain/network.hpp"

namespace partrain::models {

namespace detail {
template <int Width, class Seq>
struct conv_blocks;
template <int Width, int... K>
struct conv_blocks<Width, std::integer_sequence<int, K...>> {
  using type = sequence<sequence<layers::conv2d<3, (Width << K), same>, layers::batch_norm,
                                 layers::relu, layers::max_pool2d<2, 2>>...>;
};
}  // namespace detail

/// Depth blocks of [conv 3x3 'same' -> batch_norm -> relu -> max_pool 2/2], the filter
/// count doubling from Width, then conv 3x3 (Width * 2^Depth) -> batch_norm -> relu ->
/// fully_connected<Classes> -> softmax -> classification, on H x W x C images.
template <int Width, int Depth, int H = 28, int W = 28, int C = 1, int Classes = 10>
using digit_cnn = network<
    layers::image_input<H, W, C>,
    typename detail::conv_blocks<Width, std::make_integer_sequence<int, Depth>>::type,
    layers::conv2d<3, (Width << Depth), same>, layers::batch_norm, layers::relu,
    layers::fully_connected<Classes>, layers::softmax, layers::classification>;

/// The network of MATLAB's example (SEED.md section 5): conv 8, 16, 32 filters.
using seed_cnn = digit_cnn<8, 2>;

}  // namespace partrain::models
