// The options a run was trained with (options_record) as JSON, and back: what experiment
// folders and checkpoints hold. (Until 0.2 also in partrain::io, through io/network_io.hpp.)
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <variant>

#include <nlohmann/json.hpp>

#include "partrain/train/options_record.hpp"
#include "partrain/train/training_options.hpp"

namespace partrain {

/// The options a network was trained with as a JSON object (keys sorted by name): numbers
/// (non-finite ones, such as an infinite validation_patience, as null), integers, switches
/// and words; null for an absent one.
inline nlohmann::json options_json(const options_record& record) {
  nlohmann::json j = nlohmann::json::object();
  for (const option_value& o : record.values)
    j[o.name] = std::visit(
        [](const auto& v) -> nlohmann::json {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::monostate>) return nullptr;
          else if constexpr (std::is_same_v<V, double>) return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
          else return v;
        },
        o.value);
  return j;
}

/// The inverse of options_json, for a trial read back (null stays null: an absent option,
/// or a number that was not finite, such as an infinite validation_patience).
inline options_record options_from_json(const nlohmann::json& j) {
  options_record r;
  if (!j.is_object()) return r;
  for (const auto& [name, v] : j.items()) {
    if (v.is_boolean()) r.add(name, v.get<bool>());
    else if (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(INT64_MAX))
      r.add(name, v.get<std::uint64_t>());  // a seed beyond int64's range
    else if (v.is_number_integer()) r.add(name, v.get<std::int64_t>());
    else if (v.is_number()) r.add(name, v.get<double>());
    else if (v.is_string()) r.add(name, std::string_view(v.get_ref<const std::string&>()));
    else r.add(name, std::monostate{});
  }
  return r;
}

/// The same from the options themselves (record_options: every option and hyper-parameter).
template <class Solver, class Schedule>
nlohmann::json options_json(const training_options<Solver, Schedule>& o) {
  return options_json(record_options(o));
}

}  // namespace partrain
