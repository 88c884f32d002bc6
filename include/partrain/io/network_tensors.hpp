// A network's parameters and state as named tensors, and back: what .safetensors files,
// checkpoints and experiments store.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "partrain/core/error.hpp"
#include "partrain/io/safetensors.hpp"
#include "partrain/network.hpp"

namespace partrain::io {

/// Every parameter ("conv2d_1.weight") and state tensor ("batch_norm_1.trained_mean") of net.
template <class Net>
std::vector<named_tensor> network_tensors(Net& net) {
  using T = typename Net::value_type;
  std::vector<named_tensor> out;
  auto add = [&](const auto& ref) {
    std::vector<std::int64_t> shape(ref.spec.shape.begin(), ref.spec.shape.begin() + ref.spec.rank);
    out.push_back(named_tensor::from<T>(ref.name, std::move(shape), std::span<const T>(ref.value)));
  };
  net.for_each_parameter(add);
  net.for_each_state(add);
  return out;
}

/// Copies tensors into net. Every tensor of the network must be present with its exact
/// shape and dtype, and no other tensor may be: a mismatch throws io_error naming `source`
/// (a file name), the tensor and both shapes.
template <class Net>
void assign_network_tensors(Net& net, const std::vector<named_tensor>& tensors, const std::string& source) {
  using T = typename Net::value_type;
  std::map<std::string, const named_tensor*> by_name;
  for (const auto& t : tensors) by_name[t.name] = &t;
  std::set<std::string> used;
  auto take = [&](const auto& ref) {
    const auto it = by_name.find(ref.name);
    PARTRAIN_CHECK(it != by_name.end(), io_error, "[partrain::io::load] '", source, "': tensor '", ref.name,
                   "' is missing; the network ", Net::description(), " needs it");
    const named_tensor& t = *it->second;
    std::vector<std::int64_t> want(ref.spec.shape.begin(), ref.spec.shape.begin() + ref.spec.rank);
    PARTRAIN_CHECK(t.shape == want, io_error, "[partrain::io::load] '", source, "': tensor '", ref.name,
                   "' is ", shape_string(t.shape), "; network expects ", shape_string(want));
    const auto values = t.values<T>();
    std::copy(values.begin(), values.end(), ref.value.begin());
    used.insert(ref.name);
  };
  net.for_each_parameter(take);
  net.for_each_state(take);
  for (const auto& t : tensors)
    PARTRAIN_CHECK(used.count(t.name), io_error, "[partrain::io::load] '", source, "': tensor '", t.name,
                   "' does not belong to the network ", Net::description());
}

}  // namespace partrain::io
