// A user project: includes partrain from its installed location and trains one step.
#include <partrain/partrain.hpp>

#include <iostream>
#include <vector>

namespace pt = partrain;
using namespace partrain::layers;

using seed_cnn = pt::network<image_input<28, 28, 1>, conv2d<3, 8, pt::same>, batch_norm, relu,
                             max_pool2d<2, 2>, conv2d<3, 16, pt::same>, batch_norm, relu, max_pool2d<2, 2>,
                             conv2d<3, 32, pt::same>, batch_norm, relu, fully_connected<10>, softmax,
                             classification>;

int main() {
  seed_cnn net(1);
  pt::context ctx;
  pt::tensor<float> x({4, 1, 28, 28});
  std::vector<int> labels{0, 1, 2, 3};
  net.forward(ctx, x, pt::mode::training);
  net.backward(ctx, labels);
  std::cout << "parameters: " << seed_cnn::parameter_count << " loss: " << net.loss(ctx, labels) << '\n';
}
