// Typed bridges between training results and experiment files: trial records from trained
// networks, training options as JSON, and io::load<Net> back into a typed network.
#pragma once

#include <cmath>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "partrain/io/experiment.hpp"
#include "partrain/io/network_file.hpp"
#include "partrain/io/network_tensors.hpp"
#include "partrain/io/trial_record.hpp"
#include "partrain/train/train_network.hpp"
#include "partrain/train/training_options.hpp"

namespace partrain::io {

/// The options as JSON: every number and mode, the solver's and schedule's fields.
/// (output_fn, streams and validation data are not data and are left out.)
template <class Solver, class Schedule>
nlohmann::json options_json(const training_options<Solver, Schedule>& o) {
  auto finite_or_null = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  nlohmann::json j{{"solver", std::string(Solver::name)},
                   {"learn_rate_schedule", std::string(Schedule::name)},
                   {"initial_learn_rate", o.initial_learn_rate},
                   {"max_epochs", o.max_epochs},
                   {"mini_batch_size", o.mini_batch_size},
                   {"shuffle", std::string(to_string(o.shuffle))},
                   {"l2_regularization", o.l2_regularization},
                   {"gradient_threshold", finite_or_null(o.gradient_threshold)},
                   {"gradient_threshold_method", std::string(optim::to_string(o.gradient_threshold_method))},
                   {"validation_frequency", o.validation_frequency},
                   {"validation_patience", finite_or_null(o.validation_patience)},
                   {"output_network", std::string(to_string(o.output_network))},
                   {"batch_normalization_statistics", std::string(to_string(o.batch_normalization_statistics))},
                   {"execution_environment", std::string(to_string(o.execution_environment))},
                   {"cuda_graphs", o.cuda_graphs},
                   {"seed", o.seed}};
  if constexpr (requires { o.solver.momentum; }) j["momentum"] = o.solver.momentum;
  if constexpr (requires { o.solver.gradient_decay_factor; })
    j["gradient_decay_factor"] = o.solver.gradient_decay_factor;
  if constexpr (requires { o.solver.squared_gradient_decay_factor; })
    j["squared_gradient_decay_factor"] = o.solver.squared_gradient_decay_factor;
  if constexpr (requires { o.solver.epsilon; }) j["epsilon"] = o.solver.epsilon;
  if constexpr (requires { o.learn_rate_schedule.drop_factor; }) {
    j["learn_rate_drop_factor"] = o.learn_rate_schedule.drop_factor;
    j["learn_rate_drop_period"] = o.learn_rate_schedule.drop_period;
  }
  return j;
}

/// Everything save_experiment stores about one trained network.
template <class Net, class Solver, class Schedule>
trial_record make_trial_record(std::string name, trained<Net>& result,
                               const training_options<Solver, Schedule>& options,
                               double test_accuracy = std::numeric_limits<double>::quiet_NaN()) {
  return trial_record{.name = std::move(name),
                      .architecture = Net::description(),
                      .solver = std::string(Solver::name),
                      .options = options_json(options),
                      .info = result.info,
                      .test_accuracy = test_accuracy,
                      .tensors = network_tensors(result.network),
                      .metadata = {}};
}

/// Rebuilds the trial at `index` (0-based: trial_index{0} is folder trial-01) of a saved
/// experiment as a Net with its training info. Throws io_error when the folder or trial is
/// missing, a file is damaged, or the saved architecture is not Net's (naming both).
template <class Net>
trained<Net> load(const std::filesystem::path& folder, trial_index index) {
  trial_record record = load_trial(folder, index);
  const std::string source = folder.string() + ", trial index " + std::to_string(index.value);
  PARTRAIN_CHECK(record.architecture == Net::description(), io_error, "[partrain::io::load] '", source,
                 "' holds the architecture '", record.architecture,
                 "'; cannot load it into '", Net::description(), "'");
  trained<Net> out{Net(0), std::move(record.info)};
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
