// Fused groups (batch_norm -> leaky_relu [-> max_pool2d], layers/fusion.hpp): the network
// finds them at compile time, they compute the same values bit for bit as the layers one by
// one, and their gradients pass the finite-difference check in double.
#include <cstring>
#include <vector>

#include "gradient_helpers.hpp"

using namespace partrain;
using namespace partrain::layers;

template <int H, int W, int C>
using raw_input = image_input<H, W, C, normalization::none>;

namespace {

template <class T>
bool same_bits(std::span<const T> a, std::span<const T> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// Trains two copies of Net for a few SGD steps, fused and unfused, on the same batch, and
// checks that outputs, parameter gradients, input gradients, parameters and state agree bit
// for bit; then a population-statistics pass and an inference forward.
template <class Net>
void check_fused_equals_unfused(int n, std::uint64_t seed) {
  using T = typename Net::value_type;
  Net fused(seed), alone(seed);
  alone.set_layer_fusion(false);
  REQUIRE(fused.layer_fusion());
  context ctx;
  tensor<T> x(batch_dims<typename Net::input_shape>(n));
  random_engine rng(seed + 1);
  for (auto& v : x.span()) v = T(rng.uniform(-2, 2));
  std::vector<int> labels(n);
  for (int i = 0; i < n; ++i) labels[i] = i % Net::num_classes;
  INFO(Net::description());
  for (int step = 0; step < 3; ++step) {
    CAPTURE(step);
    fused.forward(ctx, x, mode::training), alone.forward(ctx, x, mode::training);
    CHECK(same_bits<T>(fused.output().span(), alone.output().span()));
    fused.backward(ctx, labels, true), alone.backward(ctx, labels, true);
    CHECK(same_bits<T>(fused.gradients(), alone.gradients()));
    CHECK(same_bits<T>(fused.input_gradient().span(), alone.input_gradient().span()));
    for (Net* net : {&fused, &alone})
      for (std::size_t i = 0; i < net->parameters().size(); ++i) net->parameters()[i] -= T(0.05) * net->gradients()[i];
  }
  CHECK(same_bits<T>(fused.state(), alone.state()));
  for (Net* net : {&fused, &alone}) {
    net->begin_population_statistics();
    net->forward(ctx, x, mode::population_statistics);
    net->finish_population_statistics();
  }
  CHECK(same_bits<T>(fused.state(), alone.state()));
  fused.forward(ctx, x, mode::inference), alone.forward(ctx, x, mode::inference);
  CHECK(same_bits<T>(fused.output().span(), alone.output().span()));
}

}  // namespace

TEST_CASE("the network finds the fused groups at compile time") {
  using seed = fusion_plan<image_input<28, 28, 1>, conv2d<3, 8, same>, batch_norm, relu, max_pool2d<2, 2>,
                           conv2d<3, 16, same>, batch_norm, relu, fully_connected<10>>;
  CHECK(seed::span == std::array<std::size_t, 9>{1, 1, 3, 0, 0, 1, 2, 0, 1});
  CHECK(seed::inner == std::array<bool, 10>{false, false, false, true, true, false, false, true, false, false});
  // A leaky_relu fuses; overlapping pool windows (stride < size) run alone after the pair;
  // a relu before the batch norm or a pool after an average does not fuse.
  CHECK(fusion_plan<batch_norm, leaky_relu<1, 5>, max_pool2d<3, 3, same>>::span == std::array<std::size_t, 3>{3, 0, 0});
  CHECK(fusion_plan<batch_norm, relu, max_pool2d<3, 2>>::span == std::array<std::size_t, 3>{2, 0, 1});
  CHECK(fusion_plan<relu, batch_norm, avg_pool2d<2, 2>>::span == std::array<std::size_t, 3>{1, 1, 1});
  CHECK_FALSE(fusion_plan<conv2d<3, 4>, relu>::any);
}

TEST_CASE("fused groups compute what the layers compute one by one, bit for bit (float)") {
  // 2x2 pools on rows of 8 outputs or more, of fewer (one vector step past the row, and the
  // plane's last rows through copies), and on odd sizes whose last row and column no window covers.
  check_fused_equals_unfused<network<raw_input<28, 28, 1>, conv2d<3, 8, same>, batch_norm, relu, max_pool2d<2, 2>,
                                     conv2d<3, 16, same>, batch_norm, relu, max_pool2d<2, 2>, conv2d<3, 8, same>,
                                     batch_norm, relu, fully_connected<10>, softmax, classification>>(12, 3);
  check_fused_equals_unfused<network<raw_input<19, 35, 2>, conv2d<3, 3, same>, batch_norm, leaky_relu<>,
                                     max_pool2d<2, 2>, fully_connected<4>, softmax, classification>>(5, 4);
  check_fused_equals_unfused<network<raw_input<5, 3, 1>, conv2d<1, 2>, batch_norm, relu, max_pool2d<2, 2>,
                                     fully_connected<3>, softmax, classification>>(7, 5);
  // Other disjoint windows (padded 3x3 at stride 3), and an overlapping pool after a fused pair.
  check_fused_equals_unfused<network<raw_input<11, 10, 2>, conv2d<3, 4, same>, batch_norm, leaky_relu<1, 5>,
                                     max_pool2d<3, 3, same>, conv2d<3, 4, same>, batch_norm, relu, max_pool2d<3, 2>,
                                     fully_connected<3>, softmax, classification>>(6, 6);
}

// With fusion on, a block adds and applies its relu or leaky_relu in one pass, and takes the
// activation's gradient from the output: the same bits as the sum and the layer.
TEST_CASE("fused groups inside residual blocks compute what the layers compute one by one, bit for bit") {
  using block = residual<sequence<conv2d<3, 4, same>, batch_norm, relu, conv2d<3, 4, same>, batch_norm>,
                         identity, relu>;
  using down = residual<sequence<conv2d<3, 4, same>, batch_norm, leaky_relu<>, max_pool2d<2, 2>>,
                        sequence<conv2d<1, 4, same, 2>, batch_norm>, leaky_relu<1, 5>>;
  REQUIRE(block::body_chain::fusion::any);
  check_fused_equals_unfused<network<raw_input<12, 12, 2>, conv2d<3, 4, same>, batch_norm, relu, block, down,
                                     global_average_pool, fully_connected<3>, softmax, classification>>(6, 8);
  // 5 x 7 x 3 x 5 images: the fused addition's scalar tail.
  using odd = residual<sequence<conv2d<3, 3, same>, batch_norm>, identity, leaky_relu<1, 5>>;
  check_fused_equals_unfused<network<raw_input<5, 7, 3>, odd, odd, fully_connected<3>, softmax, classification>>(5, 9);
}

TEST_CASE("fused groups compute what the layers compute one by one, bit for bit (double)") {
  check_fused_equals_unfused<with_element<network<raw_input<9, 18, 2>, conv2d<3, 4, same>, batch_norm, relu,
                                                  max_pool2d<2, 2>, conv2d<3, 4, same>, batch_norm, leaky_relu<>,
                                                  fully_connected<3>, softmax, classification>,
                                          double>>(4, 7);
}

TEST_CASE("fused group gradients (double, finite differences)") {
  test::check<raw_input<6, 6, 2>, batch_norm, relu, max_pool2d<2, 2>>(4);
  test::check<raw_input<5, 7, 2>, batch_norm, leaky_relu<1, 5>, max_pool2d<2, 2>>(3);
  test::check<raw_input<7, 7, 2>, batch_norm, leaky_relu<>, max_pool2d<3, 3, same>>(3);
  test::check<raw_input<5, 6, 3>, batch_norm, leaky_relu<1, 5>>(3);
  test::check<raw_input<8, 8, 1>, conv2d<3, 3, same>, batch_norm, relu, max_pool2d<2, 2>, conv2d<3, 2, same>,
              batch_norm, relu, fully_connected<4>, softmax, classification>(3, mode::training, {0, 3, 1});
}
