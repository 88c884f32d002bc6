// Compile-time shape inference, parameter counts and block splicing.
#include <doctest/doctest.h>

#include <type_traits>

#include "partrain/partrain.hpp"

using namespace partrain;
using namespace partrain::layers;

using seed_cnn = network<image_input<28, 28, 1>, conv2d<3, 8, same>, batch_norm, relu, max_pool2d<2, 2>,
                         conv2d<3, 16, same>, batch_norm, relu, max_pool2d<2, 2>, conv2d<3, 32, same>,
                         batch_norm, relu, fully_connected<10>, softmax, classification>;

static_assert(std::is_same_v<seed_cnn::shape_at<2>, shape<8, 28, 28>>);
static_assert(std::is_same_v<seed_cnn::shape_at<5>, shape<8, 14, 14>>);
static_assert(std::is_same_v<seed_cnn::shape_at<9>, shape<16, 7, 7>>);
static_assert(std::is_same_v<seed_cnn::shape_at<12>, shape<32, 7, 7>>);
static_assert(std::is_same_v<seed_cnn::output_shape, shape<10, 1, 1>>);
// conv 8*1*9+8, bn 2*8, conv 16*8*9+16, bn 2*16, conv 32*16*9+32, bn 2*32, fc 10*1568+10
static_assert(seed_cnn::parameter_count == 80 + 16 + 1168 + 32 + 4640 + 64 + 15690);
static_assert(seed_cnn::state_count == 28 * 28 + 2 * (8 + 16 + 32));  // mean image + BN stats
static_assert(seed_cnn::num_classes == 10);

// MATLAB 'same' with stride: ceil(in / stride); explicit padding: floor((in + pads - k) / s) + 1.
static_assert(std::is_same_v<network<image_input<7, 9, 1>, conv2d<3, 4, same, 2>>::output_shape, shape<4, 4, 5>>);
static_assert(std::is_same_v<network<image_input<7, 9, 1>, conv2d<3, 4, pad(1, 0), 2>>::output_shape, shape<4, 4, 4>>);
static_assert(std::is_same_v<network<image_input<5, 5, 2>, max_pool2d<2, 2>>::output_shape, shape<2, 2, 2>>);
static_assert(std::is_same_v<network<image_input<5, 5, 2>, avg_pool2d<3, 1>>::output_shape, shape<2, 3, 3>>);
static_assert(std::is_same_v<network<image_input<5, 5, 2>, fully_connected<7>>::output_shape, shape<7, 1, 1>>);

template <int Width, int Depth>
using digit_cnn = network<image_input<28, 28, 1>,
                          repeat<Depth, conv2d<3, Width, same>, batch_norm, relu, max_pool2d<2, 2>>,
                          conv2d<3, 4 * Width, same>, batch_norm, relu, fully_connected<10>, softmax,
                          classification>;
template <int C>
using conv_bn_relu = sequence<conv2d<3, C, same>, batch_norm, relu>;

TEST_CASE("repeat and sequence splice into the same flat network") {
  using two_blocks = network<image_input<28, 28, 1>, conv2d<3, 8, same>, batch_norm, relu, max_pool2d<2, 2>,
                             conv2d<3, 8, same>, batch_norm, relu, max_pool2d<2, 2>, conv2d<3, 32, same>,
                             batch_norm, relu, fully_connected<10>, softmax, classification>;
  CHECK(std::is_same_v<digit_cnn<8, 2>, two_blocks>);
  using spelled = network<image_input<28, 28, 1>, conv_bn_relu<8>, max_pool2d<2, 2>, conv_bn_relu<16>,
                          max_pool2d<2, 2>, conv_bn_relu<32>, fully_connected<10>, softmax, classification>;
  CHECK(std::is_same_v<spelled, seed_cnn>);
  CHECK(digit_cnn<8, 1>::depth == 11);
  CHECK(std::is_same_v<digit_cnn<16, 1>::shape_at<5>, shape<16, 14, 14>>);
}

TEST_CASE("with_element rebinds the element type and keeps the architecture") {
  using d = with_element<seed_cnn, double>;
  CHECK(std::is_same_v<d::value_type, double>);
  CHECK(d::parameter_count == seed_cnn::parameter_count);
  CHECK(d::activation_bytes_per_image == 2 * seed_cnn::activation_bytes_per_image);
}

TEST_CASE("layers are labelled by kind and count, the architecture is described in words") {
  CHECK(seed_cnn::label(0) == "image_input_1");
  CHECK(seed_cnn::label(5) == "conv2d_2");
  CHECK(seed_cnn::label(11) == "relu_3");
  CHECK(seed_cnn::description().starts_with("image_input<28,28,1,zerocenter> conv2d<3,8,same,1> batch_norm relu max_pool2d<2,2>"));
}

TEST_CASE("models::digit_cnn<8, 2> is the seed network, and the family doubles its width") {
  CHECK(std::is_same_v<models::seed_cnn, seed_cnn>);
  CHECK(std::is_same_v<models::digit_cnn<16, 1>::shape_at<5>, shape<16, 14, 14>>);
  CHECK(std::is_same_v<models::digit_cnn<16, 1>::shape_at<6>, shape<32, 14, 14>>);
  CHECK(models::digit_cnn<8, 3>::depth == 19);
}
