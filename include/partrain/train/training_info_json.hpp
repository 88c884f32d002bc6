// training_info as JSON (all fields; JSON has no NaN, so NaN is written as null and ±Inf as
// "Infinity"/"-Infinity"): what experiment folders and checkpoints hold. (Until 0.2 also in
// partrain::io, through partrain/io/training_info_io.hpp.)
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/format/json.hpp"
#include "partrain/train/training_info.hpp"

namespace partrain {
inline namespace PARTRAIN_MODE_NAMESPACE {

/// The stop_reason named by to_string(reason); io_error (after `where`) for another name.
PARTRAIN_DECL stop_reason stop_reason_from(std::string_view s, std::string_view where);

/// training_info as a JSON object with every field; the per-iteration fields are arrays.
PARTRAIN_DECL nlohmann::json to_json(const training_info& info);

/// Inverse of to_json. source names the file in messages.
/// throws io_error for a missing field, a wrong type, or arrays of different lengths.
PARTRAIN_DECL training_info training_info_from_json(const nlohmann::json& j, std::string_view source);

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/train/impl/training_info_json.ipp"
#endif
