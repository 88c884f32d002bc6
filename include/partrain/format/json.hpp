// Numbers in JSON as partrain writes them (JSON has no NaN: null; ±Inf: "Infinity" and
// "-Infinity"), and JSON files read as objects with errors that name the file.
#pragma once

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "partrain/core/error.hpp"
#include "partrain/format/files.hpp"
#include "partrain/format/text.hpp"

namespace partrain::format {

/// NaN → null, ±Inf → "Infinity"/"-Infinity", finite → number.
inline nlohmann::json json_number(double x) {
  if (std::isnan(x)) return nullptr;
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  return x;
}

/// Inverse of json_number; throws io_error with where + field when j is none of those.
inline double from_json_number(const nlohmann::json& j, std::string_view where, std::string_view field) {
  if (j.is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (j.is_number()) return j.get<double>();
  if (j == "Infinity") return std::numeric_limits<double>::infinity();
  if (j == "-Infinity") return -std::numeric_limits<double>::infinity();
  fail<io_error>(where, "field '", field, "' holds ", j.dump(),
                 "; expected a number, null (NaN), \"Infinity\" or \"-Infinity\"");
}

/// A string, number or boolean as the text a CSV cell holds (numbers as number_text);
/// empty for anything else.
inline std::string json_scalar_text(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number_float()) return number_text(j.get<double>());
  if (j.is_number() || j.is_boolean()) return j.dump();
  return "";
}

/// The JSON object in the file at `path`; io_error naming the file when it is not one.
inline nlohmann::json read_json_object(const std::filesystem::path& path, std::string_view caller) {
  auto j = nlohmann::json::parse(read_text_file(path, caller), nullptr, false);
  PARTRAIN_CHECK(!j.is_discarded() && j.is_object(), io_error, "[", caller, "] '", path.string(),
                 "': not a JSON object (corrupted file?)");
  return j;
}

}  // namespace partrain::format
