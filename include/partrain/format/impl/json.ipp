// The bodies of format/json.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/format.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <cmath>
#include <limits>

#include "partrain/core/error.hpp"
#include "partrain/format/files.hpp"
#include "partrain/format/json.hpp"
#include "partrain/format/text.hpp"

namespace partrain::format {
inline namespace PARTRAIN_MODE_NAMESPACE {


PARTRAIN_DECL nlohmann::json json_number(double x) {
  if (std::isnan(x)) return nullptr;
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  return x;
}

PARTRAIN_DECL double from_json_number(const nlohmann::json& j, std::string_view where, std::string_view field) {
  if (j.is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (j.is_number()) return j.get<double>();
  if (j == "Infinity") return std::numeric_limits<double>::infinity();
  if (j == "-Infinity") return -std::numeric_limits<double>::infinity();
  fail<io_error>(where, "field '", field, "' holds ", j.dump(),
                 "; expected a number, null (NaN), \"Infinity\" or \"-Infinity\"");
}

PARTRAIN_DECL std::string json_scalar_text(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number_float()) return number_text(j.get<double>());
  if (j.is_number() || j.is_boolean()) return j.dump();
  return "";
}

PARTRAIN_DECL nlohmann::json read_json_object(const std::filesystem::path& path, std::string_view caller) {
  auto j = nlohmann::json::parse(read_text_file(path, caller), nullptr, false);
  PARTRAIN_CHECK(!j.is_discarded() && j.is_object(), io_error, "[", caller, "] '", path.string(),
                 "': not a JSON object (corrupted file?)");
  return j;
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::format
