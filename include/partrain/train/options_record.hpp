// The options a network was trained with, as data: what trained<Net> keeps and experiment
// folders save, instead of the options object (which holds data views, callbacks, streams).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace partrain {

/// One option: its name and its value — a number (NaN/infinity allowed), an integer, a
/// switch or a word; null (monostate) for an absent one (no validation data).
struct option_value {
  std::string name;
  std::variant<std::monostate, double, std::int64_t, std::uint64_t, bool, std::string> value;
};

/// Every option of a run in a fixed order: the solver's and schedule's names first, then
/// the options, then the solver's and the schedule's hyper-parameters.
struct options_record {
  std::vector<option_value> values;

  /// The option called `name`; nullptr when there is none.
  const option_value* find(std::string_view name) const {
    for (const auto& v : values)
      if (v.name == name) return &v;
    return nullptr;
  }
  bool empty() const { return values.empty(); }

  void add(std::string name, double v) { values.push_back({std::move(name), v}); }
  void add(std::string name, int v) { values.push_back({std::move(name), std::int64_t(v)}); }
  void add(std::string name, std::int64_t v) { values.push_back({std::move(name), v}); }
  void add(std::string name, std::uint64_t v) { values.push_back({std::move(name), v}); }
  void add(std::string name, bool v) { values.push_back({std::move(name), v}); }
  void add(std::string name, std::string_view v) { values.push_back({std::move(name), std::string(v)}); }
  void add(std::string name, std::monostate v) { values.push_back({std::move(name), v}); }
};

}  // namespace partrain
