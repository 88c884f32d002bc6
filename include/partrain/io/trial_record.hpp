// One trained network's results, independent of the network type: what save_experiment
// writes and load_experiment gives back; plus the check that a record fits a network.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "partrain/core/error.hpp"
#include "partrain/config.hpp"
#include "partrain/format/safetensors.hpp"
#include "partrain/train/training_info.hpp"

namespace partrain::io {

using format::named_tensor;
using format::shape_string;

using partrain::partrain_version;

/// Which trial of a sweep or experiment: its index, 0-based, as everywhere in code (the
/// `trial` of submit_each, channels, the dashboard, trial_outcome). People see trial
/// *numbers*, index + 1: folders trial-01, trial-02, ... and the "trial" field of summary and
/// trial.json are numbers; "trial_index" beside them is the index.
struct trial_index {
  std::size_t value = 0;
};

/// One trial of an experiment. Accuracies are in percent, as in training_info (use
/// accuracy_percent(predictions) for test_accuracy).
struct trial_record {
  std::string name;         ///< e.g. "cnn-3x8"; shown in plots and the summary
  std::string architecture; ///< the network's description; checked on load
  std::string solver;       ///< "sgdm", "adam", "rmsprop"
  nlohmann::json options = nlohmann::json::object(); ///< the training options used
  training_info info;
  double test_accuracy = std::numeric_limits<double>::quiet_NaN(); ///< NaN if unknown
  std::vector<format::named_tensor> tensors; ///< weights and batch-norm statistics
  /// Extra metadata for the .safetensors header; save adds "architecture" and
  /// "partrain_version", and load returns them too.
  std::map<std::string, std::string> metadata;
};

/// What a network expects one of its tensors to be.
struct tensor_spec {
  std::string name;
  std::vector<std::int64_t> shape;
};

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Checks that a loaded record fits a network: same architecture string, and exactly the
/// expected tensor names with the expected shapes. source names the file in messages.
/// throws io_error naming both sides, e.g. "[partrain::io::load] 'x.safetensors': tensor
/// 'conv1.weight' is (8,1,3,3); network expects (16,1,3,3)".
PARTRAIN_DECL void check_compatible(const trial_record& record, std::string_view expected_architecture,
                                    std::span<const tensor_spec> expected, std::string_view source);

}  // namespace PARTRAIN_MODE_NAMESPACE
} // namespace partrain::io

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/io/impl/trial_record.ipp"
#endif
