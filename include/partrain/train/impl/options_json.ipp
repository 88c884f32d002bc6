// The bodies of train/options_json.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/train.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <variant>

#include <nlohmann/json.hpp>

#include "partrain/train/options_json.hpp"
#include "partrain/train/options_record.hpp"

namespace partrain {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL nlohmann::json options_json(const options_record& record) {
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

PARTRAIN_DECL options_record options_from_json(const nlohmann::json& j) {
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

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain
