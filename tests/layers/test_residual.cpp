// Residual blocks and global average pooling: gradients in double (identity and stride-2
// projection shortcuts, batch norm, blocks in repeat and in blocks, a fused group inside a
// body), shapes, tensor names and counts, and batch-norm population statistics inside blocks.
#include <cmath>
#include <string>
#include <vector>

#include "gradient_helpers.hpp"

using namespace partrain;
using namespace partrain::layers;

template <int H, int W, int C>
using raw_input = image_input<H, W, C, normalization::none>;

template <int Width, int Stride = 1>
using unit = residual<sequence<conv2d<3, Width, same, Stride>, batch_norm, relu, conv2d<3, Width, same>, batch_norm>,
                      std::conditional_t<Stride == 1, identity, sequence<conv2d<1, Width, same, Stride>, batch_norm>>,
                      relu>;

TEST_CASE("global_average_pool: shape, values and gradients") {
  using net_t = with_element<network<raw_input<3, 5, 2>, global_average_pool>, double>;
  static_assert(std::is_same_v<net_t::output_shape, shape<2, 1, 1>>);
  net_t net;
  context ctx;
  tensor<double> x({1, 2, 3, 5});
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = double(i);
  const auto& y = net.forward(ctx, x, mode::inference);
  CHECK(y.data()[0] == doctest::Approx(7.0));   // mean of 0..14
  CHECK(y.data()[1] == doctest::Approx(22.0));  // mean of 15..29
  test::check<raw_input<3, 5, 2>, global_average_pool>();
  test::check<raw_input<4, 4, 3>, conv2d<3, 4, same>, global_average_pool, fully_connected<3>, softmax,
              classification>(3, mode::training, {0, 2, 1});
}

TEST_CASE("residual gradients: identity shortcut, with and without an activation") {
  test::check<raw_input<5, 5, 2>, residual<conv2d<3, 2, same>>>();
  test::check<raw_input<5, 4, 3>, residual<sequence<conv2d<3, 3, same>, leaky_relu<1, 5>>, identity, leaky_relu<>>>();
  test::check<raw_input<6, 6, 2>, residual<sequence<conv2d<3, 2, same>, batch_norm>, identity, relu>>(4);
}

TEST_CASE("residual gradients: a stride-2 projection shortcut with batch norm") {
  test::check<raw_input<6, 6, 2>, unit<4, 2>>(4);
  test::check<raw_input<8, 6, 3>, conv2d<3, 2, same>, unit<4, 2>, global_average_pool, fully_connected<3>, softmax,
              classification>(4, mode::training, {0, 1, 2, 1});
}

TEST_CASE("residual gradients: blocks in repeat, inside a sequence, and a block inside a body") {
  test::check<raw_input<4, 4, 2>, repeat<2, unit<2>>, global_average_pool>(3);
  test::check<raw_input<4, 4, 2>, sequence<unit<3, 2>, repeat<1, unit<3>>>>(3);
  test::check<raw_input<4, 4, 2>, residual<sequence<unit<2>, conv2d<1, 2>>, identity, relu>>(3);
}

TEST_CASE("residual gradients: a fused batch_norm -> relu group inside the body") {
  using block = residual<sequence<conv2d<3, 3, same>, batch_norm, relu, max_pool2d<2, 2>>,
                         sequence<conv2d<1, 3, same, 2>, batch_norm>, relu>;
  // The body's fusion plan spans batch_norm -> relu -> max_pool (disjoint windows): the
  // fused path is what the gradient check runs on the CPU.
  CHECK(block::body_chain::fusion::span == std::array<std::size_t, 4>{1, 3, 0, 0});
  test::check<raw_input<6, 6, 2>, block>(4);
  test::check<raw_input<5, 5, 2>, residual<sequence<conv2d<3, 2, same>, batch_norm, leaky_relu<1, 5>>>>(3);
}

TEST_CASE("residual: shapes, counts and descriptions") {
  using net_t = network<raw_input<8, 8, 3>, conv2d<3, 4, same>, unit<4>, unit<8, 2>, global_average_pool,
                        fully_connected<3>, softmax, classification>;
  static_assert(std::is_same_v<net_t::shape_at<3>, shape<4, 8, 8>>);
  static_assert(std::is_same_v<net_t::shape_at<4>, shape<8, 4, 4>>);
  static_assert(net_t::depth == 8);  // a block is one element of the list
  // conv 3x3x3x4 + 4; unit<4>: 2 x (3x3x4x4 + 4) + 2 batch norms (8 each); unit<8, 2>: 3x3x4x8 + 8,
  // 3x3x8x8 + 8, 2 x 16, shortcut 1x1x4x8 + 8 + 16; fc 8x3 + 3.
  CHECK(net_t::parameter_count == 112 + (2 * 148 + 16) + (296 + 584 + 32 + 40 + 16) + 27);
  CHECK(net_t::state_count == 2 * 4 * 2 + 2 * 8 * 3);
  CHECK(net_t::description() ==
        "image_input<8,8,3,none> conv2d<3,4,same,1> "
        "residual<[conv2d<3,4,same,1>,batch_norm,relu,conv2d<3,4,same,1>,batch_norm],identity,relu> "
        "residual<[conv2d<3,8,same,2>,batch_norm,relu,conv2d<3,8,same,1>,batch_norm],[conv2d<1,8,same,2>,"
        "batch_norm],relu> global_average_pool fully_connected<3> softmax classification");
  CHECK(net_t::label(2) == "residual_1");
  CHECK(net_t::label(3) == "residual_2");
  // The blocks' own activations count: the body's, the shortcut's, the sum before the relu.
  CHECK(net_t::activation_count > 4 * 64 + 4 * 64 + 8 * 16 + 8 + 3 + 3 + 3);
}

TEST_CASE("residual: tensors are named after the block, its part and the layer's number there") {
  using net_t = network<raw_input<8, 8, 2>, conv2d<3, 4, same>, unit<4>, unit<8, 2>, global_average_pool,
                        fully_connected<2>, softmax, classification>;
  net_t net(1);
  std::vector<std::string> names;
  net.for_each_parameter([&](const auto& p) { names.push_back(p.name); });
  net.for_each_state([&](const auto& s) { names.push_back(s.name); });
  const std::vector<std::string> expected{
      "conv2d_1.weight", "conv2d_1.bias",
      "residual_1.body.conv2d_1.weight", "residual_1.body.conv2d_1.bias",
      "residual_1.body.batch_norm_1.scale", "residual_1.body.batch_norm_1.offset",
      "residual_1.body.conv2d_2.weight", "residual_1.body.conv2d_2.bias",
      "residual_1.body.batch_norm_2.scale", "residual_1.body.batch_norm_2.offset",
      "residual_2.body.conv2d_1.weight", "residual_2.body.conv2d_1.bias",
      "residual_2.body.batch_norm_1.scale", "residual_2.body.batch_norm_1.offset",
      "residual_2.body.conv2d_2.weight", "residual_2.body.conv2d_2.bias",
      "residual_2.body.batch_norm_2.scale", "residual_2.body.batch_norm_2.offset",
      "residual_2.shortcut.conv2d_1.weight", "residual_2.shortcut.conv2d_1.bias",
      "residual_2.shortcut.batch_norm_1.scale", "residual_2.shortcut.batch_norm_1.offset",
      "fully_connected_1.weight", "fully_connected_1.bias",
      "residual_1.body.batch_norm_1.trained_mean", "residual_1.body.batch_norm_1.trained_variance",
      "residual_1.body.batch_norm_2.trained_mean", "residual_1.body.batch_norm_2.trained_variance",
      "residual_2.body.batch_norm_1.trained_mean", "residual_2.body.batch_norm_1.trained_variance",
      "residual_2.body.batch_norm_2.trained_mean", "residual_2.body.batch_norm_2.trained_variance",
      "residual_2.shortcut.batch_norm_1.trained_mean", "residual_2.shortcut.batch_norm_1.trained_variance"};
  CHECK(names == expected);
  // A block in a block: the outer part's label, then the inner block's.
  using nested = network<raw_input<4, 4, 2>, residual<sequence<conv2d<1, 2>, unit<2>>>>;
  nested inner(1);
  std::vector<std::string> inner_names;
  inner.for_each_parameter([&](const auto& p) { inner_names.push_back(p.name); });
  CHECK(inner_names.at(2) == "residual_1.body.residual_1.body.conv2d_1.weight");
}

namespace {
// Per-channel mean and unbiased variance of x (n x C x plane), as population statistics keep them.
std::vector<double> moments(const std::vector<double>& x, int n, int channels, int plane) {
  std::vector<double> out(2 * channels);
  for (int c = 0; c < channels; ++c) {
    double s = 0, s2 = 0;
    for (int i = 0; i < n; ++i)
      for (int p = 0; p < plane; ++p) {
        const double v = x[(std::size_t(i) * channels + c) * plane + p];
        s += v, s2 += v * v;
      }
    const double count = double(n) * plane, mean = s / count;
    out[c] = mean, out[channels + c] = (s2 / count - mean * mean) * count / (count - 1);
  }
  return out;
}
}  // namespace

TEST_CASE("batch norm inside blocks keeps population statistics; bodies run whole in that pass") {
  // Block 1's body ends in a relu after its batch norm: a population pass that stopped at the
  // last batch norm would leave block 2's input stale.
  using net_t = with_element<network<raw_input<3, 3, 2>, residual<sequence<batch_norm, relu>>, residual<batch_norm>>,
                             double>;
  net_t net;
  context ctx;
  const int n = 5, channels = 2, plane = 9;
  auto x = test::random_batch(batch_dims<net_t::input_shape>(n), 3, -1, 2);
  net.begin_population_statistics();
  net.forward(ctx, x, mode::population_statistics);
  net.finish_population_statistics();
  // By hand: block 1's output relu(bn(x)) + x (batch statistics, scale 1, offset 0).
  const std::vector<double> in(x.span().begin(), x.span().end());
  const auto m1 = moments(in, n, channels, plane);
  std::vector<double> out1(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const int c = int(i / plane) % channels;
    const double var = m1[channels + c] * (n * plane - 1) / (n * plane);  // biased, as normalization uses
    out1[i] = std::max((in[i] - m1[c]) / std::sqrt(var + 1e-5), 0.0) + in[i];
  }
  const auto m2 = moments(out1, n, channels, plane);
  std::vector<double> state;
  net.for_each_state([&](const auto& s) { state.insert(state.end(), s.value.begin(), s.value.end()); });
  REQUIRE(state.size() == 8);
  for (int k = 0; k < 4; ++k) {
    CHECK(state[k] == doctest::Approx(m1[k]).epsilon(1e-12));
    CHECK(state[4 + k] == doctest::Approx(m2[k]).epsilon(1e-12));
  }
}

TEST_CASE("summary: each layer, blocks indented, totals that match the network's counts") {
  const std::string expected =
      "Layer                    Type                             Output (HxWxC)  Learnables  State  MACs/image\n"
      "-----------------------  -------------------------------  --------------  ----------  -----  ----------\n"
      "image_input_1            image_input<28,28,1,zerocenter>  28x28x1                  0    784           0\n"
      "conv2d_1                 conv2d<3,8,same,1>               28x28x8                 80      0      56,448\n"
      "batch_norm_1             batch_norm                       28x28x8                 16     16           0\n"
      "relu_1                   relu                             28x28x8                  0      0           0\n"
      "max_pool2d_1             max_pool2d<2,2>                  14x14x8                  0      0           0\n"
      "residual_1               residual                         7x7x16               3,728     96     175,616\n"
      "  body.conv2d_1          conv2d<3,16,same,2>              7x7x16               1,168      0      56,448\n"
      "  body.batch_norm_1      batch_norm                       7x7x16                  32     32           0\n"
      "  body.relu_1            relu                             7x7x16                   0      0           0\n"
      "  body.conv2d_2          conv2d<3,16,same,1>              7x7x16               2,320      0     112,896\n"
      "  body.batch_norm_2      batch_norm                       7x7x16                  32     32           0\n"
      "  shortcut.conv2d_1      conv2d<1,16,same,2>              7x7x16                 144      0       6,272\n"
      "  shortcut.batch_norm_1  batch_norm                       7x7x16                  32     32           0\n"
      "  addition               body + shortcut                  7x7x16                   0      0           0\n"
      "  relu                   relu                             7x7x16                   0      0           0\n"
      "global_average_pool_1    global_average_pool              1x1x16                   0      0           0\n"
      "fully_connected_1        fully_connected<10>              1x1x10                 170      0         160\n"
      "softmax_1                softmax                          1x1x10                   0      0           0\n"
      "classification_1         classification                   1x1x10                   0      0           0\n"
      "-----------------------  -------------------------------  --------------  ----------  -----  ----------\n"
      "10 layers: 3,994 learnables, 896 state values, 232,224 multiply-accumulates per image\n";
  CHECK(summary<models::digit_resnet<>>() == expected);
  CHECK(models::digit_resnet<>::parameter_count == 3994);
  CHECK(models::digit_resnet<>::state_count == 896);

  // ResNet-20 (resnet<16, 3>): 19 convolutions and a fully connected layer; the totals are the network's.
  using resnet20 = models::resnet<16, 3>;
  const auto rows = summary_rows<resnet20>();
  std::size_t learnables = 0, states = 0, convolutions = 0;
  for (const auto& r : rows) {
    if (r.depth == 0) learnables += r.learnables, states += r.states;
    convolutions += r.type.starts_with("conv2d<");
  }
  CHECK(learnables == resnet20::parameter_count);
  CHECK(states == resnet20::state_count);
  CHECK(convolutions == 19 + 2);  // and the two projections
  CHECK(resnet20::depth == 17);   // input, conv, bn, relu, 9 blocks, pool, fc, softmax, classification
  CHECK(std::is_same_v<resnet20::output_shape, shape<10, 1, 1>>);
  CHECK(std::is_same_v<models::resnet<16, 2, 28, 28, 1>::shape_at<10>, shape<64, 7, 7>>);
}

TEST_CASE("dropout counts its steps before the first layer that trains, in a network and in a block's body") {
  // Both dropouts come before any trainable layer, so no gradient reaches them; each backward
  // must still move them to the next mask (a checkpoint stores the step; a resume continues it).
  using plain = network<raw_input<4, 4, 2>, dropout<>, conv2d<1, 2>, fully_connected<2>, softmax, classification>;
  using block = network<raw_input<4, 4, 2>, residual<sequence<dropout<>, conv2d<1, 2>>>, fully_connected<2>, softmax,
                        classification>;
  using after = network<raw_input<4, 4, 2>, dropout<>, residual<conv2d<1, 2>>, fully_connected<2>, softmax,
                        classification>;
  context ctx;
  const auto x = test::random_batch(batch_dims<shape<2, 4, 4>>(2), 1);
  tensor<float> xf(x.extents());
  for (std::size_t i = 0; i < x.size(); ++i) xf.data()[i] = float(x.data()[i]);
  const std::vector<int> labels{0, 1};
  auto steps = [&](auto net) {
    for (int k = 0; k < 3; ++k) net.forward(ctx, xf, mode::training), net.backward(ctx, labels);
    return net.random_step();
  };
  CHECK(steps(plain(1)) == 3);
  CHECK(steps(block(1)) == 3);
  CHECK(steps(after(1)) == 3);  // a block without dropout does not hide the step of the one before it
}
