// Network behaviour: determinism, bad input, and learning a toy problem with plain SGD.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "partrain/partrain.hpp"

using namespace partrain;
using namespace partrain::layers;

namespace {
using small_cnn = network<image_input<8, 8, 1>, conv2d<3, 4, same>, batch_norm, relu, max_pool2d<2, 2>,
                          fully_connected<2>, softmax, classification>;

// Two blobs: class 0 bright top-left, class 1 bright bottom-right, with noise.
void make_blobs(int n, std::uint64_t seed, tensor<float>& x, std::vector<int>& labels) {
  random_engine rng(seed);
  x.resize({n, 1, 8, 8});
  labels.resize(n);
  for (int i = 0; i < n; ++i) {
    labels[i] = i % 2;
    const double cy = labels[i] ? 5.5 : 2, cx = labels[i] ? 5.5 : 2;
    for (int y = 0; y < 8; ++y)
      for (int xx = 0; xx < 8; ++xx)
        x.at(i, 0, y, xx) = float(200 * std::exp(-((y - cy) * (y - cy) + (xx - cx) * (xx - cx)) / 4) +
                                  rng.uniform(0, 40));
  }
}
}  // namespace

TEST_CASE("same seed, same result: bit-identical parameters, outputs and gradients") {
  tensor<float> x;
  std::vector<int> labels;
  make_blobs(16, 1, x, labels);
  auto run = [&](std::uint64_t seed) {
    small_cnn net(seed);
    context ctx;
    net.forward(ctx, x, mode::training);
    net.backward(ctx, labels);
    std::vector<float> out(net.parameters().begin(), net.parameters().end());
    out.insert(out.end(), net.gradients().begin(), net.gradients().end());
    return out;
  };
  const auto a = run(42), b = run(42), c = run(43);
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
  CHECK(a != c);
}

TEST_CASE("bad input: wrong shape, empty batch, NaN, bad labels give clear errors") {
  small_cnn net(1);
  context ctx;
  tensor<float> wrong({4, 3, 8, 8});
  CHECK_THROWS_WITH_AS(net.forward(ctx, wrong, mode::training),
                       "[partrain::network layer 1 (image_input_1)] input batch has shape (4,3,8,8) "
                       "(n,c,h,w); expected (4,1,8,8) for 8x8x1 images",
                       shape_error);
  tensor<float> empty({0, 1, 8, 8});
  CHECK_THROWS_WITH_AS(net.forward(ctx, empty, mode::training),
                       "[partrain::network layer 1 (image_input_1)] batch size is 0; expected at "
                       "least one image of 8x8x1",
                       shape_error);
  tensor<float> nan({2, 1, 8, 8});
  nan.at(1, 0, 3, 4) = std::nanf("");
  CHECK_THROWS_WITH_AS(net.forward(ctx, nan, mode::training),
                       "[partrain::layer image_input] image 1 of the batch has a non-finite value "
                       "(nan) at element 28; expected finite pixel values",
                       data_error);
  tensor<float> ok({2, 1, 8, 8});
  net.forward(ctx, ok, mode::training);
  const std::vector<int> too_few{0}, out_of_range{0, 2};
  CHECK_THROWS_AS(net.backward(ctx, too_few), shape_error);
  CHECK_THROWS_WITH_AS(net.backward(ctx, out_of_range),
                       "[partrain::network layer 8 (classification_1)] label 2 of image 1 is "
                       "outside 0..1",
                       data_error);
  small_cnn fresh(1);
  CHECK_THROWS_AS(fresh.backward(ctx, too_few), error);
  fresh.forward(ctx, ok, mode::inference);  // batch norm keeps no batch statistics then
  const std::vector<int> labels{0, 1};
  CHECK_THROWS_WITH_AS(fresh.backward(ctx, labels),
                       doctest::Contains("[partrain::layer batch_norm] backward needs the statistics of a "
                                         "forward in training mode"),
                       error);
}

TEST_CASE("a network of every layer type learns two blobs to 100% with plain SGD") {
  using every_layer = network<image_input<8, 8, 1, normalization::zscore>, conv2d<3, 4, same>, batch_norm,
                              relu, max_pool2d<2, 2>, conv2d<3, 4, pad(1)>, leaky_relu<>, avg_pool2d<2, 2>,
                              dropout<1, 5>, fully_connected<2>, softmax, classification>;
  every_layer net(7);
  context ctx;
  tensor<float> x;
  std::vector<int> labels;
  make_blobs(64, 2, x, labels);
  net.reset_input_statistics();
  net.accumulate_input_statistics(x);
  net.finish_input_statistics();
  double first_loss = 0, loss = 0;
  for (int step = 0; step < 60; ++step) {
    net.forward(ctx, x, mode::training);
    loss = net.loss(ctx, labels);
    if (step == 0) first_loss = loss;
    net.backward(ctx, labels);
    auto p = net.parameters();
    auto g = net.gradients();
    for (std::size_t i = 0; i < p.size(); ++i) p[i] -= 0.1f * g[i];  // plain SGD
  }
  CHECK(loss < first_loss / 4);
  tensor<float> test_x;
  std::vector<int> test_labels;
  make_blobs(64, 3, test_x, test_labels);
  net.predict(ctx, x);
  CHECK(net.correct(ctx, labels) == 64);
  net.predict(ctx, test_x);
  CHECK(net.correct(ctx, test_labels) == 64);
}
