// Small in-memory data sets for training tests.
#pragma once

#include <cmath>
#include <vector>

#include "partrain/partrain.hpp"

namespace test {

/// n 8x8 grayscale images of two classes: a bright blob top-left (0) or bottom-right (1).
/// With flip_labels the labels are swapped (a validation set that training makes worse).
inline partrain::data::image_set blobs(int n, std::uint64_t seed, bool flip_labels = false) {
  partrain::data::image_set set;
  set.image = {1, 1, 8, 8};
  set.classes = {"top_left", "bottom_right"};
  partrain::random_engine rng(seed);
  std::vector<float> img(64);
  for (int i = 0; i < n; ++i) {
    const int label = i % 2;
    const double c = label ? 5.5 : 2.0;
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 8; ++x)
        img[y * 8 + x] = float(200 * std::exp(-((y - c) * (y - c) + (x - c) * (x - c)) / 4) + rng.uniform(0, 60));
    set.push_back(img, flip_labels ? 1 - label : label);
  }
  return set;
}

using small_cnn = partrain::network<partrain::layers::image_input<8, 8, 1>, partrain::layers::conv2d<3, 4, partrain::same>,
                                   partrain::layers::batch_norm, partrain::layers::relu,
                                   partrain::layers::max_pool2d<2, 2>, partrain::layers::fully_connected<2>,
                                   partrain::layers::softmax, partrain::layers::classification>;

}  // namespace test
