// The bodies of io/experiment.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/io.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/io/experiment.hpp"

namespace partrain::io {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::string trial_folder_name(std::size_t number, std::size_t count) {
  auto digits = std::max<std::size_t>(2, std::to_string(count).size());
  auto s = std::to_string(number);
  return "trial-" + std::string(digits > s.size() ? digits - s.size() : 0, '0') + s;
}

PARTRAIN_DECL void write_trial(const std::filesystem::path& dir, std::size_t number,
                               const trial_record& r, const nlohmann::json& extra) {
  constexpr auto caller = "partrain::io::save_experiment";
  partrain::create_folders(dir, caller);
  auto metadata = r.metadata;
  const std::pair<std::string, std::string> reserved[] = {
      {"architecture", r.architecture}, {"partrain_version", std::string(partrain_version)}};
  for (const auto& [key, value] : reserved) {
    auto it = metadata.find(key);
    PARTRAIN_CHECK(it == metadata.end() || it->second == value, config_error, "[", caller,
                   "] trial '", r.name, "': metadata key '", key,
                   "' is reserved and set by save_experiment");
    metadata[key] = value;
  }
  format::write_file_atomic(dir / "network.safetensors", format::serialize_safetensors(r.tensors, metadata),
                    caller);
  format::write_file_atomic(dir / "training_info.csv", training_info_csv(r.info), caller);
  format::write_file_atomic(dir / "training_info.json", to_json(r.info).dump(1) + "\n", caller);
  format::write_file_atomic(dir / "options.json", r.options.dump(2) + "\n", caller);
  nlohmann::json trial = {{"trial", number},
                          {"trial_index", number - 1},
                          {"name", r.name},
                          {"architecture", r.architecture},
                          {"solver", r.solver},
                          {"test_accuracy", format::json_number(r.test_accuracy)}};
  trial.update(extra);
  format::write_file_atomic(dir / "trial.json", trial.dump(2) + "\n", caller);
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::io

namespace partrain::io::detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::string summary_csv(std::span<const trial_record> trials) {
  std::string s = "trial,folder,name,architecture,solver";
  for (auto key : summary_option_keys)
    s += "," + std::string(key);
  s += ",iterations,final_validation_accuracy,final_validation_loss,test_accuracy,wall_seconds,"
       "stop_reason\n";
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const auto& r = trials[i];
    s += std::to_string(i + 1) + "," + trial_folder_name(i + 1, trials.size()) + "," + format::csv_cell(r.name) +
         "," + format::csv_cell(r.architecture) + "," + format::csv_cell(r.solver);
    for (auto key : summary_option_keys) {
      const bool has = r.options.is_object() && r.options.contains(key);
      s += "," + format::csv_cell(has ? format::json_scalar_text(r.options[std::string(key)]) : "");
    }
    s += "," + std::to_string(r.info.iterations()) + "," +
         format::number_text(r.info.final_validation_accuracy) + "," +
         format::number_text(r.info.final_validation_loss) + "," + format::number_text(r.test_accuracy) + "," +
         format::number_text(r.info.wall_seconds) + "," + std::string(to_string(r.info.stop_reason)) + "\n";
  }
  return s;
}

PARTRAIN_DECL nlohmann::json summary_json(std::span<const trial_record> trials,
                                          std::string_view timestamp) {
  nlohmann::json j = {{"partrain_version", partrain_version},
                      {"created", timestamp},
                      {"trials", nlohmann::json::array()}};
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const auto& r = trials[i];
    j["trials"].push_back(
        {{"trial", i + 1},
         {"trial_index", i},
         {"folder", trial_folder_name(i + 1, trials.size())},
         {"name", r.name},
         {"architecture", r.architecture},
         {"solver", r.solver},
         {"options", r.options},
         {"iterations", r.info.iterations()},
         {"final_validation_accuracy", format::json_number(r.info.final_validation_accuracy)},
         {"final_validation_loss", format::json_number(r.info.final_validation_loss)},
         {"test_accuracy", format::json_number(r.test_accuracy)},
         {"wall_seconds", format::json_number(r.info.wall_seconds)},
         {"stop_reason", to_string(r.info.stop_reason)}});
  }
  return j;
}

PARTRAIN_DECL trial_record trial_from_json(const nlohmann::json& trial, const std::string& source) {
  constexpr auto caller = "partrain::io::load_trial";
  PARTRAIN_CHECK(trial.is_object(), io_error, "[", caller, "] '", source, "': not a JSON object");
  trial_record r;
  auto text = [&](const char* key) {
    PARTRAIN_CHECK(trial.contains(key) && trial[key].is_string(), io_error, "[", caller, "] '",
                   source, "': field '", key, "' missing or not a string");
    return trial[key].get<std::string>();
  };
  r.name = text("name");
  r.architecture = text("architecture");
  r.solver = text("solver");
  PARTRAIN_CHECK(trial.contains("test_accuracy"), io_error, "[", caller, "] '", source,
                 "': field 'test_accuracy' missing");
  r.test_accuracy = format::from_json_number(trial["test_accuracy"],
                                     partrain::concat_text("[", caller, "] '", source, "': "), "test_accuracy");
  return r;
}

PARTRAIN_DECL trial_record read_trial(const std::filesystem::path& dir) {
  constexpr auto caller = "partrain::io::load_trial";
  std::error_code ec;
  PARTRAIN_CHECK(std::filesystem::is_directory(dir, ec), io_error, "[", caller, "] '", dir.string(),
                 "': trial folder is missing");
  trial_record r = trial_from_json(format::read_json_object(dir / "trial.json", caller), (dir / "trial.json").string());
  r.options = format::read_json_object(dir / "options.json", caller);
  r.info = read_training_info_json(dir / "training_info.json");
  auto st = format::read_safetensors(dir / "network.safetensors");
  r.tensors = std::move(st.tensors);
  r.metadata = std::move(st.metadata);
  PARTRAIN_CHECK(r.metadata["architecture"] == r.architecture, io_error, "[", caller, "] '",
                 (dir / "network.safetensors").string(), "': architecture '",
                 r.metadata["architecture"], "' differs from trial.json's '", r.architecture, "'");
  return r;
}

PARTRAIN_DECL void check_summary(const nlohmann::json& j, const std::string& source, std::string_view caller) {
  PARTRAIN_CHECK(j.is_object() && j.contains("trials") && j["trials"].is_array(), io_error, "[", caller, "] '",
                 source, "': expected a 'trials' array");
  for (const auto& t : j["trials"])
    PARTRAIN_CHECK(t.is_object() && t.contains("folder") && t["folder"].is_string() &&
                       t["folder"].get<std::string>().starts_with("trial-") &&
                       t["folder"].get<std::string>().find('/') == std::string::npos,
                   io_error, "[", caller, "] '", source, "': trial entry ", t.dump(), " has no valid 'folder'");
}

PARTRAIN_DECL nlohmann::json read_summary(const std::filesystem::path& folder, std::string_view caller) {
  std::error_code ec;
  PARTRAIN_CHECK(std::filesystem::is_directory(folder, ec), io_error, "[", caller, "] '",
                 folder.string(), "': no such experiment folder");
  PARTRAIN_CHECK(std::filesystem::is_regular_file(folder / "summary.json", ec), io_error, "[",
                 caller, "] '", folder.string(),
                 "': summary.json is missing (not an experiment folder, or an unfinished save)");
  auto j = format::read_json_object(folder / "summary.json", caller);
  check_summary(j, (folder / "summary.json").string(), caller);
  return j;
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::io::detail

namespace partrain::io {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::filesystem::path save_experiment(std::span<const trial_record> trials,
                                                    const std::filesystem::path& parent,
                                                    std::string_view timestamp) {
  constexpr auto caller = "partrain::io::save_experiment";
  std::error_code ec;
  PARTRAIN_CHECK(std::filesystem::is_directory(parent, ec), io_error, "[", caller, "] '",
                 parent.string(), "': parent folder does not exist");
  const std::string stamp = timestamp.empty() ? format::local_timestamp() : std::string(timestamp);
  bool ok = stamp.size() == 15 && stamp[8] == 'T';
  for (std::size_t i = 0; ok && i < stamp.size(); ++i)
    ok = i == 8 || std::isdigit((unsigned char)stamp[i]);
  PARTRAIN_CHECK(ok, config_error, "[", caller, "] timestamp '", stamp,
                 "' is not in the form yyyyMMddTHHmmss (e.g. 20250131T235959)");
  const auto name = "experiment-" + stamp;
  format::remove_abandoned_temporaries(parent, ".experiment-", caller);
  const auto tmp = format::temporary_sibling(parent / ("." + name));
  PARTRAIN_CHECK(std::filesystem::create_directory(tmp, ec) && !ec, io_error, "[", caller, "] '",
                 tmp.string(), "': cannot create folder (", ec.message(), ")");
  try {
    for (std::size_t i = 0; i < trials.size(); ++i)
      write_trial(tmp / trial_folder_name(i + 1, trials.size()), i + 1, trials[i]);
    format::write_file_atomic(tmp / "summary.csv", detail::summary_csv(trials), caller);
    format::write_file_atomic(tmp / "summary.json", detail::summary_json(trials, stamp).dump(2) + "\n",
                      caller);
    for (int k = 1;; ++k) {
      auto target = parent / (k == 1 ? name : name + "_" + std::to_string(k));
      ec.clear();
      if (!std::filesystem::exists(target, ec) && !ec) {
        std::filesystem::rename(tmp, target, ec);
        if (!ec)
          return target;
      }
      const bool taken = !ec || ec == std::errc::file_exists || ec == std::errc::directory_not_empty;
      PARTRAIN_CHECK(taken && k < 1000, io_error, "[", caller, "] '", target.string(),
                     "': cannot rename the finished experiment into place (",
                     ec ? ec.message() : "1000 names taken", ")");
    }
  } catch (...) {
    std::filesystem::remove_all(tmp, ec);
    throw;
  }
}

PARTRAIN_DECL std::vector<trial_record> load_experiment(const std::filesystem::path& folder) {
  auto summary = detail::read_summary(folder, "partrain::io::load_experiment");
  std::vector<trial_record> out;
  for (const auto& t : summary["trials"])
    out.push_back(detail::read_trial(folder / t["folder"].get<std::string>()));
  return out;
}

PARTRAIN_DECL trial_record load_trial(const std::filesystem::path& folder, trial_index index) {
  auto summary = detail::read_summary(folder, "partrain::io::load_trial");
  const auto n = summary["trials"].size();
  PARTRAIN_CHECK(index.value < n, io_error, "[partrain::io::load_trial] '", folder.string(), "': no trial index ",
                 index.value, "; the experiment has ", n, " trials (indices 0..", n - 1, ", folders trial-01..)");
  return detail::read_trial(folder / summary["trials"][index.value]["folder"].get<std::string>());
}

PARTRAIN_DECL trial_record load_trial(const std::filesystem::path& folder, std::size_t trial_number) {
  PARTRAIN_CHECK(trial_number >= 1, io_error, "[partrain::io::load_trial] '", folder.string(), "': no trial ",
                 trial_number, "; trial numbers start at 1");
  return load_trial(folder, trial_index{trial_number - 1});
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::io
