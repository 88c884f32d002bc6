// The bodies of format/text.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/format.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/format/text.hpp"

namespace partrain::format {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::string number_text(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Inf" : "-Inf";
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

PARTRAIN_DECL bool parse_number(std::string_view s, double& x) {
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

PARTRAIN_DECL std::string hex(std::uint64_t v) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(v));
  return text;
}

PARTRAIN_DECL std::string csv_cell(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

PARTRAIN_DECL std::string local_timestamp() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::localtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", &tm);
  return buf;
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::format
