// train_network<Net>(data, options[, context]): MATLAB's trainNetwork for a typed network —
// a training_run with the standard hooks: the verbose table and output_fn, validation
// patience, and checkpoints (train/checkpoint_hook.hpp, on the run's engine).
#pragma once

#include "partrain/backend/context.hpp"
#include "partrain/data/data_source.hpp"
#include "partrain/train/checkpoint_hook.hpp"
#include "partrain/train/checkpoint_names.hpp"
#include "partrain/train/checkpoint_write.hpp"
#include "partrain/train/options_json.hpp"
#include "partrain/train/reporting_hooks.hpp"
#include "partrain/train/trained.hpp"
#include "partrain/train/training_options.hpp"
#include "partrain/train/training_run.hpp"

namespace partrain {

namespace detail {
/// A solver whose state does not list its fields cannot be checkpointed: config_error.
template <class Net, class Solver>
void check_checkpointable() {
  PARTRAIN_CHECK(lists_its_fields<typename Solver::template state<Net>>, config_error,
                 "[partrain::training_options] checkpoint_path or resume_from is set but solver '", Solver::name,
                 "' cannot be checkpointed: its state<Net> has no for_each_field(f) naming its fields "
                 "(see docs/guide.md, \"Your own solver, schedule or layer\")");
}
}  // namespace detail

/// Adds the checkpoint hook to `run` (checkpoint_path must be set): see
/// add_checkpoint_hook(engine, target) for what it writes and keeps.
template <class Net, class D, class Solver, class Schedule>
void add_checkpoint_hook(training_run<Net, D, Solver, Schedule>& run) {
  detail::check_checkpointable<Net, Solver>();
  const auto& o = run.options();
  add_checkpoint_hook(run.engine(),
                      {o.checkpoint_path, o.checkpoints_to_keep, options_json(o), checkpoint_data_json(run.data())});
}

/// Makes `run` continue from the checkpoint `from` (a checkpoint folder, or a folder of
/// them: the newest) instead of starting: the architecture, the solver, every option but
/// those a resume may change, and the data must be the checkpoint's (io_error or
/// config_error naming what differs). Throws config_error naming `from` when it holds no
/// checkpoint.
template <class Net, class D, class Solver, class Schedule>
void resume(training_run<Net, D, Solver, Schedule>& run, const std::filesystem::path& from) {
  detail::check_checkpointable<Net, Solver>();
  const std::filesystem::path folder = checkpoint_to_resume(from);  // first: "holds no checkpoint"
  const auto& o = run.options();
  const nlohmann::json now = {{"architecture", Net::description()}, {"solver", solver_name(o.solver)},
                              {"options", options_json(o)}, {"data", checkpoint_data_json(run.data())}};
  run.engine().restore(read_checkpoint(folder, now), folder.string());
}

/// Adds train_network's hooks to a run: the verbose table and output_fn, validation
/// patience, and checkpoints (after checking checkpoint_path: config_error) — each as the
/// run's options ask. Add your own hooks before or after: they are called in that order.
template <class Net, class D, class Solver, class Schedule>
void add_standard_hooks(training_run<Net, D, Solver, Schedule>& run) {
  const auto& options = run.options();
  if (!options.checkpoint_path.empty()) check_checkpoint_folder(options.checkpoint_path);
  run_hooks& hooks = run.hooks();
  detail::add_reporting_hooks(hooks, options.output_fn, options.verbose ? options.verbose_stream : nullptr,
                              options.verbose_frequency, options.mini_batch_size, run.started());
  detail::add_patience_hook(hooks, options.validation_patience);
  if (!options.checkpoint_path.empty()) add_checkpoint_hook(run);
}

/// Trains a new Net (initialized from options.seed) on `data` with the options' solver and
/// schedule, on the context's device: a training_run with add_standard_hooks (see
/// training_run for the phases and when a run stops), continued from options.resume_from
/// when it is set (resume). Validates every option, the data's shape, checkpoint_path
/// and the checkpoint to resume before the first iteration (config_error, shape_error,
/// io_error). Throws training_error, with the run so far, when output_fn (or another hook)
/// throws.
template <class Net, data::source D, class Solver, class Schedule>
trained<Net> train_network(const D& data, const training_options<Solver, Schedule>& options, context& ctx) {
  training_run<Net, D, Solver, Schedule> run(data, options, ctx);
  if (!options.resume_from.empty()) resume(run, options.resume_from);
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
  if (!options.resume_from.empty()) resume(run, options.resume_from);
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
