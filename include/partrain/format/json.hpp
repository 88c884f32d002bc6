// Numbers in JSON as partrain writes them (JSON has no NaN: null; ±Inf: "Infinity" and
// "-Infinity"), and JSON files read as objects with errors that name the file.
#pragma once

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/format/files.hpp"
#include "partrain/format/text.hpp"

namespace partrain::format {
inline namespace PARTRAIN_MODE_NAMESPACE {

/// NaN → null, ±Inf → "Infinity"/"-Infinity", finite → number.
PARTRAIN_DECL nlohmann::json json_number(double x);

/// Inverse of json_number; throws io_error with where + field when j is none of those.
PARTRAIN_DECL double from_json_number(const nlohmann::json& j, std::string_view where, std::string_view field);

/// A string, number or boolean as the text a CSV cell holds (numbers as number_text);
/// empty for anything else.
PARTRAIN_DECL std::string json_scalar_text(const nlohmann::json& j);

/// The JSON object in the file at `path`; io_error naming the file when it is not one.
PARTRAIN_DECL nlohmann::json read_json_object(const std::filesystem::path& path, std::string_view caller);

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::format

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/format/impl/json.ipp"
#endif
