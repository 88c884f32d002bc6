// One checkpoint folder: network.safetensors (parameters and state), solver.safetensors
// (the solver's state, per parameter: "conv2d_1.weight.velocity"), best_network.safetensors
// (output_network best_validation_loss: the best so far) and state.json (everything else:
// the iteration, random-number positions, validation's record, options, data, history, and
// each file's size and fingerprint). Written under a temporary name, every file flushed to
// disk, then renamed: a folder under a checkpoint's name is whole.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <numeric>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "partrain/core/error.hpp"
#include "partrain/core/fingerprint.hpp"
#include "partrain/io/file.hpp"
#include "partrain/io/network_tensors.hpp"
#include "partrain/io/safetensors.hpp"
#include "partrain/io/training_info_io.hpp"
#include "partrain/io/network_io.hpp"
#include "partrain/train/run_state.hpp"
#include "partrain/train/training_options.hpp"

namespace partrain::io {

/// The checkpoint layout this partrain writes; it reads this version and older ones.
inline constexpr int checkpoint_format_version = 1;

namespace detail {
inline constexpr const char* checkpoint_files[] = {"network.safetensors", "solver.safetensors",
                                                   "best_network.safetensors", "state.json"};

inline std::string hex(std::uint64_t v) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(v));
  return text;
}
inline std::string content_fingerprint(std::span<const std::byte> bytes) {
  return hex(fingerprint().add(bytes.data(), bytes.size()).value());
}

/// Flushes a folder's entries (new names, renames) to disk.
inline void sync_folder(const std::filesystem::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

/// What a checkpoint records of the data, to refuse a resume on other data: its size,
/// classes and image size, and a fingerprint of its first images and labels (another split
/// or order of the same set differs there). Read before training starts.
template <class D>
nlohmann::json data_json(const D& data) {
  const dims d = data.image_dims();
  fingerprint names, sample;
  for (const std::string& c : data.class_names()) names.add(c.data(), c.size());
  std::vector<std::size_t> first(std::min<std::size_t>(data.size(), 16));
  std::iota(first.begin(), first.end(), std::size_t(0));
  std::vector<float> pixels(first.size() * d.image_size());
  std::vector<int> labels(first.size());
  data.read_batch(first, 0, pixels.data(), labels.data());
  sample.add(std::span<const float>(pixels)).add(std::span<const int>(labels));
  return {{"images", data.size()}, {"classes", data.num_classes()}, {"image_dims", {d.c, d.h, d.w}},
          {"class_names_fingerprint", hex(names.value())}, {"first_images_fingerprint", hex(sample.value())}};
}

/// The solver's tensors split per parameter, and its counters as JSON.
template <class Net, class State>
void solver_tensors(Net& shapes, State& state, std::vector<named_tensor>& tensors, nlohmann::json& counters) {
  using T = typename Net::value_type;
  for_each_solver_field(state, [&](std::string_view field, auto& value) {
    if constexpr (std::is_arithmetic_v<std::decay_t<decltype(value)>>) {
      counters[std::string(field)] = value;
    } else {
      shapes.for_each_parameter([&](const auto& ref) {
        const std::size_t at = std::size_t(ref.value.data() - shapes.parameters().data());
        std::vector<std::int64_t> shape(ref.spec.shape.begin(), ref.spec.shape.begin() + ref.spec.rank);
        tensors.push_back(named_tensor::from<T>(ref.name + "." + std::string(field), std::move(shape),
                                                std::span<const T>(value.data() + at, ref.value.size())));
      });
    }
  });
}
}  // namespace detail

/// Writes `s` as the checkpoint folder `target` (replacing one of that name): what the run
/// was trained with (`options`, and `data`: detail::data_json of its data) goes with it.
/// Throws io_error naming the folder when it cannot be written; a folder under the final
/// name is then never half-written.
template <class Net, class Solver, class Schedule>
void write_checkpoint(const std::filesystem::path& target, run_state<Net, Solver>& s,
                      const training_options<Solver, Schedule>& options, const nlohmann::json& data) {
  constexpr const char* caller = "partrain::io::write_checkpoint";
  std::map<std::string, std::vector<std::byte>> files;
  const std::map<std::string, std::string> meta{{"architecture", Net::description()},
                                                {"partrain_version", std::string(partrain_version)}};
  files["network.safetensors"] = serialize_safetensors(network_tensors(s.network), meta);
  std::vector<named_tensor> solver;
  nlohmann::json counters = nlohmann::json::object();
  detail::solver_tensors(s.network, s.solver, solver, counters);
  files["solver.safetensors"] = serialize_safetensors(solver, {{"solver", std::string(partrain::solver_name(options.solver))}});
  if (s.best_network) files["best_network.safetensors"] = serialize_safetensors(network_tensors(*s.best_network), meta);

  const run_position& p = s.position;
  nlohmann::json state = {
      {"format", "partrain checkpoint"}, {"format_version", checkpoint_format_version},
      {"partrain_version", partrain_version}, {"architecture", Net::description()},
      {"solver", partrain::solver_name(options.solver)}, {"solver_counters", counters}, {"options", options_json(options)},
      {"data", data}, {"epoch", p.epoch()}, {"iteration", p.iteration},
      {"iterations_per_epoch", p.iterations_per_epoch},
      {"random", {{"shuffle_draws", p.shuffle_draws}, {"order", p.order}, {"layer_step", p.random_step}}},
      {"validation", {{"best_loss", detail::json_number(p.best_validation_loss)},
                      {"best_iteration", p.best_iteration},
                      {"without_improvement", p.validations_without_improvement}}},
      {"elapsed_seconds", p.elapsed_seconds}, {"history", to_json(p.history)}};
  for (const auto& [name, bytes] : files)
    state["files"][name] = {{"bytes", bytes.size()}, {"fingerprint", detail::content_fingerprint(bytes)}};
  const std::string text = state.dump(1);
  files["state.json"].assign(reinterpret_cast<const std::byte*>(text.data()),
                             reinterpret_cast<const std::byte*>(text.data() + text.size()));

  const auto tmp = detail::temporary_sibling(target);
  std::error_code ec;
  std::filesystem::create_directory(tmp, ec);
  PARTRAIN_CHECK(!ec, io_error, "[", caller, "] '", tmp.string(), "': cannot create the folder (", ec.message(), ")");
  try {
    for (const auto& [name, bytes] : files) write_file_atomic(tmp / name, bytes, caller);
    detail::sync_folder(tmp);
    std::filesystem::remove_all(target, ec);
    std::filesystem::rename(tmp, target, ec);
    PARTRAIN_CHECK(!ec, io_error, "[", caller, "] '", target.string(),
                   "': cannot rename the finished checkpoint into place (", ec.message(), ")");
    detail::sync_folder(target.parent_path());
  } catch (...) {
    std::filesystem::remove_all(tmp, ec);
    throw;
  }
}

}  // namespace partrain::io
