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

namespace partrain::format {

/// Shortest text that reads back bit-identically; "NaN", "Inf", "-Inf" for non-finite values.
inline std::string number_text(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Inf" : "-Inf";
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

/// Parses a number written by number_text (also "nan"/"inf" in any case); false if invalid.
inline bool parse_number(std::string_view s, double& x) {
  auto lower = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
    return true;
  };
  if (lower(s, "nan")) return x = std::numeric_limits<double>::quiet_NaN(), true;
  if (lower(s, "inf") || lower(s, "+inf")) return x = std::numeric_limits<double>::infinity(), true;
  if (lower(s, "-inf")) return x = -std::numeric_limits<double>::infinity(), true;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto r = std::from_chars(s.data(), s.data() + s.size(), x);
  return r.ec == std::errc{} && r.ptr == s.data() + s.size() && !s.empty();
}

/// A 64-bit word as 16 lower-case hex digits.
inline std::string hex(std::uint64_t v) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(v));
  return text;
}

/// One CSV cell, quoted per RFC 4180 when it holds a comma, quote or line break.
inline std::string csv_cell(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

/// The current local time as MATLAB's 'yyyyMMddTHHmmss'.
inline std::string local_timestamp() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::localtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", &tm);
  return buf;
}

}  // namespace partrain::format
