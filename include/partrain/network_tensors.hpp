// A network's parameters and state as named tensors, and back: what .safetensors files,
// checkpoints and experiments store. (Until 0.2 also as partrain/io/network_tensors.hpp.)
#pragma once

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/format/safetensors.hpp"
#include "partrain/network.hpp"

namespace partrain {

/// Every parameter ("conv2d_1.weight") and state tensor ("batch_norm_1.trained_mean") of net.
template <class Net>
std::vector<format::named_tensor> network_tensors(Net& net) {
  using T = typename Net::value_type;
  std::vector<format::named_tensor> out;
  auto add = [&](const auto& ref) {
    std::vector<std::int64_t> shape(ref.spec.shape.begin(), ref.spec.shape.begin() + ref.spec.rank);
    out.push_back(format::named_tensor::from<T>(ref.name, std::move(shape), std::span<const T>(ref.value)));
  };
  net.for_each_parameter(add);
  net.for_each_state(add);
  return out;
}

/// Copies tensors into net. It cannot tell another architecture with the same tensor names
/// and shapes (leaky_relu for relu, avg_pool for max_pool): prefer the safetensors_content
/// overload below, or load_network, which check the file's "architecture" metadata.
/// Every tensor of the network must be present with its exact
/// shape and dtype, and no other tensor may be: a mismatch throws io_error naming `source`
/// (a file name), the tensor and both shapes.
template <class Net>
void assign_network_tensors(Net& net, const std::vector<format::named_tensor>& tensors, const std::string& source) {
  using T = typename Net::value_type;
  std::map<std::string, const format::named_tensor*> by_name;
  for (const auto& t : tensors) by_name[t.name] = &t;
  std::set<std::string> used;
  auto take = [&](const auto& ref) {
    const auto it = by_name.find(ref.name);
    PARTRAIN_CHECK(it != by_name.end(), io_error, "[partrain::io::load] '", source, "': tensor '", ref.name,
                   "' is missing; the network ", Net::description(), " needs it");
    const format::named_tensor& t = *it->second;
    std::vector<std::int64_t> want(ref.spec.shape.begin(), ref.spec.shape.begin() + ref.spec.rank);
    PARTRAIN_CHECK(t.shape == want, io_error, "[partrain::io::load] '", source, "': tensor '", ref.name,
                   "' is ", format::shape_string(t.shape), "; network expects ", format::shape_string(want));
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

inline namespace PARTRAIN_MODE_NAMESPACE {

/// "layer 4: the file has leaky_relu<1,100> where the network has relu; ..." for two
/// architecture descriptions (space-separated layers, as network<...>::description()).
PARTRAIN_DECL std::string architecture_differences(const std::string& file, const std::string& net);

/// The first tensor, in the network's order, that `file` lacks or holds in another shape, or
/// else the first of `file`'s that the network lacks, in words ("the network's tensor
/// 'residual_1.body.conv2d_1.weight' is not in the file"); empty when none differs. `net` is
/// network_tensors(net) (names and shapes are what count).
PARTRAIN_DECL std::string first_tensor_difference(const std::vector<format::named_tensor>& file,
                                                  const std::vector<format::named_tensor>& net);

/// Whether a file's metadata names an architecture ("architecture", as save_network,
/// save_experiment and checkpoints write) other than `expected`.
PARTRAIN_DECL bool names_another_architecture(const format::safetensors_content& content, const std::string& expected);

/// When a file's metadata names an architecture, it must be `expected`: io_error naming
/// `source`, each layer that differs and, when `net` (network_tensors of the network) is
/// given, the first tensor that differs.
PARTRAIN_DECL void check_architecture(const format::safetensors_content& content, const std::string& expected,
                                      const std::string& source, const std::vector<format::named_tensor>& net = {});

}  // namespace PARTRAIN_MODE_NAMESPACE

/// As above, and first check_architecture against Net's. To load weights into another
/// architecture on purpose (transfer learning), use load_tensors_by_name.
template <class Net>
void assign_network_tensors(Net& net, const format::safetensors_content& content, const std::string& source) {
  if (names_another_architecture(content, Net::description()))  // the tensors only for the message
    check_architecture(content, Net::description(), source, network_tensors(net));
  assign_network_tensors(net, content.tensors, source);
}

/// What load_tensors_by_name did: the network's tensors it set, and those it left as they were.
struct tensor_transfer {
  std::vector<std::string> loaded;       ///< same name and shape in the file: copied
  std::vector<std::string> not_in_file;  ///< no tensor of that name in the file: left as is
  std::vector<std::string> other_shape;  ///< in the file with another shape: left as is
};

/// Transfer learning: copies each tensor of net that the file has under the same name with
/// the same shape, whatever architecture the file names, and reports the rest (left as
/// they were). Throws io_error naming `source` when no tensor matches at all.
template <class Net>
tensor_transfer load_tensors_by_name(Net& net, const format::safetensors_content& content, const std::string& source) {
  using T = typename Net::value_type;
  std::map<std::string, const format::named_tensor*> by_name;
  for (const auto& t : content.tensors) by_name[t.name] = &t;
  tensor_transfer report;
  auto take = [&](const auto& ref) {
    const auto it = by_name.find(ref.name);
    if (it == by_name.end()) return report.not_in_file.push_back(ref.name);
    std::vector<std::int64_t> want(ref.spec.shape.begin(), ref.spec.shape.begin() + ref.spec.rank);
    if (it->second->shape != want) return report.other_shape.push_back(ref.name);
    const auto values = it->second->template values<T>();
    std::copy(values.begin(), values.end(), ref.value.begin());
    report.loaded.push_back(ref.name);
  };
  net.for_each_parameter(take);
  net.for_each_state(take);
  PARTRAIN_CHECK(!report.loaded.empty(), io_error, "[partrain::io::load_tensors_by_name] '", source,
                 "': no tensor of the file has the name and shape of one of ", Net::description(), "'s");
  return report;
}

}  // namespace partrain

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/impl/network_tensors.ipp"
#endif
