// Reading a checkpoint folder back (io/checkpoint.hpp writes it): every file checked
// against the size and fingerprint state.json recorded, the checkpoint checked against the
// network, solver, options and data that would continue it, then the run's state rebuilt.
// Each refusal is an io_error or config_error naming the folder or file and what differs.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "partrain/io/checkpoint.hpp"

namespace partrain::io {

/// A checkpoint's files, each checked against state.json's record of it.
struct checkpoint_content {
  nlohmann::json state;
  std::map<std::string, std::vector<std::byte>> files;
};

/// Reads the folder's files. Throws io_error naming the folder or file when it is not a
/// checkpoint, was written by a newer format version, or a file is missing, truncated or
/// damaged.
inline checkpoint_content read_checkpoint_files(const std::filesystem::path& folder) {
  constexpr const char* caller = "partrain::io::read_checkpoint";
  const std::string where = partrain::detail::concat("[", caller, "] '", folder.string(), "'");
  std::error_code ec;
  PARTRAIN_CHECK(std::filesystem::is_directory(folder, ec), io_error, where,
                 ": no such folder; expected a checkpoint folder "
                 "(state.json, network.safetensors, solver.safetensors)");
  PARTRAIN_CHECK(std::filesystem::exists(folder / "state.json", ec), io_error, where,
                 " is not a checkpoint: it has no state.json (a checkpoint folder holds state.json, "
                 "network.safetensors and solver.safetensors; io::latest_checkpoint finds the newest in a folder)");
  checkpoint_content c;
  const auto state_file = (folder / "state.json").string();
  c.state = nlohmann::json::parse(read_text_file(folder / "state.json", caller), nullptr, false);
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
      PARTRAIN_CHECK(std::ranges::count(detail::checkpoint_files, name) == 1, io_error, "[", caller, "] '",
                     state_file, "': records a file '", name, "' that is not part of a checkpoint");
      PARTRAIN_CHECK(std::filesystem::exists(file, ec), io_error, "[", caller, "] '", file.string(),
                     "' is missing; the checkpoint recorded it");
      std::vector<std::byte> bytes = read_file(file, caller);
      const auto want = record.at("bytes").get<std::uint64_t>();
      PARTRAIN_CHECK(bytes.size() == want, io_error, "[", caller, "] '", file.string(), "' is ", bytes.size(),
                     " bytes; the checkpoint recorded ", want, " (truncated or damaged)");
      PARTRAIN_CHECK(detail::content_fingerprint(bytes) == record.at("fingerprint").get<std::string>(), io_error,
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

namespace detail {
/// Options a resume may change (MATLAB users train longer, change what they watch).
inline bool may_change_on_resume(const std::string& option, bool new_learn_rate) {
  static const std::set<std::string> free{"max_epochs", "verbose", "verbose_frequency", "output_fn",
                                          "execution_environment", "cuda_graphs", "checkpoint_path",
                                          "checkpoint_frequency", "checkpoint_frequency_unit",
                                          "checkpoints_to_keep", "resume_from", "resume_with_new_learn_rate"};
  return free.count(option) || (new_learn_rate && option == "initial_learn_rate");
}

inline void check_same_run(const nlohmann::json& saved, const nlohmann::json& now, const std::string& where) {
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

template <class Net>
Net network_from(const checkpoint_content& c, const char* file, const std::string& folder, std::uint64_t seed) {
  Net net(seed);
  const auto& bytes = c.files.at(file);
  const std::string source = folder + "/" + file;
  assign_network_tensors(net, parse_safetensors(bytes, source), source);
  return net;
}

template <class Net, class State>
void solver_from(const checkpoint_content& c, Net& shapes, State& state, const std::string& folder) {
  using T = typename Net::value_type;
  const std::string source = folder + "/solver.safetensors";
  const safetensors_content saved = parse_safetensors(c.files.at("solver.safetensors"), source);
  std::map<std::string, const named_tensor*> by_name;
  for (const auto& t : saved.tensors) by_name[t.name] = &t;
  for_each_solver_field(state, [&](std::string_view field, auto& value) {
    if constexpr (std::is_arithmetic_v<std::decay_t<decltype(value)>>) {
      const auto& counters = c.state.at("solver_counters");
      PARTRAIN_CHECK(counters.contains(std::string(field)), io_error, "[partrain::io::read_checkpoint] '", folder,
                     "/state.json': the solver's counter '", field, "' is missing");
      value = counters.at(std::string(field)).template get<std::decay_t<decltype(value)>>();
    } else {
      shapes.for_each_parameter([&](const auto& ref) {
        const std::string name = ref.name + "." + std::string(field);
        const auto it = by_name.find(name);
        PARTRAIN_CHECK(it != by_name.end(), io_error, "[partrain::io::read_checkpoint] '", source, "': tensor '",
                       name, "' is missing");
        const std::vector<T> values = it->second->template values<T>();
        PARTRAIN_CHECK(values.size() == ref.value.size(), io_error, "[partrain::io::read_checkpoint] '", source,
                       "': tensor '", name, "' has ", values.size(), " values; expected ", ref.value.size());
        const std::size_t at = std::size_t(ref.value.data() - shapes.parameters().data());
        std::copy(values.begin(), values.end(), value.data() + at);
      });
    }
  });
}

inline run_position position_from(const nlohmann::json& j, const std::string& source) {
  run_position p;
  p.iteration = j.at("iteration").get<int>();
  p.iterations_per_epoch = j.at("iterations_per_epoch").get<int>();
  const auto& random = j.at("random");
  p.shuffle_draws = random.at("shuffle_draws").get<std::uint64_t>();
  p.order = random.at("order").get<std::vector<std::size_t>>();
  p.random_step = random.at("layer_step").get<std::uint32_t>();
  const auto& v = j.at("validation");
  p.best_validation_loss = from_json_number(v.at("best_loss"), source, "best_loss");
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
}  // namespace detail

/// The run state of the checkpoint `folder`, checked to continue a run of Net with
/// `options` on the data `data` describes (detail::data_json): the architecture (io_error
/// naming each layer that differs), the solver, every option but those a resume may change,
/// and the data (config_error naming the option or property and both values).
template <class Net, class Solver, class Schedule>
run_state<Net, Solver> read_checkpoint(const std::filesystem::path& folder,
                                       const training_options<Solver, Schedule>& options, const nlohmann::json& data) {
  const checkpoint_content c = read_checkpoint_files(folder);
  const std::string name = folder.string(), where = "[partrain::training_options] resume_from '" + name + "': ";
  const std::string state_source = name + "/state.json";
  try {
    const std::string architecture = c.state.at("architecture").get<std::string>();
    PARTRAIN_CHECK(architecture == Net::description(), io_error, where, "the checkpoint holds another architecture (",
                   detail::architecture_differences(architecture, Net::description()), ")");
    const nlohmann::json now = {{"solver", partrain::solver_name(options.solver)}, {"options", options_json(options)},
                                {"data", data}};
    detail::check_same_run(c.state, now, where);
    run_state<Net, Solver> s{detail::network_from<Net>(c, "network.safetensors", name, options.seed),
                             make_solver_state<Net>(options.solver, host_memory), std::nullopt,
                             detail::position_from(c.state, state_source)};
    detail::solver_from(c, s.network, s.solver, name);
    if (c.files.count("best_network.safetensors"))
      s.best_network = detail::network_from<Net>(c, "best_network.safetensors", name, options.seed);
    return s;
  } catch (const nlohmann::json::exception& e) {
    fail<io_error>("[partrain::io::read_checkpoint] '", state_source, "': ", e.what());
  }
}

}  // namespace partrain::io
