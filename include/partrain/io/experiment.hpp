// Experiment folders: experiment-YYYYMMDDTHHMMSS/ with one trial-NN/ per trained network
// (network.safetensors, training_info.csv/.json, options.json, trial.json) and summary.json/.csv.
#pragma once

#include <cctype>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/format/files.hpp"
#include "partrain/format/safetensors.hpp"
#include "partrain/io/training_info_io.hpp"
#include "partrain/io/trial_record.hpp"

namespace partrain::io {

/// Training options copied into summary.csv columns when the options JSON has them.
inline constexpr std::string_view summary_option_keys[] = {"initial_learn_rate", "max_epochs",
                                                           "mini_batch_size", "l2_regularization"};

inline namespace PARTRAIN_MODE_NAMESPACE {

/// "trial-01" ... : the folder of trial `number` of `count`; at least two digits, more when
/// there are 100+ trials.
PARTRAIN_DECL std::string trial_folder_name(std::size_t number, std::size_t count);

/// Writes trial `number`'s folder `dir` (network.safetensors, training_info.csv/.json,
/// options.json, trial.json); `extra` fields go into trial.json too (an experiment's values
/// and seed). Each file is written atomically; io_error names the file that failed.
PARTRAIN_DECL void write_trial(const std::filesystem::path& dir, std::size_t number,
                               const trial_record& r, const nlohmann::json& extra = nlohmann::json::object());

}  // namespace PARTRAIN_MODE_NAMESPACE

namespace detail {

inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::string summary_csv(std::span<const trial_record> trials);

PARTRAIN_DECL nlohmann::json summary_json(std::span<const trial_record> trials,
                                          std::string_view timestamp);

/// trial.json's fields (name, architecture, solver, test_accuracy) into a record; `source`
/// names the file in messages. throws io_error for a missing field or a wrong type.
PARTRAIN_DECL trial_record trial_from_json(const nlohmann::json& trial, const std::string& source);

PARTRAIN_DECL trial_record read_trial(const std::filesystem::path& dir);

/// Checks summary.json's content: an object with a 'trials' array whose entries each name a
/// trial folder ("trial-..." without '/'). throws io_error naming `source` otherwise.
PARTRAIN_DECL void check_summary(const nlohmann::json& j, const std::string& source, std::string_view caller);

PARTRAIN_DECL nlohmann::json read_summary(const std::filesystem::path& folder, std::string_view caller);

}  // namespace PARTRAIN_MODE_NAMESPACE
} // namespace detail

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Saves trials into parent/experiment-<timestamp>/ and returns that folder. timestamp is
/// 'yyyyMMddTHHmmss' (empty: now, local time). The folder is written under a hidden temporary
/// name and renamed when complete, so a crash never leaves a complete-looking experiment;
/// if the name is taken (two saves in one second), "_2", "_3", ... is appended. Hidden
/// temporaries in `parent` left by saves that were killed (their process is gone) are removed
/// first; a live save's never is (see io/temporary.hpp).
/// throws io_error when parent is missing or unwritable, config_error for a malformed timestamp
/// or invalid tensors (see serialize_safetensors).
PARTRAIN_DECL std::filesystem::path save_experiment(std::span<const trial_record> trials,
                                                    const std::filesystem::path& parent = ".",
                                                    std::string_view timestamp = {});

/// Loads every trial of an experiment folder written by save_experiment, in trial order.
/// throws io_error for a missing folder, a missing summary.json or trial folder, or any
/// truncated/corrupted file (naming it).
PARTRAIN_DECL std::vector<trial_record> load_experiment(const std::filesystem::path& folder);

/// Loads the trial at `index` (0-based: trial_index{0} is folder trial-01).
/// throws io_error naming the folder when there is no such trial, or as load_experiment.
PARTRAIN_DECL trial_record load_trial(const std::filesystem::path& folder, trial_index index);

/// Loads trial number trial_number (1-based, as the folder names trial-01, ...).
[[deprecated("1-based while trial indices elsewhere are 0-based: use load_trial(folder, io::trial_index{n - 1})")]]
PARTRAIN_DECL trial_record load_trial(const std::filesystem::path& folder, std::size_t trial_number);

}  // namespace PARTRAIN_MODE_NAMESPACE
} // namespace partrain::io

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/io/impl/experiment.ipp"
#endif
