// A solver's state by name: its per-parameter tensors split per parameter and field
// ("conv2d_1.weight.velocity"), its counters as JSON; and back. Typed on the network, whose
// parameters name the tensors.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "partrain/core/error.hpp"
#include "partrain/format/safetensors.hpp"
#include "partrain/train/run_state.hpp"

namespace partrain::detail {

/// The solver's tensors split per parameter of `shapes`, and its counters as JSON.
template <class Net, class State>
void solver_tensors(Net& shapes, State& state, std::vector<format::named_tensor>& tensors, nlohmann::json& counters) {
  using T = typename Net::value_type;
  for_each_solver_field(state, [&](std::string_view field, auto& value) {
    if constexpr (std::is_arithmetic_v<std::decay_t<decltype(value)>>) {
      counters[std::string(field)] = value;
    } else {
      shapes.for_each_parameter([&](const auto& ref) {
        const std::size_t at = std::size_t(ref.value.data() - shapes.parameters().data());
        std::vector<std::int64_t> shape(ref.spec.shape.begin(), ref.spec.shape.begin() + ref.spec.rank);
        tensors.push_back(format::named_tensor::from<T>(ref.name + "." + std::string(field), std::move(shape),
                                                        std::span<const T>(value.data() + at, ref.value.size())));
      });
    }
  });
}

/// The inverse: the solver's state from its tensors and counters; io_error naming the
/// folder's file and the tensor or counter that is missing or of another size.
template <class Net, class State>
void solver_from(const std::vector<format::named_tensor>& tensors, const nlohmann::json& counters, Net& shapes,
                 State& state, const std::string& folder) {
  using T = typename Net::value_type;
  const std::string source = folder + "/solver.safetensors";
  std::map<std::string, const format::named_tensor*> by_name;
  for (const auto& t : tensors) by_name[t.name] = &t;
  for_each_solver_field(state, [&](std::string_view field, auto& value) {
    if constexpr (std::is_arithmetic_v<std::decay_t<decltype(value)>>) {
      PARTRAIN_CHECK(counters.contains(std::string(field)), io_error, "[partrain::io::read_checkpoint] '", folder,
                     "/state.json': the solver's counter '", field, "' is missing");
      value = counters.at(std::string(field)).template get<std::decay_t<decltype(value)>>();
    } else {
      shapes.for_each_parameter([&](const auto& ref) {
        const std::string name = ref.name + "." + std::string(field);
        const auto it = by_name.find(name);
        PARTRAIN_CHECK(it != by_name.end(), io_error, "[partrain::io::read_checkpoint] '", source, "': tensor '",
                       name, "' is missing");
        const std::vector<T> values = it->second->template values<T>();
        PARTRAIN_CHECK(values.size() == ref.value.size(), io_error, "[partrain::io::read_checkpoint] '", source,
                       "': tensor '", name, "' has ", values.size(), " values; expected ", ref.value.size());
        const std::size_t at = std::size_t(ref.value.data() - shapes.parameters().data());
        std::copy(values.begin(), values.end(), value.data() + at);
      });
    }
  });
}

}  // namespace partrain::detail
