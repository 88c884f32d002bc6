// A multinomial logistic regression on raw pixels, trained by plain SGD: the linear
// baseline the digit set must beat clearly with a CNN (used by a test and a benchmark).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <vector>

#include "partrain/core/random.hpp"
#include "partrain/data/data_source.hpp"

namespace partrain::data::test {

/// Trains on `train` for `epochs` and returns the accuracy (0..1) on `test`.
template <source Train, source Test>
double linear_accuracy(const Train& train, const Test& test, int epochs = 15, float learn_rate = 0.05f) {
  const std::size_t d = train.image_dims().image_size(), k = std::size_t(train.num_classes());
  auto load = [&](const auto& ds, std::vector<float>& x, std::vector<int>& y) {
    std::vector<std::size_t> idx(ds.size());
    std::iota(idx.begin(), idx.end(), 0);
    x.resize(ds.size() * d), y.resize(ds.size());
    ds.read_batch(idx, 0, x.data(), y.data());
    for (auto& v : x) v = v / 255.f - 0.5f;
  };
  std::vector<float> xtr, xte;
  std::vector<int> ytr, yte;
  load(train, xtr, ytr);
  load(test, xte, yte);
  std::vector<float> w(k * (d + 1), 0.f), p(k);
  auto scores = [&](const float* x, std::vector<float>& s) {
    for (std::size_t c = 0; c < k; ++c) {
      const float* wc = w.data() + c * (d + 1);
      float z = wc[d];
      for (std::size_t j = 0; j < d; ++j) z += wc[j] * x[j];
      s[c] = z;
    }
  };
  std::vector<std::size_t> order(ytr.size());
  std::iota(order.begin(), order.end(), 0);
  random_engine rng(1);
  for (int e = 0; e < epochs; ++e) {
    std::shuffle(order.begin(), order.end(), rng);
    const float lr = learn_rate / (1.f + 0.3f * float(e));
    for (std::size_t i : order) {
      const float* x = xtr.data() + i * d;
      scores(x, p);
      const float m = *std::max_element(p.begin(), p.end());
      float sum = 0;
      for (auto& v : p) sum += (v = std::exp(v - m));
      for (std::size_t c = 0; c < k; ++c) {
        const float g = p[c] / sum - (int(c) == ytr[i] ? 1.f : 0.f);
        float* wc = w.data() + c * (d + 1);
        for (std::size_t j = 0; j < d; ++j) wc[j] -= lr * (g * x[j] + 1e-4f * wc[j]);
        wc[d] -= lr * g;
      }
    }
  }
  std::size_t correct = 0;
  for (std::size_t i = 0; i < yte.size(); ++i) {
    scores(xte.data() + i * d, p);
    correct += std::size_t(std::max_element(p.begin(), p.end()) - p.begin()) == std::size_t(yte[i]);
  }
  return double(correct) / double(yte.size());
}

}  // namespace partrain::data::test
