// Typed bridges between training results and experiment files: trial records from trained
// networks, training options as JSON, and io::load<Net> back into a typed network.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <type_traits>
#include <variant>

#include <nlohmann/json.hpp>

#include "partrain/config.hpp"
#include "partrain/io/experiment.hpp"
#include "partrain/io/network_file.hpp"
#include "partrain/network_tensors.hpp"
#include "partrain/train/options_json.hpp"
#include "partrain/io/trial_record.hpp"
#include "partrain/train/trained.hpp"
#include "partrain/train/training_options.hpp"

namespace partrain::io {

using partrain::options_from_json;
using partrain::options_json;

namespace detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::string solver_name(const options_record& options);

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace detail

/// The record of a trained network trained with `options` (make_trial_record gives it the
/// options the run recorded).
template <class Net>
trial_record trial_record_of(std::string name, trained<Net>& result, const options_record& options,
                             double test_accuracy) {
  return trial_record{.name = std::move(name),
                      .architecture = Net::description(),
                      .solver = detail::solver_name(options),
                      .options = options_json(options),
                      .info = result.info,
                      .test_accuracy = test_accuracy,
                      .tensors = network_tensors(result.network),
                      .metadata = {}};
}

/// Everything save_experiment stores about one trained network, with the options it was
/// trained with (result.options, which train_network records): the caller need not keep
/// or rebuild them.
template <class Net>
trial_record make_trial_record(std::string name, trained<Net>& result,
                               double test_accuracy = std::numeric_limits<double>::quiet_NaN()) {
  return trial_record_of(std::move(name), result, result.options, test_accuracy);
}

/// The same with `options` recorded instead of result.options.
template <class Net, class Solver, class Schedule>
trial_record make_trial_record(std::string name, trained<Net>& result,
                               const training_options<Solver, Schedule>& options,
                               double test_accuracy = std::numeric_limits<double>::quiet_NaN()) {
  return trial_record_of(std::move(name), result, record_options(options), test_accuracy);
}

/// Rebuilds the trial at `index` (0-based: trial_index{0} is folder trial-01) of a saved
/// experiment as a Net with its training info. Throws io_error when the folder or trial is
/// missing, a file is damaged, or the saved architecture is not Net's (naming both).
template <class Net>
trained<Net> load(const std::filesystem::path& folder, trial_index index) {
  trial_record record = load_trial(folder, index);
  const std::string source = folder.string() + ", trial index " + std::to_string(index.value);
  trained<Net> out{Net(0), std::move(record.info), options_from_json(record.options)};
  if (record.architecture != Net::description()) {
    const std::string tensor = first_tensor_difference(record.tensors, network_tensors(out.network));
    fail<io_error>("[partrain::io::load] '", source, "' holds the architecture '", record.architecture,
                   "'; cannot load it into '", Net::description(), "'", tensor.empty() ? "" : " (first, ", tensor,
                   tensor.empty() ? "" : ")");
  }
  assign_network_tensors(out.network, record.tensors, source);
  return out;
}

/// Rebuilds trial number `trial_number` (1-based, as the folders trial-01, ...).
template <class Net>
[[deprecated("1-based while trial indices elsewhere are 0-based: use io::load<Net>(folder, io::trial_index{n - 1})")]]
trained<Net> load(const std::filesystem::path& folder, std::size_t trial_number) {
  PARTRAIN_CHECK(trial_number >= 1, io_error, "[partrain::io::load] '", folder.string(), "': no trial ",
                 trial_number, "; trial numbers start at 1");
  return load<Net>(folder, trial_index{trial_number - 1});
}

}  // namespace partrain::io

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/io/impl/network_io.ipp"
#endif
