// train_network<Net>(data, options[, context]): MATLAB's trainNetwork for a typed network —
// a training_run with the standard hooks: the verbose table and output_fn, validation
// patience, and checkpoints (io's hook, which is why this header sits above train/ and io/).
#pragma once

#include "partrain/backend/context.hpp"
#include "partrain/data/data_source.hpp"
#include "partrain/io/checkpoints.hpp"
#include "partrain/train/reporting_hooks.hpp"
#include "partrain/train/trained.hpp"
#include "partrain/train/training_options.hpp"
#include "partrain/train/training_run.hpp"

namespace partrain {

/// Adds train_network's hooks to a run: the verbose table and output_fn, validation
/// patience, and checkpoints (after checking checkpoint_path: config_error) — each as the
/// run's options ask. Add your own hooks before or after: they are called in that order.
template <class Net, class D, class Solver, class Schedule>
void add_standard_hooks(training_run<Net, D, Solver, Schedule>& run) {
  const auto& options = run.options();
  if (!options.checkpoint_path.empty()) io::check_checkpoint_folder(options.checkpoint_path);
  run_hooks& hooks = run.hooks();
  detail::add_reporting_hooks(hooks, options.output_fn, options.verbose ? options.verbose_stream : nullptr,
                              options.verbose_frequency, options.mini_batch_size, run.started());
  detail::add_patience_hook(hooks, options.validation_patience);
  if (!options.checkpoint_path.empty()) io::add_checkpoint_hook(run);
}

/// Trains a new Net (initialized from options.seed) on `data` with the options' solver and
/// schedule, on the context's device: a training_run with add_standard_hooks (see
/// training_run for the phases and when a run stops), continued from options.resume_from
/// when it is set (io::resume). Validates every option, the data's shape, checkpoint_path
/// and the checkpoint to resume before the first iteration (config_error, shape_error,
/// io_error). Throws training_error, with the run so far, when output_fn (or another hook)
/// throws.
template <class Net, data::source D, class Solver, class Schedule>
trained<Net> train_network(const D& data, const training_options<Solver, Schedule>& options, context& ctx) {
  training_run<Net, D, Solver, Schedule> run(data, options, ctx);
  if (!options.resume_from.empty()) io::resume(run, options.resume_from);
  add_standard_hooks(run);
  return run.run();
}

/// The same on a CPU context of its own (seeded from options.seed).
template <class Net, data::source D, class Solver, class Schedule>
trained<Net> train_network(const D& data, const training_options<Solver, Schedule>& options) {
  context ctx(device::cpu(), options.seed);
  return train_network<Net>(data, options, ctx);
}

/// A warm start (MATLAB's trainNetwork(data, net, options)): trains from `initial`'s
/// weights and state — a trained network, io::load_network of a saved one or of a
/// checkpoint folder — with new options; the input layer's statistics are computed again.
/// With options.resume_from set, the run continues from that checkpoint instead (a warm
/// start that was interrupted: its checkpoints hold where it was).
template <class Net, data::source D, class Solver, class Schedule>
trained<Net> train_network(const D& data, const Net& initial, const training_options<Solver, Schedule>& options,
                           context& ctx) {
  training_run<Net, D, Solver, Schedule> run(data, options, ctx);
  if (!options.resume_from.empty()) io::resume(run, options.resume_from);
  else run.warm_start(initial);
  add_standard_hooks(run);
  return run.run();
}
template <class Net, data::source D, class Solver, class Schedule>
trained<Net> train_network(const D& data, const Net& initial, const training_options<Solver, Schedule>& options) {
  context ctx(device::cpu(), options.seed);
  return train_network(data, initial, options, ctx);
}

}  // namespace partrain
