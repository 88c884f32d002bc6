// Finite-difference gradient checks (double) for every layer's input and parameter gradients.
#include "gradient_helpers.hpp"

using namespace partrain;
using namespace partrain::layers;
using test::check;

template <int H, int W, int C>
using raw_input = image_input<H, W, C, normalization::none>;

TEST_CASE("conv2d gradients: same, explicit, strided and even-sized filters") {
  check<raw_input<5, 5, 2>, conv2d<3, 3, same>>();
  check<raw_input<6, 5, 2>, conv2d<3, 2, pad(1), 2>>();
  check<raw_input<5, 4, 1>, conv2d<2, 3, same>>();   // odd total padding: bottom/right
  check<raw_input<7, 7, 2>, conv2d<3, 2, same, 2>>();
  check<raw_input<4, 4, 3>, conv2d<4, 2>>();         // no padding: 1x1 output
}

TEST_CASE("batch_norm gradients in training mode") {
  check<raw_input<3, 4, 3>, batch_norm>(4);
  check<raw_input<1, 1, 5>, batch_norm>(6);
}

TEST_CASE("activation gradients") {
  check<raw_input<4, 4, 2>, relu>();
  check<raw_input<4, 4, 2>, leaky_relu<>>();
  check<raw_input<4, 4, 2>, leaky_relu<1, 5>>();
}

TEST_CASE("pooling gradients") {
  check<raw_input<4, 4, 2>, max_pool2d<2, 2>>();
  check<raw_input<5, 5, 2>, max_pool2d<3, 1, same>>();
  check<raw_input<5, 4, 2>, max_pool2d<2, 1>>();  // overlapping windows
  check<raw_input<4, 4, 2>, avg_pool2d<2, 2>>();
  check<raw_input<5, 5, 1>, avg_pool2d<3, 2, same>>();
}

TEST_CASE("fully_connected gradients") {
  check<raw_input<3, 2, 2>, fully_connected<4>>();
  check<raw_input<1, 1, 7>, fully_connected<1>>(1);
}

TEST_CASE("dropout gradients follow the mask of the step") {
  check<raw_input<4, 4, 2>, dropout<>>();
  check<raw_input<4, 4, 2>, dropout<1, 5>>();
}

TEST_CASE("softmax gradients on vectors and feature maps") {
  check<raw_input<1, 1, 5>, softmax>();
  check<raw_input<2, 3, 4>, softmax>();
}

TEST_CASE("softmax + classification (cross-entropy) gradients") {
  check<raw_input<2, 2, 3>, fully_connected<4>, softmax, classification>(3, mode::training, {0, 3, 1});
}

TEST_CASE("image_input gradients through each normalization") {
  check<image_input<3, 3, 2, normalization::zerocenter>, fully_connected<2>>();
  check<image_input<3, 3, 2, normalization::zscore>, fully_connected<2>>();
  check<image_input<3, 3, 2, normalization::rescale_symmetric>, fully_connected<2>>();
  check<image_input<3, 3, 2, normalization::rescale_zero_one>, fully_connected<2>>();
}

TEST_CASE("a whole network of every layer type") {
  check<image_input<8, 8, 2, normalization::zscore>, conv2d<3, 4, same>, batch_norm, relu,
        max_pool2d<2, 2>, conv2d<3, 4, pad(1)>, batch_norm, leaky_relu<>, avg_pool2d<2, 2>,
        dropout<1, 4>, fully_connected<5>, softmax, classification>(4, mode::training, {0, 4, 2, 1});
}
