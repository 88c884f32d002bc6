// Shared helpers for layer tests: random batches and a gradient check with a verdict.
#pragma once

#include <doctest/doctest.h>

#include <vector>

#include "partrain/partrain.hpp"

namespace test {

inline partrain::tensor<double> random_batch(partrain::dims d, std::uint64_t seed, double lo = -1,
                                             double hi = 1) {
  partrain::tensor<double> x(d);
  partrain::random_engine rng(seed);
  for (auto& v : x.span()) v = rng.uniform(lo, hi);
  return x;
}

/// Gradient-checks a double network built from Layers... on a random batch of n images.
template <class... Layers>
partrain::gradient_check_result check(int n = 3, partrain::mode m = partrain::mode::training,
                                      std::vector<int> labels = {}) {
  using net_t = partrain::with_element<partrain::network<Layers...>, double>;
  net_t net(11);
  partrain::context ctx;
  auto x = random_batch(partrain::batch_dims<typename net_t::input_shape>(n), 5);
  // Fit the input normalization on other data so it is not the identity.
  net.reset_input_statistics();
  net.accumulate_input_statistics(random_batch(x.extents(), 9, 0, 3));
  net.finish_input_statistics();
  // Step 1e-5: at 1e-6 the central difference of a batch norm's loss is at the level of
  // its rounding (the error grows as the step shrinks: 1e-8 at 1e-4, 1e-6 at 1e-6), and a
  // reordered sum moves it across the 1e-6 bar; 1e-5 stays far from relu and pool kinks.
  auto r = partrain::check_gradients(net, ctx, x, labels, m, 1, 1e-5);
  INFO(net_t::description(), ": worst ", r.worst);
  CHECK(r.checked > 0);
  CHECK(r.max_relative_error < 1e-6);
  return r;
}

}  // namespace test
