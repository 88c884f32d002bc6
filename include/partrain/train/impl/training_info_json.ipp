// The bodies of train/training_info_json.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/train.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "partrain/core/error.hpp"
#include "partrain/format/json.hpp"
#include "partrain/train/training_info.hpp"
#include "partrain/train/training_info_json.hpp"

namespace partrain {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL stop_reason stop_reason_from(std::string_view s, std::string_view where) {
  for (auto r : {stop_reason::max_epochs, stop_reason::validation_patience, stop_reason::output_fn,
                 stop_reason::diverged, stop_reason::cancelled, stop_reason::failed, stop_reason::hook,
                 stop_reason::interrupted})
    if (to_string(r) == s)
      return r;
  fail<io_error>(where, "stop_reason '", s,
                 "' is not one of max_epochs, validation_patience, output_fn, diverged, cancelled, failed, hook, interrupted");
}

PARTRAIN_DECL nlohmann::json to_json(const training_info& info) {
  auto arr = [](const std::vector<double>& v) {
    auto a = nlohmann::json::array();
    for (double x : v)
      a.push_back(format::json_number(x));
    return a;
  };
  nlohmann::json j = {{"iterations", info.iterations()},
                      {"iterations_per_epoch", info.iterations_per_epoch},
                      {"final_validation_loss", format::json_number(info.final_validation_loss)},
                      {"final_validation_accuracy", format::json_number(info.final_validation_accuracy)},
                      {"output_network_iteration", info.output_network_iteration},
                      {"stop_reason", to_string(info.stop_reason)},
                      {"stop_message", info.stop_message},
                      {"diverged_iteration", info.diverged_iteration},
                      {"wall_seconds", format::json_number(info.wall_seconds)},
                      {"warnings", info.warnings},
                      {"epoch", info.epoch},
                      {"training_loss", arr(info.training_loss)},
                      {"training_accuracy", arr(info.training_accuracy)},
                      {"validation_loss", arr(info.validation_loss)},
                      {"validation_accuracy", arr(info.validation_accuracy)},
                      {"base_learn_rate", arr(info.base_learn_rate)}};
  if (!info.skipped_files.empty()) j["skipped_files"] = info.skipped_files;  // only streaming with skip_bad_files
  return j;
}

PARTRAIN_DECL training_info training_info_from_json(const nlohmann::json& j, std::string_view source) {
  const auto where =
      partrain::concat_text("[partrain::io::read_training_info_json] '", source, "': ");
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
      out.push_back(format::from_json_number(x, where, name));
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
      format::from_json_number(field("final_validation_loss"), where, "final_validation_loss");
  info.final_validation_accuracy = format::from_json_number(field("final_validation_accuracy"),
                                                            where, "final_validation_accuracy");
  info.wall_seconds = format::from_json_number(field("wall_seconds"), where, "wall_seconds");
  PARTRAIN_CHECK(field("stop_reason").is_string(), io_error, where,
                 "field 'stop_reason' is not a string");
  info.stop_reason = stop_reason_from(j["stop_reason"].get<std::string>(), where);
  if (j.contains("stop_message")) {  // absent from files of partrain 0.1.0
    PARTRAIN_CHECK(j["stop_message"].is_string(), io_error, where, "field 'stop_message' is not a string");
    info.stop_message = j["stop_message"].get<std::string>();
  }
  if (j.contains("diverged_iteration")) info.diverged_iteration = integer("diverged_iteration");
  auto strings = [&](const char* name, std::vector<std::string>& out) {
    if (!j.contains(name)) return;  // absent from older files
    const auto& w = j[name];
    PARTRAIN_CHECK(w.is_array(), io_error, where, "field '", name, "' is not an array of strings");
    for (const auto& e : w) {
      PARTRAIN_CHECK(e.is_string(), io_error, where, "field '", name, "' holds ", e.dump(), "; expected a string");
      out.push_back(e.get<std::string>());
    }
  };
  strings("warnings", info.warnings);
  strings("skipped_files", info.skipped_files);
  return info;
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain
