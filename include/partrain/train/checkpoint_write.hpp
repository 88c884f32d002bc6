// One checkpoint folder: network.safetensors (parameters and state), solver.safetensors
// (the solver's state, per parameter: "conv2d_1.weight.velocity"), best_network.safetensors
// (output_network best_validation_loss: the best so far) and state.json (everything else:
// the iteration, random-number positions, validation's record, options, data, history, and
// each file's size and fingerprint). Written under a temporary name, every file flushed to
// disk, then renamed: a folder under a checkpoint's name is whole. Not a template: a
// run_snapshot holds the network's tensors by name.
#pragma once

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <map>
#include <numeric>
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
#include "partrain/train/run_snapshot.hpp"
#include "partrain/train/training_info_json.hpp"

namespace partrain {

/// The checkpoint layout this partrain writes; it reads this version and older ones.
inline constexpr int checkpoint_format_version = 1;
/// The files a checkpoint folder may hold.
inline constexpr const char* checkpoint_file_names[] = {"network.safetensors", "solver.safetensors",
                                                        "best_network.safetensors", "state.json"};

inline namespace PARTRAIN_MODE_NAMESPACE {

/// What a checkpoint records of the data, to refuse a resume on other data: its size,
/// classes and image size, and a fingerprint of its first images and labels (another split
/// or order of the same set differs there). Read before training starts.
PARTRAIN_DECL nlohmann::json checkpoint_data_json(const data::source_view& data);

/// state.json of a checkpoint: everything but the tensors, and each file's size and
/// fingerprint.
PARTRAIN_DECL nlohmann::json checkpoint_state_json(const run_snapshot& s, const nlohmann::json& options,
                                                   const nlohmann::json& data,
                                                   const std::map<std::string, std::vector<std::byte>>& files);

/// The files as the folder `target`: written in a temporary sibling, flushed, renamed.
PARTRAIN_DECL void write_folder_atomic(const std::filesystem::path& target,
                                       const std::map<std::string, std::vector<std::byte>>& files, const char* caller);

/// Writes `s` as the checkpoint folder `target` (replacing one of that name), with what the
/// run was trained with: `options` (options_json) and `data` (checkpoint_data_json). Throws
/// io_error naming the folder when it cannot be written; a folder under the final name is
/// then never half-written.
PARTRAIN_DECL void write_checkpoint(const std::filesystem::path& target, const run_snapshot& s,
                                    const nlohmann::json& options, const nlohmann::json& data);

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/train/impl/checkpoint_write.ipp"
#endif
