// The bodies of io/training_info_io.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/io.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/io/training_info_io.hpp"

namespace partrain::io {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::string training_info_csv(const training_info& info) {
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
      s += ',' + format::number_text(at(*v, i));
    s += '\n';
  }
  return s;
}

PARTRAIN_DECL training_info training_info_from_csv(std::string_view text, std::string_view source) {
  const auto where =
      partrain::concat_text("[partrain::io::read_training_info_csv] '", source, "': ");
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
      PARTRAIN_CHECK(format::parse_number(cell, v[k]), io_error, where, "line ", line_no,
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

PARTRAIN_DECL void write_training_info_csv(const std::filesystem::path& path, const training_info& info) {
  format::write_file_atomic(path, training_info_csv(info), "partrain::io::write_training_info_csv");
}

PARTRAIN_DECL training_info read_training_info_csv(const std::filesystem::path& path) {
  return training_info_from_csv(format::read_text_file(path, "partrain::io::read_training_info_csv"),
                                path.string());
}

PARTRAIN_DECL void write_training_info_json(const std::filesystem::path& path, const training_info& info) {
  format::write_file_atomic(path, to_json(info).dump(1) + "\n", "partrain::io::write_training_info_json");
}

PARTRAIN_DECL training_info read_training_info_json(const std::filesystem::path& path) {
  auto text = format::read_text_file(path, "partrain::io::read_training_info_json");
  auto j = nlohmann::json::parse(text, nullptr, false);
  PARTRAIN_CHECK(!j.is_discarded(), io_error, "[partrain::io::read_training_info_json] '",
                 path.string(), "': not valid JSON");
  return training_info_from_json(j, path.string());
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::io
