// Finite-difference gradient checking of a whole network in double precision: public API,
// so users can check their own layers the way partrain checks its own.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "partrain/backend/context.hpp"
#include "partrain/core/random.hpp"
#include "partrain/core/tensor.hpp"
#include "partrain/layers/layer.hpp"

namespace partrain {

/// The worst disagreement between analytic and central-difference gradients.
/// Relative error is |a - n| / max(|a|, |n|, 1e-3): gradients smaller than 1e-3 are
/// compared on that absolute scale, so rounding noise around a true zero does not count.
struct gradient_check_result {
  double max_relative_error = 0;
  std::string worst;       ///< where it occurred, e.g. "conv2d_1.weight[17]" or "input[3]"
  std::size_t checked = 0; ///< number of gradient entries compared
};

/// Checks d loss / d parameter and d loss / d input of `net` at input x. The loss is the
/// network's cross-entropy against `labels` when it ends in classification, otherwise
/// sum(r * output) for a fixed random r. `stride` > 1 checks every stride-th entry of each
/// tensor. Requires a double network (see with_element).
template <class Net>
  requires std::same_as<typename Net::value_type, double>
gradient_check_result check_gradients(Net& net, context& ctx, const tensor<double>& x,
                                      std::span<const int> labels = {}, mode m = mode::training,
                                      std::size_t stride = 1, double h = 1e-6) {
  constexpr bool classifier = requires { net.loss(ctx, labels); };
  tensor<double> input = x;
  tensor<double> projection;
  auto loss = [&] {
    const tensor<double>& y = net.forward(ctx, input, m);
    if constexpr (classifier) {
      return net.loss(ctx, labels);
    } else {
      if (projection.size() != y.size()) {
        projection.resize(y.extents());
        random_engine rng(7);
        for (auto& v : projection.span()) v = rng.uniform(-1, 1);
      }
      double s = 0;
      for (std::size_t i = 0; i < y.size(); ++i) s += projection[i] * y[i];
      return s;
    }
  };

  struct entry {
    std::string name;
    double* value;
    std::size_t index;
    double numeric;
  };
  std::vector<entry> entries;
  std::vector<std::pair<std::string, std::span<double>>> tensors;
  net.for_each_parameter([&](const auto& p) { tensors.emplace_back(p.name, p.value); });
  tensors.emplace_back("input", input.span());
  for (auto& [name, values] : tensors)
    for (std::size_t i = 0; i < values.size(); i += stride) {
      const double saved = values[i];
      values[i] = saved + h;
      const double up = loss();
      values[i] = saved - h;
      const double down = loss();
      values[i] = saved;
      entries.push_back({name, &values[i], i, (up - down) / (2 * h)});
    }

  // The analytic pass comes last: batch-norm and dropout keep what backward needs from
  // the latest forward.
  loss();
  if constexpr (classifier) net.backward(ctx, labels, true);
  else net.backward_from(ctx, projection, true);
  std::vector<std::span<double>> grads;
  net.for_each_parameter([&](const auto& p) { grads.push_back(p.gradient); });

  gradient_check_result result;
  std::size_t t = 0;
  for (const auto& e : entries) {
    while (tensors[t].first != e.name) ++t;
    const double analytic = t < grads.size() ? grads[t][e.index] : net.input_gradient()[e.index];
    const double err = std::abs(analytic - e.numeric) /
                       std::max({std::abs(analytic), std::abs(e.numeric), 1e-3});
    if (err >= result.max_relative_error) {
      result.max_relative_error = err;
      result.worst = e.name + "[" + std::to_string(e.index) + "]: analytic " +
                     std::to_string(analytic) + ", numeric " + std::to_string(e.numeric);
    }
    ++result.checked;
  }
  return result;
}

}  // namespace partrain
