// Numbers and cells as text: the shortest decimal that reads back bit for bit, hex words,
// RFC 4180 CSV cells and MATLAB-style time stamps. partrain's files write numbers this way.
#pragma once

#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <limits>
#include <string>
#include <string_view>

#include "partrain/config.hpp"

namespace partrain::format {

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Shortest text that reads back bit-identically; "NaN", "Inf", "-Inf" for non-finite values.
PARTRAIN_DECL std::string number_text(double x);

/// Parses a number written by number_text (also "nan"/"inf" in any case); false if invalid.
PARTRAIN_DECL bool parse_number(std::string_view s, double& x);

/// A 64-bit word as 16 lower-case hex digits.
PARTRAIN_DECL std::string hex(std::uint64_t v);

/// One CSV cell, quoted per RFC 4180 when it holds a comma, quote or line break.
PARTRAIN_DECL std::string csv_cell(std::string_view s);

/// The current local time as MATLAB's 'yyyyMMddTHHmmss'.
PARTRAIN_DECL std::string local_timestamp();

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::format

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/format/impl/text.ipp"
#endif