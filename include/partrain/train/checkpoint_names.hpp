// Checkpoint folders by name: "checkpoint-epoch003-iteration000150" after that iteration,
// listed oldest first, the newest found; and the check that a checkpoint_path can hold them.
#pragma once

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/filesystem.hpp"
#include "partrain/format/files.hpp"

namespace partrain {
inline namespace PARTRAIN_MODE_NAMESPACE {

/// Checks that `folder` can hold checkpoints before any training: creates it (and its
/// parents) when missing, then writes and removes a small file in it. Throws config_error
/// naming the option, the folder and the operating system's reason.
PARTRAIN_DECL void check_checkpoint_folder(const std::filesystem::path& folder);

/// "checkpoint-epoch003-iteration000150": the checkpoint folder after that iteration.
PARTRAIN_DECL std::string checkpoint_name(int epoch, int iteration);

/// The iteration in a checkpoint folder's name; nullopt for other names (temporaries too).
PARTRAIN_DECL std::optional<int> checkpoint_iteration(const std::string& name);

/// The checkpoints in `folder` (those with a state.json), oldest first.
PARTRAIN_DECL std::vector<std::filesystem::path> list_checkpoints(const std::filesystem::path& folder);

/// The newest checkpoint in `folder` (a checkpoint_path); nullopt when it has none.
PARTRAIN_DECL std::optional<std::filesystem::path> latest_checkpoint(const std::filesystem::path& folder);

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/train/impl/checkpoint_names.ipp"
#endif
