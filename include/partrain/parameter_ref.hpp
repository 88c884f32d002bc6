// How optimizers, exporters and checkpoints see a network's tensors: named views of each
// parameter (values and gradient) and state tensor, and where parameters sit in the flat buffers.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "partrain/core/tensor.hpp"
#include "partrain/layers/layer.hpp"

namespace partrain {

/// A parameter as optimizers and exporters see it: a view of its values and gradient.
template <element_type T>
struct parameter_ref {
  std::string name;  ///< e.g. "conv2d_1.weight"
  const tensor_spec& spec;
  std::span<T> value;
  std::span<T> gradient;
};

/// Where one parameter tensor sits in the flat parameter/gradient buffers.
struct parameter_slot {
  std::size_t offset = 0, size = 0;
  bool l2 = false;  ///< L2 regularization applies (weights)
};

/// A layer's non-trainable state (batch-norm moving statistics, input normalization).
template <element_type T>
struct state_ref {
  std::string name;  ///< e.g. "batch_norm_1.trained_mean"
  const tensor_spec& spec;
  std::span<T> value;
};

}  // namespace partrain
