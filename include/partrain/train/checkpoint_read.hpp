// Reading a checkpoint folder back (train/checkpoint_write.hpp writes it): every file
// checked against the size and fingerprint state.json recorded, the checkpoint checked
// against the architecture, solver, options and data that would continue it, then the run's
// state rebuilt as a run_snapshot. Each refusal is an io_error or config_error naming the
// folder or file and what differs. Not a template.
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

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/format/files.hpp"
#include "partrain/format/json.hpp"
#include "partrain/format/safetensors.hpp"
#include "partrain/network_tensors.hpp"
#include "partrain/train/checkpoint_write.hpp"
#include "partrain/train/run_snapshot.hpp"
#include "partrain/train/training_info_json.hpp"

namespace partrain {

/// A checkpoint's files, each checked against state.json's record of it.
struct checkpoint_content {
  nlohmann::json state;
  std::map<std::string, std::vector<std::byte>> files;
};

inline namespace PARTRAIN_MODE_NAMESPACE {
/// Reads the folder's files. Throws io_error naming the folder or file when it is not a
/// checkpoint, was written by a newer format version, or a file is missing, truncated or
/// damaged.
PARTRAIN_DECL checkpoint_content read_checkpoint_files(const std::filesystem::path& folder);
}  // namespace PARTRAIN_MODE_NAMESPACE

namespace detail {
inline namespace PARTRAIN_ABI_NAMESPACE {
inline namespace PARTRAIN_MODE_NAMESPACE {
/// Options a resume may change (MATLAB users train longer, change what they watch).
PARTRAIN_DECL bool may_change_on_resume(const std::string& option, bool new_learn_rate);

PARTRAIN_DECL void check_same_run(const nlohmann::json& saved, const nlohmann::json& now, const std::string& where);

PARTRAIN_DECL run_position position_from(const nlohmann::json& j, const std::string& source);
}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace detail

inline namespace PARTRAIN_MODE_NAMESPACE {
/// The run snapshot in the checkpoint `folder`, checked to continue a run of the
/// architecture `now` describes ({"architecture", "solver", "options", "data"}: the network's
/// description, the solver's name, options_json and checkpoint_data_json): io_error naming
/// each layer that differs, config_error naming the option or property and both values.
/// The tensors are as the files hold them: the typed model checks their names and shapes.
PARTRAIN_DECL run_snapshot read_checkpoint(const std::filesystem::path& folder, const nlohmann::json& now);
}  // namespace PARTRAIN_MODE_NAMESPACE

}  // namespace partrain

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/train/impl/checkpoint_read.ipp"
#endif
