// training_run<Net>: one training run in phases — prepare (constructor), start, steps,
// end of iteration, end of epoch, finish — with typed hooks (run_hooks) that watch it and
// may stop it. The typed model (train/typed_model.hpp) holds the network, its solver's
// state and its batches; the engine (train/engine.hpp), which is not a template, runs the
// phases. train_network is this run with the standard hooks; docs/architecture.md draws it.
#pragma once

#include <chrono>
#include <optional>
#include <utility>

#include "partrain/backend/context.hpp"
#include "partrain/optim/contracts.hpp"
#include "partrain/core/error.hpp"
#include "partrain/data/data_source.hpp"
#include "partrain/network.hpp"
#include "partrain/optim.hpp"
#include "partrain/train/engine.hpp"
#include "partrain/train/options_record.hpp"
#include "partrain/train/run_hooks.hpp"
#include "partrain/train/run_preparation.hpp"
#include "partrain/train/run_settings.hpp"
#include "partrain/train/run_state.hpp"
#include "partrain/train/trained.hpp"
#include "partrain/train/training_info.hpp"
#include "partrain/train/training_options.hpp"
#include "partrain/train/typed_model.hpp"

namespace partrain {

// Its layout differs between nvcc and g++ builds, as the context's does.
inline namespace PARTRAIN_ABI_NAMESPACE {

/// One run of training a new Net (initialized from options.seed) on `data` with the options'
/// solver and schedule, on the context's device. The constructor validates every option and
/// the data's shape (config_error / shape_error). Before run(), resume() may give it a
/// checkpoint's state to continue from, or warm_start() another network's weights. run()
/// then prepares (input statistics and the first shuffle, unless resumed; the network and
/// solver state on the device), starts, steps through the epochs and finishes. The run
/// stops at max_epochs, when a hook asks (stop_request), when
/// the context's stop token is set (cancelled), on SIGTERM, Ctrl-C or request_interrupt()
/// (interrupted, after a checkpoint when it has checkpoint hooks; while they are on, the
/// run holds those signals), or when the loss is not finite (diverged:
/// no update is made from that iteration's gradients; on a GPU, which reports losses a few
/// iterations late, the device cancels the updates queued behind it, so the result and the
/// history end as on the CPU). Batch-norm statistics are then recomputed over the training
/// data (population, as MATLAB) unless options.batch_normalization_statistics is moving.
template <class Net, data::source D, class Solver, class Schedule>
class training_run {
  static_assert(check_solver<Solver, Net>());

 public:
  using options_type = training_options<Solver, Schedule>;

  training_run(const D& data, const options_type& options, context& ctx)
      : data_(data), options_(options), n_(detail::check_training_inputs<Net>(data, options, ctx)),
        started_(std::chrono::steady_clock::now()), model_(data, options, ctx),
        engine_(model_, detail::settings_of(options), ctx, n_, started_) {}
  // The run keeps references to the data and the options: they must outlive it. It reads the
  // options when it is made: changing them afterwards does not change the run.
  training_run(const D&&, const options_type&, context&) = delete;
  training_run(const D&, const options_type&&, context&) = delete;
  training_run(const training_run&) = delete;
  training_run& operator=(const training_run&) = delete;

  /// The hooks to add before run(): on start, iteration, validation, epoch end, finish.
  /// A run made this way has none of train_network's; add_standard_hooks(run) adds them.
  run_hooks& hooks() { return engine_.hooks(); }
  const options_type& options() const { return options_; }
  const D& data() const { return data_; }

  /// Runs every phase; returns the network (in host memory), its history and its options.
  /// Throws training_error, with the run so far, when a hook threw. Once per run.
  trained<Net> run() {
    engine_.run();
    return trained<Net>{std::move(model_.network()), engine_.take_info(), record_options(options_)};
  }

  /// Continues from a checkpoint's state instead of starting (before run(); io::resume reads
  /// one and checks that it fits these options and data). Throws config_error when it does not
  /// fit this run: another epoch length or data size, or max_epochs below its epoch.
  void resume(run_state<Net, Solver>&& s) {
    engine_.check_position(s.position);
    model_.restore(s, options_.output_network == output_network_mode::best_validation_loss);
    engine_.resume(std::move(s.position));
  }
  /// Starts from `from`'s parameters and state (a warm start) instead of options.seed's;
  /// the input layer's statistics are computed again from the data. Before run().
  void warm_start(const Net& from) {
    engine_.check_not_started("warm_start()");
    Net host = from;
    host.to(host_memory);
    model_.copy_network(host, model_.network());
  }

  /// The run's whole state, copied to host memory: for checkpoint hooks (at a checkpoint
  /// event nothing is queued on a device, so it is whole).
  run_state<Net, Solver> snapshot() const {
    run_state<Net, Solver> s{Net(options_.seed), model_.solver_state(), std::nullopt, engine_.position()};
    model_.copy_network(model_.network(), s.network);
    for_each_solver_field(s.solver, [](auto, auto& field) {
      if constexpr (requires { field.to(host_memory); }) field.to(host_memory);
    });
    if (engine_.has_best_network()) model_.save_best(s.best_network.emplace(options_.seed));
    s.position.random_step = model_.network().random_step();
    return s;
  }

  /// The network being trained, in the context's memory until finish (hooks may read it;
  /// what they change, the run continues from).
  Net& network() { return model_.network(); }
  const training_info& info() const { return engine_.info(); }
  int iteration() const { return engine_.iteration(); }
  /// When the run began (after its options and data were checked).
  std::chrono::steady_clock::time_point started() const { return engine_.started(); }
  /// The engine that runs the phases, which does not know the network's type: the
  /// checkpoint hook and resume work on it.
  detail::training_engine& engine() { return engine_; }

 private:
  const D& data_;
  const options_type& options_;
  std::size_t n_;
  std::chrono::steady_clock::time_point started_;
  detail::typed_model<Net, Solver> model_;
  detail::training_engine engine_;
};

}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace partrain
