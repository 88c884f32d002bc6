// The bodies of train/checkpoint_write.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/train.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <map>
#include <numeric>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/fingerprint.hpp"
#include "partrain/data/source_view.hpp"
#include "partrain/format/files.hpp"
#include "partrain/format/json.hpp"
#include "partrain/format/safetensors.hpp"
#include "partrain/format/temporary.hpp"
#include "partrain/format/text.hpp"
#include "partrain/train/checkpoint_write.hpp"
#include "partrain/train/run_snapshot.hpp"
#include "partrain/train/training_info_json.hpp"

namespace partrain {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL nlohmann::json checkpoint_data_json(const data::source_view& data) {
  const dims d = data.image_dims();
  fingerprint names, sample;
  for (const std::string& c : data.class_names()) names.add(c.data(), c.size());
  std::vector<std::size_t> first(std::min<std::size_t>(data.size(), 16));
  std::iota(first.begin(), first.end(), std::size_t(0));
  std::vector<float> pixels(first.size() * d.image_size());
  std::vector<int> labels(first.size());
  std::vector<data::dropped_image> dropped;  // left out as unreadable (skip_bad_files): not in the sample
  const std::size_t kept = data.read_batch(first, 0, pixels.data(), labels.data(), dropped);
  sample.add(std::span<const float>(pixels).first(kept * d.image_size()))
      .add(std::span<const int>(labels).first(kept));
  return {{"images", data.size()}, {"classes", data.num_classes()}, {"image_dims", {d.c, d.h, d.w}},
          {"class_names_fingerprint", format::hex(names.value())},
          {"first_images_fingerprint", format::hex(sample.value())}};
}

PARTRAIN_DECL nlohmann::json checkpoint_state_json(const run_snapshot& s, const nlohmann::json& options,
                                                   const nlohmann::json& data,
                                                   const std::map<std::string, std::vector<std::byte>>& files) {
  const run_position& p = s.position;
  nlohmann::json state = {
      {"format", "partrain checkpoint"}, {"format_version", checkpoint_format_version},
      {"partrain_version", partrain_version}, {"architecture", s.architecture},
      {"solver", s.solver}, {"solver_counters", s.solver_counters}, {"options", options},
      {"data", data}, {"epoch", p.epoch()}, {"iteration", p.iteration},
      {"iterations_per_epoch", p.iterations_per_epoch},
      {"random", {{"shuffle_draws", p.shuffle_draws}, {"order", p.order}, {"layer_step", p.random_step}}},
      {"validation", {{"best_loss", format::json_number(p.best_validation_loss)},
                      {"best_iteration", p.best_iteration},
                      {"without_improvement", p.validations_without_improvement}}},
      {"elapsed_seconds", p.elapsed_seconds}, {"history", to_json(p.history)}};
  for (const auto& [name, bytes] : files)
    state["files"][name] = {{"bytes", bytes.size()}, {"fingerprint", format::content_fingerprint(bytes)}};
  return state;
}

PARTRAIN_DECL void write_folder_atomic(const std::filesystem::path& target,
                                       const std::map<std::string, std::vector<std::byte>>& files, const char* caller) {
  const auto tmp = format::temporary_sibling(target);
  std::error_code ec;
  std::filesystem::create_directory(tmp, ec);
  PARTRAIN_CHECK(!ec, io_error, "[", caller, "] '", tmp.string(), "': cannot create the folder (", ec.message(), ")");
  try {
    for (const auto& [name, bytes] : files) format::write_file_atomic(tmp / name, bytes, caller);
    format::sync_folder(tmp);
    std::filesystem::remove_all(target, ec);
    std::filesystem::rename(tmp, target, ec);
    PARTRAIN_CHECK(!ec, io_error, "[", caller, "] '", target.string(),
                   "': cannot rename the finished checkpoint into place (", ec.message(), ")");
    format::sync_folder(target.parent_path());
  } catch (...) {
    std::filesystem::remove_all(tmp, ec);
    throw;
  }
}

PARTRAIN_DECL void write_checkpoint(const std::filesystem::path& target, const run_snapshot& s,
                                    const nlohmann::json& options, const nlohmann::json& data) {
  std::map<std::string, std::vector<std::byte>> files;
  const std::map<std::string, std::string> meta{{"architecture", s.architecture},
                                                {"partrain_version", std::string(partrain_version)}};
  files["network.safetensors"] = format::serialize_safetensors(s.network, meta);
  files["solver.safetensors"] = format::serialize_safetensors(s.solver_state, {{"solver", s.solver}});
  if (!s.best_network.empty()) files["best_network.safetensors"] = format::serialize_safetensors(s.best_network, meta);
  const std::string text = checkpoint_state_json(s, options, data, files).dump(1);
  files["state.json"].assign(reinterpret_cast<const std::byte*>(text.data()),
                             reinterpret_cast<const std::byte*>(text.data() + text.size()));
  write_folder_atomic(target, files, "partrain::io::write_checkpoint");
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain
