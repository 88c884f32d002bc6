// training_info as CSV (one row per iteration, "NaN" where not validated) and as JSON files
// (train/training_info_json.hpp has the JSON itself).
#pragma once

#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/format/files.hpp"
#include "partrain/format/json.hpp"
#include "partrain/format/text.hpp"
#include "partrain/train/training_info_json.hpp"
#include "partrain/train/training_info.hpp"

namespace partrain::io {

using partrain::to_json;
using partrain::training_info_from_json;

namespace detail {
inline constexpr std::string_view training_info_csv_header =
    "iteration,epoch,training_loss,training_accuracy,validation_loss,validation_accuracy,"
    "base_learn_rate";
} // namespace detail

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Per-iteration CSV text: header then one row per iteration, NaN where not validated.
/// Scalars (final values, stop reason, ...) are in the JSON form only.
PARTRAIN_DECL std::string training_info_csv(const training_info& info);

/// Parses training_info_csv's text (only the per-iteration fields are filled).
/// throws io_error naming source and line for a wrong header, field count or number.
PARTRAIN_DECL training_info training_info_from_csv(std::string_view text, std::string_view source);

/// Writes training_info_csv(info) to path atomically. throws io_error.
PARTRAIN_DECL void write_training_info_csv(const std::filesystem::path& path, const training_info& info);
/// Reads a CSV written by write_training_info_csv. throws io_error.
PARTRAIN_DECL training_info read_training_info_csv(const std::filesystem::path& path);
/// Writes to_json(info) to path atomically (indented). throws io_error.
PARTRAIN_DECL void write_training_info_json(const std::filesystem::path& path, const training_info& info);
/// Reads a JSON file written by write_training_info_json. throws io_error.
PARTRAIN_DECL training_info read_training_info_json(const std::filesystem::path& path);

}  // namespace PARTRAIN_MODE_NAMESPACE
} // namespace partrain::io

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/io/impl/training_info_io.ipp"
#endif
