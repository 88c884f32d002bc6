// training_info as CSV (one row per iteration, "NaN" where not validated) and as JSON (all
// fields; JSON has no NaN, so NaN is written as null and ±Inf as "Infinity"/"-Infinity").
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

#include "partrain/core/error.hpp"
#include "partrain/io/file.hpp"
#include "partrain/train/training_info.hpp"

namespace partrain::io {

namespace detail {
/// Shortest text that reads back bit-identically; "NaN", "Inf", "-Inf" for non-finite values.
inline std::string number_text(double x) {
  if (std::isnan(x))
    return "NaN";
  if (std::isinf(x))
    return x > 0 ? "Inf" : "-Inf";
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

/// Parses a number written by number_text (also "nan"/"inf" in any case); false if invalid.
inline bool parse_number(std::string_view s, double& x) {
  auto lower = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size())
      return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(a[i])) != b[i])
        return false;
    return true;
  };
  if (lower(s, "nan"))
    return x = std::numeric_limits<double>::quiet_NaN(), true;
  if (lower(s, "inf") || lower(s, "+inf"))
    return x = std::numeric_limits<double>::infinity(), true;
  if (lower(s, "-inf"))
    return x = -std::numeric_limits<double>::infinity(), true;
  if (!s.empty() && s.front() == '+')
    s.remove_prefix(1);
  auto r = std::from_chars(s.data(), s.data() + s.size(), x);
  return r.ec == std::errc{} && r.ptr == s.data() + s.size() && !s.empty();
}

/// NaN → null, ±Inf → "Infinity"/"-Infinity", finite → number.
inline nlohmann::json json_number(double x) {
  if (std::isnan(x))
    return nullptr;
  if (std::isinf(x))
    return x > 0 ? "Infinity" : "-Infinity";
  return x;
}

/// Inverse of json_number; throws io_error with where + field when j is none of those.
inline double from_json_number(const nlohmann::json& j, std::string_view where,
                               std::string_view field) {
  if (j.is_null())
    return std::numeric_limits<double>::quiet_NaN();
  if (j.is_number())
    return j.get<double>();
  if (j == "Infinity")
    return std::numeric_limits<double>::infinity();
  if (j == "-Infinity")
    return -std::numeric_limits<double>::infinity();
  fail<io_error>(where, "field '", field, "' holds ", j.dump(),
                 "; expected a number, null (NaN), \"Infinity\" or \"-Infinity\"");
}

inline stop_reason stop_reason_from(std::string_view s, std::string_view where) {
  for (auto r : {stop_reason::max_epochs, stop_reason::validation_patience, stop_reason::output_fn,
                 stop_reason::diverged, stop_reason::cancelled, stop_reason::failed, stop_reason::hook,
                 stop_reason::interrupted})
    if (to_string(r) == s)
      return r;
  fail<io_error>(where, "stop_reason '", s,
                 "' is not one of max_epochs, validation_patience, output_fn, diverged, cancelled, failed, hook, interrupted");
}

inline constexpr std::string_view training_info_csv_header =
    "iteration,epoch,training_loss,training_accuracy,validation_loss,validation_accuracy,"
    "base_learn_rate";
} // namespace detail

/// training_info as a JSON object with every field; the per-iteration fields are arrays.
inline nlohmann::json to_json(const training_info& info) {
  auto arr = [](const std::vector<double>& v) {
    auto a = nlohmann::json::array();
    for (double x : v)
      a.push_back(detail::json_number(x));
    return a;
  };
  return {{"iterations", info.iterations()},
          {"iterations_per_epoch", info.iterations_per_epoch},
          {"final_validation_loss", detail::json_number(info.final_validation_loss)},
          {"final_validation_accuracy", detail::json_number(info.final_validation_accuracy)},
          {"output_network_iteration", info.output_network_iteration},
          {"stop_reason", to_string(info.stop_reason)},
          {"stop_message", info.stop_message},
          {"diverged_iteration", info.diverged_iteration},
          {"wall_seconds", detail::json_number(info.wall_seconds)},
          {"warnings", info.warnings},
          {"epoch", info.epoch},
          {"training_loss", arr(info.training_loss)},
          {"training_accuracy", arr(info.training_accuracy)},
          {"validation_loss", arr(info.validation_loss)},
          {"validation_accuracy", arr(info.validation_accuracy)},
          {"base_learn_rate", arr(info.base_learn_rate)}};
}

/// Inverse of to_json. source names the file in messages.
/// throws io_error for a missing field, a wrong type, or arrays of different lengths.
inline training_info training_info_from_json(const nlohmann::json& j, std::string_view source) {
  const auto where =
      partrain::detail::concat("[partrain::io::read_training_info_json] '", source, "': ");
  PARTRAIN_CHECK(j.is_object(), io_error, where, "expected a JSON object");
  auto field = [&](const char* name) -> const nlohmann::json& {
    PARTRAIN_CHECK(j.contains(name), io_error, where, "missing field '", name, "'");
    return j[name];
  };
  auto integer = [&](const char* name) {
    const auto& v = field(name);
    PARTRAIN_CHECK(v.is_number_integer(), io_error, where, "field '", name, "' is ", v.dump(),
                   "; expected an integer");
    return v.get<int>();
  };
  training_info info;
  const int n = integer("iterations");
  auto arr = [&](const char* name, std::vector<double>& out) {
    const auto& a = field(name);
    PARTRAIN_CHECK(a.is_array() && a.size() == std::size_t(n), io_error, where, "field '", name,
                   "' must be an array of ", n, " entries (one per iteration)");
    for (const auto& x : a)
      out.push_back(detail::from_json_number(x, where, name));
  };
  arr("training_loss", info.training_loss);
  arr("training_accuracy", info.training_accuracy);
  arr("validation_loss", info.validation_loss);
  arr("validation_accuracy", info.validation_accuracy);
  arr("base_learn_rate", info.base_learn_rate);
  const auto& ep = field("epoch");
  PARTRAIN_CHECK(ep.is_array() && ep.size() == std::size_t(n), io_error, where,
                 "field 'epoch' must be an array of ", n, " integers");
  for (const auto& e : ep) {
    PARTRAIN_CHECK(e.is_number_integer(), io_error, where, "field 'epoch' holds ", e.dump(),
                   "; expected an integer");
    info.epoch.push_back(e.get<int>());
  }
  info.iterations_per_epoch = integer("iterations_per_epoch");
  info.output_network_iteration = integer("output_network_iteration");
  info.final_validation_loss =
      detail::from_json_number(field("final_validation_loss"), where, "final_validation_loss");
  info.final_validation_accuracy = detail::from_json_number(field("final_validation_accuracy"),
                                                            where, "final_validation_accuracy");
  info.wall_seconds = detail::from_json_number(field("wall_seconds"), where, "wall_seconds");
  PARTRAIN_CHECK(field("stop_reason").is_string(), io_error, where,
                 "field 'stop_reason' is not a string");
  info.stop_reason = detail::stop_reason_from(j["stop_reason"].get<std::string>(), where);
  if (j.contains("stop_message")) {  // absent from files of partrain 0.1.0
    PARTRAIN_CHECK(j["stop_message"].is_string(), io_error, where, "field 'stop_message' is not a string");
    info.stop_message = j["stop_message"].get<std::string>();
  }
  if (j.contains("diverged_iteration")) info.diverged_iteration = integer("diverged_iteration");
  if (j.contains("warnings")) {  // absent from older files
    const auto& w = j["warnings"];
    PARTRAIN_CHECK(w.is_array(), io_error, where, "field 'warnings' is not an array of strings");
    for (const auto& e : w) {
      PARTRAIN_CHECK(e.is_string(), io_error, where, "field 'warnings' holds ", e.dump(), "; expected a string");
      info.warnings.push_back(e.get<std::string>());
    }
  }
  return info;
}

/// Per-iteration CSV text: header then one row per iteration, NaN where not validated.
/// Scalars (final values, stop reason, ...) are in the JSON form only.
inline std::string training_info_csv(const training_info& info) {
  std::string s(detail::training_info_csv_header);
  s += '\n';
  const auto n = std::size_t(info.iterations());
  auto at = [n](const std::vector<double>& v, std::size_t i) {
    return i < v.size() && v.size() == n ? v[i] : training_info::nan;
  };
  for (std::size_t i = 0; i < n; ++i) {
    s += std::to_string(i + 1) + ',' + std::to_string(i < info.epoch.size() ? info.epoch[i] : 0);
    for (const auto* v : {&info.training_loss, &info.training_accuracy, &info.validation_loss,
                          &info.validation_accuracy, &info.base_learn_rate})
      s += ',' + detail::number_text(at(*v, i));
    s += '\n';
  }
  return s;
}

/// Parses training_info_csv's text (only the per-iteration fields are filled).
/// throws io_error naming source and line for a wrong header, field count or number.
inline training_info training_info_from_csv(std::string_view text, std::string_view source) {
  const auto where =
      partrain::detail::concat("[partrain::io::read_training_info_csv] '", source, "': ");
  training_info info;
  std::size_t line_no = 0;
  while (!text.empty()) {
    auto eol = text.find('\n');
    auto line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    ++line_no;
    if (line_no == 1) {
      PARTRAIN_CHECK(line == detail::training_info_csv_header, io_error, where, "header is '", line,
                     "'; expected '", detail::training_info_csv_header, "'");
      continue;
    }
    if (line.empty())
      continue;
    double v[7];
    std::size_t k = 0;
    for (std::size_t start = 0; k < 7; ++k) {
      auto comma = line.find(',', start);
      auto cell =
          line.substr(start, comma == std::string_view::npos ? line.size() - start : comma - start);
      PARTRAIN_CHECK(detail::parse_number(cell, v[k]), io_error, where, "line ", line_no,
                     ": field ", k + 1, " '", cell, "' is not a number");
      if (comma == std::string_view::npos) {
        ++k;
        break;
      }
      start = comma + 1;
      PARTRAIN_CHECK(k < 6, io_error, where, "line ", line_no, ": more than 7 fields");
    }
    PARTRAIN_CHECK(k == 7, io_error, where, "line ", line_no, ": ", k, " fields; expected 7");
    PARTRAIN_CHECK(v[0] == double(info.iterations() + 1), io_error, where, "line ", line_no,
                   ": iteration ", v[0], "; expected ", info.iterations() + 1);
    info.epoch.push_back(int(v[1]));
    info.training_loss.push_back(v[2]);
    info.training_accuracy.push_back(v[3]);
    info.validation_loss.push_back(v[4]);
    info.validation_accuracy.push_back(v[5]);
    info.base_learn_rate.push_back(v[6]);
  }
  PARTRAIN_CHECK(line_no >= 1, io_error, where, "file is empty; expected the header '",
                 detail::training_info_csv_header, "'");
  return info;
}

/// Writes training_info_csv(info) to path atomically. throws io_error.
inline void write_training_info_csv(const std::filesystem::path& path, const training_info& info) {
  write_file_atomic(path, training_info_csv(info), "partrain::io::write_training_info_csv");
}
/// Reads a CSV written by write_training_info_csv. throws io_error.
inline training_info read_training_info_csv(const std::filesystem::path& path) {
  return training_info_from_csv(read_text_file(path, "partrain::io::read_training_info_csv"),
                                path.string());
}
/// Writes to_json(info) to path atomically (indented). throws io_error.
inline void write_training_info_json(const std::filesystem::path& path, const training_info& info) {
  write_file_atomic(path, to_json(info).dump(1) + "\n", "partrain::io::write_training_info_json");
}
/// Reads a JSON file written by write_training_info_json. throws io_error.
inline training_info read_training_info_json(const std::filesystem::path& path) {
  auto text = read_text_file(path, "partrain::io::read_training_info_json");
  auto j = nlohmann::json::parse(text, nullptr, false);
  PARTRAIN_CHECK(!j.is_discarded(), io_error, "[partrain::io::read_training_info_json] '",
                 path.string(), "': not valid JSON");
  return training_info_from_json(j, path.string());
}

} // namespace partrain::io
