// The bodies of train/checkpoint_read.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/train.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include "partrain/core/error.hpp"
#include "partrain/format/files.hpp"
#include "partrain/format/json.hpp"
#include "partrain/format/safetensors.hpp"
#include "partrain/network_tensors.hpp"
#include "partrain/train/checkpoint_read.hpp"
#include "partrain/train/checkpoint_write.hpp"
#include "partrain/train/run_snapshot.hpp"
#include "partrain/train/training_info_json.hpp"

namespace partrain {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL checkpoint_content read_checkpoint_files(const std::filesystem::path& folder) {
  constexpr const char* caller = "partrain::io::read_checkpoint";
  const std::string where = concat_text("[", caller, "] '", folder.string(), "'");
  std::error_code ec;
  PARTRAIN_CHECK(std::filesystem::is_directory(folder, ec), io_error, where,
                 ": no such folder; expected a checkpoint folder "
                 "(state.json, network.safetensors, solver.safetensors)");
  PARTRAIN_CHECK(std::filesystem::exists(folder / "state.json", ec), io_error, where,
                 " is not a checkpoint: it has no state.json (a checkpoint folder holds state.json, "
                 "network.safetensors and solver.safetensors; latest_checkpoint finds the newest in a folder)");
  checkpoint_content c;
  const auto state_file = (folder / "state.json").string();
  c.state = nlohmann::json::parse(format::read_text_file(folder / "state.json", caller), nullptr, false);
  PARTRAIN_CHECK(!c.state.is_discarded() && c.state.is_object(), io_error, "[", caller, "] '", state_file,
                 "': not a JSON object (truncated or damaged)");
  try {
    PARTRAIN_CHECK(c.state.value("format", "") == "partrain checkpoint", io_error, "[", caller, "] '", state_file,
                   "': not a partrain checkpoint (no \"format\": \"partrain checkpoint\")");
    const auto version = c.state.value("format_version", 0);
    PARTRAIN_CHECK(version >= 1 && version <= checkpoint_format_version, io_error, where,
                   " was written by checkpoint format version ", c.state.value("format_version", nlohmann::json()).dump(),
                   " (partrain ", c.state.value("partrain_version", "?"), "); this partrain reads versions 1 to ",
                   checkpoint_format_version, ": resume it with a newer partrain");
    for (const auto& [name, record] : c.state.at("files").items()) {
      const auto file = folder / name;
      PARTRAIN_CHECK(std::ranges::count(checkpoint_file_names, name) == 1, io_error, "[", caller, "] '",
                     state_file, "': records a file '", name, "' that is not part of a checkpoint");
      PARTRAIN_CHECK(std::filesystem::exists(file, ec), io_error, "[", caller, "] '", file.string(),
                     "' is missing; the checkpoint recorded it");
      std::vector<std::byte> bytes = format::read_file(file, caller);
      const auto want = record.at("bytes").get<std::uint64_t>();
      PARTRAIN_CHECK(bytes.size() == want, io_error, "[", caller, "] '", file.string(), "' is ", bytes.size(),
                     " bytes; the checkpoint recorded ", want, " (truncated or damaged)");
      PARTRAIN_CHECK(format::content_fingerprint(bytes) == record.at("fingerprint").get<std::string>(), io_error,
                     "[", caller, "] '", file.string(),
                     "' is damaged: its content differs from what the checkpoint recorded");
      c.files[name] = std::move(bytes);
    }
  } catch (const nlohmann::json::exception& e) {
    fail<io_error>("[", caller, "] '", state_file, "': ", e.what());
  }
  for (const char* needed : {"network.safetensors", "solver.safetensors"})
    PARTRAIN_CHECK(c.files.count(needed), io_error, where, " is not a whole checkpoint: it has no ", needed);
  return c;
}

}  // namespace PARTRAIN_MODE_NAMESPACE

namespace detail {
inline namespace PARTRAIN_ABI_NAMESPACE {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL bool may_change_on_resume(const std::string& option, bool new_learn_rate) {
  static const std::set<std::string> free{"max_epochs", "verbose", "verbose_frequency", "output_fn",
                                          "execution_environment", "cuda_graphs", "checkpoint_path",
                                          "checkpoint_frequency", "checkpoint_frequency_unit",
                                          "checkpoints_to_keep", "resume_from", "resume_with_new_learn_rate"};
  return free.count(option) || (new_learn_rate && option == "initial_learn_rate");
}

PARTRAIN_DECL void check_same_run(const nlohmann::json& saved, const nlohmann::json& now, const std::string& where) {
  PARTRAIN_CHECK(saved.at("solver") == now.at("solver"), config_error, where, "the checkpoint was trained with solver ",
                 saved.at("solver").dump(), " and these options have ", now.at("solver").dump(),
                 "; a resume keeps the solver (to train its weights with another one, warm-start: "
                 "train_network(data, io::load_network<Net>(checkpoint), options))");
  const bool new_lr = now.at("options").value("resume_with_new_learn_rate", false);
  std::set<std::string> names;
  for (const auto& [k, v] : saved.at("options").items()) names.insert(k);
  for (const auto& [k, v] : now.at("options").items()) names.insert(k);
  for (const std::string& k : names) {
    if (may_change_on_resume(k, new_lr)) continue;
    const nlohmann::json none = "(none)";
    const auto a = saved.at("options").value(k, none), b = now.at("options").value(k, none);
    PARTRAIN_CHECK(a == b, config_error, where, "option ", k, " is ", b.dump(), " but the checkpoint was trained with ",
                   a.dump(), "; a resume must keep it",
                   k == "initial_learn_rate" ? " (set resume_with_new_learn_rate to change it)" : "");
  }
  for (const char* k : {"images", "classes", "image_dims", "class_names_fingerprint", "first_images_fingerprint"})
    PARTRAIN_CHECK(saved.at("data").at(k) == now.at("data").at(k), config_error, where, "the data differs: ", k, " is ",
                   now.at("data").at(k).dump(), " but the checkpoint was trained on ", saved.at("data").at(k).dump(),
                   "; resume on the same data, in the same order (the same split)");
}

PARTRAIN_DECL run_position position_from(const nlohmann::json& j, const std::string& source) {
  run_position p;
  p.iteration = j.at("iteration").get<int>();
  p.iterations_per_epoch = j.at("iterations_per_epoch").get<int>();
  const auto& random = j.at("random");
  p.shuffle_draws = random.at("shuffle_draws").get<std::uint64_t>();
  p.order = random.at("order").get<std::vector<std::size_t>>();
  p.random_step = random.at("layer_step").get<std::uint32_t>();
  const auto& v = j.at("validation");
  p.best_validation_loss = format::from_json_number(v.at("best_loss"), source, "best_loss");
  p.best_iteration = v.at("best_iteration").get<int>();
  p.validations_without_improvement = v.at("without_improvement").get<int>();
  p.elapsed_seconds = j.at("elapsed_seconds").get<double>();
  p.history = training_info_from_json(j.at("history"), source);
  std::vector<bool> seen(p.order.size());
  for (std::size_t i : p.order) {
    PARTRAIN_CHECK(i < seen.size() && !seen[i], io_error, "[partrain::io::read_checkpoint] '", source,
                   "': the image order is not a permutation of ", seen.size(), " images");
    seen[i] = true;
  }
  PARTRAIN_CHECK(p.iterations_per_epoch >= 1 && p.iteration >= 0 && p.history.iterations() <= p.iteration, io_error,
                 "[partrain::io::read_checkpoint] '", source, "': iteration ", p.iteration, " with ",
                 p.history.iterations(), " recorded and ", p.iterations_per_epoch, " per epoch does not add up");
  return p;
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace detail

inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL run_snapshot read_checkpoint(const std::filesystem::path& folder, const nlohmann::json& now) {
  const checkpoint_content c = read_checkpoint_files(folder);
  const std::string name = folder.string(), where = "[partrain::training_options] resume_from '" + name + "': ";
  const std::string state_source = name + "/state.json";
  try {
    run_snapshot s;
    s.architecture = c.state.at("architecture").get<std::string>();
    const std::string expected = now.at("architecture").get<std::string>();
    PARTRAIN_CHECK(s.architecture == expected, io_error, where, "the checkpoint holds another architecture (",
                   architecture_differences(s.architecture, expected), ")");
    detail::check_same_run(c.state, now, where);
    s.solver = c.state.at("solver").get<std::string>();
    auto network = [&](const char* file) {  // a network's tensors, of the architecture its metadata names
      const std::string source = name + "/" + file;
      format::safetensors_content content = format::parse_safetensors(c.files.at(file), source);
      check_architecture(content, expected, source);
      return std::move(content.tensors);
    };
    s.network = network("network.safetensors");
    s.position = detail::position_from(c.state, state_source);
    s.solver_state = format::parse_safetensors(c.files.at("solver.safetensors"), name + "/solver.safetensors").tensors;
    s.solver_counters = c.state.value("solver_counters", nlohmann::json::object());  // none: no counters
    if (c.files.count("best_network.safetensors")) s.best_network = network("best_network.safetensors");
    return s;
  } catch (const nlohmann::json::exception& e) {
    fail<io_error>("[partrain::io::read_checkpoint] '", state_source, "': ", e.what());
  }
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain
