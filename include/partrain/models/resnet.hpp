// Residual networks in the style of MATLAB's CIFAR example and torchvision's BasicBlock:
// resnet<Width, Units> (resnet<16, 3> is ResNet-20) and a small digits network with one shortcut.
#pragma once

#include <type_traits>

#include "partrain/layers.hpp"
#include "partrain/network.hpp"
#include "partrain/residual.hpp"

namespace partrain::models {

/// How a resnet's weights start: Glorot-uniform as MATLAB, or He-normal (Kaiming, fan-out)
/// as torchvision; with zero_residual, the last batch norm of each body starts with scale 0,
/// so each block starts as its shortcut (torchvision's zero_init_residual).
enum class resnet_init { glorot, kaiming, glorot_zero_residual, kaiming_zero_residual };

namespace detail {
constexpr initializer conv_init(resnet_init i) {
  return i == resnet_init::kaiming || i == resnet_init::kaiming_zero_residual ? initializer::he_normal
                                                                               : initializer::glorot_uniform;
}
constexpr bool zero_residual(resnet_init i) {
  return i == resnet_init::glorot_zero_residual || i == resnet_init::kaiming_zero_residual;
}
}  // namespace detail

/// One unit: conv 3x3 (stride Stride) -> batch_norm -> relu -> conv 3x3 -> batch_norm, added to
/// the input (or, at Stride 2, to a 1x1 conv with stride 2 -> batch_norm projection), then relu.
template <int Width, int Stride = 1, resnet_init Init = resnet_init::glorot>
using resnet_unit = layers::residual<
    sequence<layers::conv2d<3, Width, same, Stride, detail::conv_init(Init)>, layers::batch_norm, layers::relu,
             layers::conv2d<3, Width, same, 1, detail::conv_init(Init)>,
             std::conditional_t<detail::zero_residual(Init), layers::batch_norm_zero_scale, layers::batch_norm>>,
    std::conditional_t<Stride == 1, layers::identity,
                       sequence<layers::conv2d<1, Width, same, Stride, detail::conv_init(Init)>, layers::batch_norm>>,
    layers::relu>;

/// conv 3x3 (Width) -> batch_norm -> relu, three stages of Units units each, Width, 2 Width and
/// 4 Width wide (the first unit of stages 2 and 3 halves the height and width), then
/// global_average_pool -> fully_connected<Classes> -> softmax -> classification, on H x W x C
/// images (32x32x3 by default; 28x28x1 works too). 6 Units + 2 layers with weights:
/// resnet<16, 2> is ResNet-14, resnet<16, 3> ResNet-20.
template <int Width, int Units, int H = 32, int W = 32, int C = 3, int Classes = 10,
          resnet_init Init = resnet_init::glorot>
using resnet = network<
    layers::image_input<H, W, C>, layers::conv2d<3, Width, same, 1, detail::conv_init(Init)>, layers::batch_norm,
    layers::relu, repeat<Units, resnet_unit<Width, 1, Init>>, resnet_unit<2 * Width, 2, Init>,
    repeat<Units - 1, resnet_unit<2 * Width, 1, Init>>, resnet_unit<4 * Width, 2, Init>,
    repeat<Units - 1, resnet_unit<4 * Width, 1, Init>>, layers::global_average_pool,
    layers::fully_connected<Classes>, layers::softmax, layers::classification>;

/// A small digits network with one shortcut: conv 3x3 (Width) -> batch_norm -> relu ->
/// max_pool 2/2, one unit of 2 Width with stride 2 and a projection shortcut, then
/// global_average_pool -> fully_connected<Classes> -> softmax -> classification.
template <int Width = 8, int H = 28, int W = 28, int C = 1, int Classes = 10>
using digit_resnet = network<layers::image_input<H, W, C>, layers::conv2d<3, Width, same>, layers::batch_norm,
                             layers::relu, layers::max_pool2d<2, 2>, resnet_unit<2 * Width, 2>,
                             layers::global_average_pool, layers::fully_connected<Classes>, layers::softmax,
                             layers::classification>;

}  // namespace partrain::models
