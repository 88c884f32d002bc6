// training_run<Net>: one training run in phases — prepare (constructor), start, steps,
// end of iteration, end of epoch, finish — with typed hooks (run_hooks) that watch it and
// may stop it. train_network is this run with the standard hooks; docs/architecture.md
// draws the phases.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <deque>
#include <exception>
#include <limits>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "partrain/backend/context.hpp"
#include "partrain/backend/metrics_queue.hpp"
#include "partrain/backend/ops.hpp"
#include "partrain/backend/step_graph.hpp"
#include "partrain/contracts.hpp"
#include "partrain/core/buffer.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/interrupt.hpp"
#include "partrain/core/random.hpp"
#include "partrain/data/data_source.hpp"
#include "partrain/layers/image_input.hpp"
#include "partrain/network.hpp"
#include "partrain/optim.hpp"
#include "partrain/train/batch_reader.hpp"
#include "partrain/train/batch_source.hpp"
#include "partrain/train/best_network.hpp"
#include "partrain/train/evaluate.hpp"
#include "partrain/train/reporting_hooks.hpp"
#include "partrain/train/run_preparation.hpp"
#include "partrain/train/run_hooks.hpp"
#include "partrain/train/run_state.hpp"
#include "partrain/train/trained.hpp"
#include "partrain/train/training_info.hpp"
#include "partrain/train/training_options.hpp"

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
  static_assert(detail::check_solver<Solver, Net>());
  using T = typename Net::value_type;
  using clock = std::chrono::steady_clock;

 public:
  using options_type = training_options<Solver, Schedule>;

  training_run(const D& data, const options_type& options, context& ctx)
      : data_(data), options_(options), ctx_(ctx), n_(detail::check_training_inputs<Net>(data, options, ctx)),
        batch_(std::size_t(options.mini_batch_size)), start_(clock::now()), out_{Net(options.seed), {}},
        solver_state_(make_solver_state<Net>(options.solver, ctx.memory())), metrics_(ctx), batches_(ctx, data, Net::num_classes),
        shuffle_rng_(options.seed, 0x5348u) {
    prepare();
  }
  // The run keeps references to the data and the options: they must outlive it.
  training_run(const D&&, const options_type&, context&) = delete;
  training_run(const D&, const options_type&&, context&) = delete;
  training_run(const training_run&) = delete;
  training_run& operator=(const training_run&) = delete;

  /// The hooks to add before run(): on start, iteration, validation, epoch end, finish.
  /// A run made this way has none of train_network's; add_standard_hooks(run) adds them.
  run_hooks& hooks() { return hooks_; }
  const options_type& options() const { return options_; }
  const D& data() const { return data_; }

  /// Runs every phase; returns the network (in host memory), its history and its options.
  /// Throws training_error, with the run so far, when a hook threw. Once per run.
  trained<Net> run() {
    PARTRAIN_CHECK(!ran_, error, "[partrain::training_run] run() was called before; a run trains once");
    ran_ = true;
    std::optional<detail::interrupt_handlers> signals;
    if (hooks_.has_checkpoint_hooks()) signals.emplace();
    if (!resumed_) first_start();
    to_device();
    start();
    if (interrupt_requested()) stop_ = stop_reason::interrupted, stopping_ = true;
    const int first_epoch = iteration_ / per_epoch_ + 1;  // a resume mid-epoch continues that epoch
    for (int epoch = first_epoch; epoch <= options_.max_epochs && !stopping_; ++epoch)
      if (!run_epoch(epoch)) break;
    drain(true);
    return finish();
  }

  /// Continues from a checkpoint's state instead of starting (before run(); io::resume reads
  /// one and checks that it fits these options and data). Throws config_error when it does not
  /// fit this run: another epoch length or data size, or max_epochs below its epoch.
  void resume(run_state<Net, Solver>&& s) {
    PARTRAIN_CHECK(!ran_ && !resumed_, error, "[partrain::training_run] resume() after run() or resume()");
    const run_position& p = s.position;
    PARTRAIN_CHECK(p.iterations_per_epoch == per_epoch_ && p.order.size() == n_, config_error,
                   "[partrain::training_run] the checkpoint has ", p.iterations_per_epoch,
                   " iterations per epoch over ", p.order.size(), " images; this run has ", per_epoch_, " over ", n_);
    PARTRAIN_CHECK(p.epoch() <= options_.max_epochs, config_error, "[partrain::training_options] max_epochs is ",
                   options_.max_epochs, " but the checkpoint is at epoch ", p.epoch(), "; expected at least that");
    copy_network(s.network, out_.network);
    out_.network.set_random_step(p.random_step);
    solver_state_ = std::move(s.solver);
    shuffle_rng_.seek(p.shuffle_draws);
    order_ = p.order;
    iteration_ = checkpointed_at_ = p.iteration;
    start_batch_ = p.iteration % per_epoch_;
    out_.info = p.history;
    best_.load(p.best_validation_loss, p.best_iteration, p.validations_without_improvement,
               s.best_network ? &*s.best_network : nullptr, ctx_.memory());
    start_ -= std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(p.elapsed_seconds));
    resumed_ = true;
  }
  /// Starts from `from`'s parameters and state (a warm start) instead of options.seed's;
  /// the input layer's statistics are computed again from the data. Before run().
  void warm_start(const Net& from) {
    PARTRAIN_CHECK(!ran_ && !resumed_, error, "[partrain::training_run] warm_start() after run() or resume()");
    Net host = from;
    host.to(host_memory);
    copy_network(host, out_.network);
  }

  /// The run's whole state, copied to host memory: for checkpoint hooks (at a checkpoint
  /// event nothing is queued on a device, so it is whole).
  run_state<Net, Solver> snapshot() const {
    run_state<Net, Solver> s{Net(options_.seed), solver_state_, std::nullopt, {}};
    copy_network(out_.network, s.network);
    for_each_solver_field(s.solver, [](auto, auto& field) {
      if constexpr (requires { field.to(host_memory); }) field.to(host_memory);
    });
    if (best_.has_network()) best_.save(s.best_network.emplace(options_.seed));
    run_position& p = s.position;
    p.iteration = iteration_, p.iterations_per_epoch = per_epoch_;
    p.shuffle_draws = shuffle_rng_.draws(), p.order = order_;
    p.random_step = out_.network.random_step();
    p.best_validation_loss = best_.loss(), p.best_iteration = best_.iteration();
    p.validations_without_improvement = best_.without_improvement();
    p.history = out_.info;
    p.elapsed_seconds = elapsed();
    return s;
  }

  /// The network being trained, in the context's memory until finish (hooks may read it;
  /// what they change, the run continues from).
  Net& network() { return out_.network; }
  const training_info& info() const { return out_.info; }
  int iteration() const { return iteration_; }
  /// When the run began (after its options and data were checked).
  clock::time_point started() const { return start_; }

 private:
  // Iterations queued on the device whose loss has not been read yet.
  struct pending {
    int epoch, iteration;
    double learn_rate;
    bool validate;
  };

  // Phase "prepare": the epoch's length and the first progress message.
  void prepare() {
    per_epoch_ = int(n_ / batch_), max_iterations_ = per_epoch_ * options_.max_epochs;
    out_.info.iterations_per_epoch = per_epoch_;
    order_.resize(n_);
    std::iota(order_.begin(), order_.end(), std::size_t(0));
    progress_ = training_progress{.network_name = Net::description(),
                                  .iterations_per_epoch = per_epoch_,
                                  .max_iterations = max_iterations_};
  }
  // A run that does not resume: input statistics, the first shuffle.
  void first_start() {
    if constexpr (detail::needs_input_statistics<Net>) detail::input_statistics(out_.network, data_, order_, batch_);
    if (options_.shuffle != shuffle_mode::never) detail::shuffle_indices(order_, shuffle_rng_);
  }
  // The network and the solver's state in the context's memory.
  void to_device() {
    // On a GPU everything below runs on the worker's stream, and losses are read back a few
    // iterations late (metrics_queue). A non-finite one sets the flag on the device, which
    // cancels every update queued behind it: the network stays as it was before the
    // diverged iteration, as on the CPU.
    on_device_ = !ctx_.memory().host;
    out_.network.to(ctx_.memory());
    for_each_solver_field(solver_state_, [&](auto, auto& field) {
      if constexpr (requires { field.to(ctx_.memory()); }) field.to(ctx_.memory());
    });
    if (on_device_) diverged_flag_.ensure(ctx_.memory(), 1);
    replay_ = on_device_ && options_.cuda_graphs && !Net::uses_randomness &&
              (!std::isfinite(options_.gradient_threshold) ||
               options_.gradient_threshold_method == optim::gradient_threshold_method::absolute_value);
  }
  // Parameters and state from one network to another (either may be on a device); the
  // layers' seeds stay `to`'s.
  static void copy_network(const Net& from, Net& to) {
    copy_between(to.memory(), to.parameters().data(), from.memory(), from.parameters().data(),
                 Net::parameter_count * sizeof(T));
    copy_between(to.memory(), to.state().data(), from.memory(), from.state().data(), Net::state_count * sizeof(T));
  }

  // Phase "start": the start hooks (the table's header, output_fn's first call); a resumed
  // run's first message says where it resumes.
  void start() {
    progress_.iteration = iteration_, progress_.epoch = iteration_ == 0 ? 0 : (iteration_ - 1) / per_epoch_ + 1;
    hooks_.start(start_event{progress_}, [&](hook_result& r) { apply(r); });
  }

  // One epoch of steps and its end; false when the run was cancelled. A resumed run starts
  // its first epoch where the checkpoint was.
  bool run_epoch(int epoch) {
    const int first = std::exchange(start_batch_, 0);
    if (epoch > 1 && first == 0 && options_.shuffle == shuffle_mode::every_epoch)
      detail::shuffle_indices(order_, shuffle_rng_);
    batches_.start_epoch(order_, batch_, std::uint64_t(epoch - 1));
    for (int b = first; b < per_epoch_ && !stopping_; ++b) {
      if (ctx_.stop_requested()) {
        stop_ = stop_reason::cancelled;
        break;
      }
      step(epoch, b);
      if (interrupt_requested()) interrupt();
      else if (b + 1 < per_epoch_ && checkpoint_due(epoch, false)) checkpoint(epoch, false);
    }
    drain(true);
    if (stop_ == stop_reason::cancelled) return false;  // no epoch end (nor checkpoint) for a cancelled epoch
    // An interrupted epoch has not ended: the resumed run ends it (its hooks see it once).
    const bool interrupted = stop_ == stop_reason::interrupted;
    if (!interrupted || iteration_ % per_epoch_ == 0)
      hooks_.epoch_end(epoch_event{epoch, iteration_, stopping_, stop_}, [&](hook_result& r) { apply(r); });
    if (interrupted || checkpoint_due(epoch, true)) checkpoint(epoch, interrupted);
    return true;
  }

  // Checkpoints: every checkpoint_frequency epochs (at the epoch's end) or iterations, while
  // the run goes on (an interruption writes its own).
  bool checkpoint_due(int epoch, bool epoch_end) {
    if (stopping_ || !hooks_.has_checkpoint_hooks()) return false;
    if (options_.checkpoint_frequency_unit == checkpoint_unit::epoch)
      return epoch_end && epoch % options_.checkpoint_frequency == 0;
    return iteration_ % options_.checkpoint_frequency == 0;
  }
  void checkpoint(int epoch, bool interrupted) {
    drain(true);
    if (iteration_ == checkpointed_at_ || (stopping_ && !interrupted)) return;
    checkpointed_at_ = iteration_;
    hooks_.checkpoint(checkpoint_event{epoch, iteration_, interrupted}, [&](hook_result& r) { apply(r); });
  }
  // SIGTERM, Ctrl-C or request_interrupt(): the run stops after this iteration; its epoch's
  // end writes the checkpoint.
  void interrupt() {
    drain(true);
    if (!stopping_) stop_ = stop_reason::interrupted, stopping_ = true;
  }

  // Phase "step": batch b of the epoch read, forward, backward, update; its metrics queued.
  void step(int epoch, int b) {
    Net& net = out_.network;
    ++iteration_;
    batches_.read(std::size_t(b) * batch_, batch_);
    const double lr = options_.learn_rate_schedule(options_.initial_learn_rate,
                                                   {epoch, iteration_, per_epoch_, options_.max_epochs});
    const pending p{epoch, iteration_, lr,
                    options_.validation_data && (iteration_ == 1 || iteration_ % options_.validation_frequency == 0 ||
                                                 iteration_ == max_iterations_)};
    double* m = metrics_.slot(iteration_);
    if (!on_device_) {
      // The loss is known before the update: a diverged step changes nothing.
      net.forward(ctx_, batches_.images(), mode::training);
      m[0] = net.loss(ctx_, batches_.labels());
      m[1] = net.correct(ctx_, batches_.labels());
      if (std::isfinite(m[0])) gradients(), update(lr);
    } else {
      auto forward_backward = [&] {
        net.forward(ctx_, batches_.images(), mode::training);
        gradients();
      };
      // The first iterations run plainly: they choose convolution algorithms and size the
      // workspaces, which a recording must not do. The update stays outside the recording,
      // so learn-rate schedules and Adam's step count need no new one.
      if (replay_ && ++steps_here_ > 2) graph_.run(ctx_, forward_backward);
      else forward_backward();
      // Backward leaves the forward's probabilities in place; the flag is set before the update.
      backend::batch_metrics(ctx_, int(batch_), Net::num_classes, net.output().data(), batches_.labels().data(), m,
                             diverged_flag_.data());
      update(lr);
    }
    metrics_.queued(iteration_);
    queued_.push_back(p);
    drain(p.validate || !on_device_);
  }
  // Gradients of the current batch (forward already ran), regularized and clipped.
  void gradients() {
    Net& net = out_.network;
    net.backward(ctx_, batches_.labels());
    optim::add_l2_regularization(ctx_, net, options_.l2_regularization);
    optim::clip_gradients(ctx_, net, options_.gradient_threshold, options_.gradient_threshold_method);
  }
  void update(double lr) {
    Net& net = out_.network;
    options_.solver.step(ctx_, solver_state_, net.parameters(), net.gradients(), lr, diverged_flag_.data());
  }

  // Finishes queued iterations: all of them, or those already done plus any beyond the
  // queue's depth, so the device keeps a few steps of work ahead of the host.
  void drain(bool all) {
    while (!queued_.empty() && (all || int(queued_.size()) >= backend::metrics_queue::depth ||
                                metrics_.ready(queued_.front().iteration))) {
      end_of_iteration(queued_.front());
      queued_.pop_front();
    }
  }

  // Phase "end of iteration": history, the divergence rule, validation when due, hooks.
  void end_of_iteration(const pending& p) {
    if (diverged_at_ > 0) return;  // queued behind a divergence: changed nothing
    const auto [loss, correct] = metrics_.read(p.iteration);
    progress_ = training_progress{.network_name = std::move(progress_.network_name),
                                  .epoch = p.epoch, .iteration = p.iteration,
                                  .iterations_per_epoch = per_epoch_, .max_iterations = max_iterations_,
                                  .training_loss = loss,
                                  .training_accuracy = 100.0 * correct / double(batch_),
                                  .base_learn_rate = p.learn_rate,
                                  .elapsed_seconds = elapsed(),
                                  .warning = std::move(pending_warning_)};
    pending_warning_.clear();
    training_info& info = out_.info;
    info.training_loss.push_back(loss);
    info.training_accuracy.push_back(progress_.training_accuracy);
    info.base_learn_rate.push_back(p.learn_rate);
    info.epoch.push_back(p.epoch);
    info.validation_loss.push_back(training_info::nan);
    info.validation_accuracy.push_back(training_info::nan);
    const bool was_stopping = stopping_;
    if (!std::isfinite(loss)) {  // the divergence rule
      diverged_at_ = p.iteration;
      if (!stopping_) stop_ = stop_reason::diverged, stopping_ = true;
    }
    const bool validated = p.validate && !stopping_;
    if (validated) validate(p.iteration);
    hooks_.iteration(iteration_event{progress_, validated, stopping_, was_stopping}, [&](hook_result& r) { apply(r); });
    progress_.warning.clear();
  }

  // Phase "validation": figures into the history, the best network kept when asked, hooks.
  void validate(int iteration) {
    Net& net = out_.network;
    training_info& info = out_.info;
    const evaluation v = evaluate(net, ctx_, options_.validation_data, options_.mini_batch_size);
    info.validation_loss.back() = progress_.validation_loss = v.loss;
    info.validation_accuracy.back() = progress_.validation_accuracy = v.accuracy;
    const bool new_best = best_.offer(ctx_, net, v.loss, iteration);
    hooks_.validation(validation_event{progress_, new_best, best_.without_improvement()},
                      [&](hook_result& r) { apply(r); });
  }

  // A hook's answer: its warning kept for the next progress message and the history; its
  // stop request taken unless the run is already stopping or cancelled (a failure always
  // is taken). Reasons that are the run's own (diverged, cancelled, max_epochs) become hook.
  void apply(hook_result& r) {
    if (!r.warning.empty()) {
      out_.info.warnings.push_back(r.warning);
      pending_warning_ += (pending_warning_.empty() ? "" : "; ") + r.warning;
    }
    if (!r.stop) return;
    stop_request& s = *r.stop;
    if (s.reason == stop_reason::failed) {
      if (!s.cause) s.cause = std::make_exception_ptr(error(s.message.empty() ? "a hook failed" : s.message));
      if (!failure_) failure_ = std::move(s);
      stop_ = stop_reason::failed, stopping_ = true;
    } else if (!stopping_ && stop_ != stop_reason::cancelled) {
      const bool hooks_own = s.reason == stop_reason::output_fn || s.reason == stop_reason::validation_patience;
      stop_ = hooks_own ? s.reason : stop_reason::hook, stopping_ = true;
      stop_words_ = std::move(s.message);
    }
  }

  // Phase "finish": the network to return, population statistics, the final validation,
  // the finish hooks; training_error when a hook failed.
  trained<Net> finish() {
    Net& net = out_.network;
    training_info& info = out_.info;
    info.stop_reason = stop_;
    info.diverged_iteration = diverged_at_;
    const int done = int(info.training_loss.size());  // iterations queued after a divergence are not counted
    info.output_network_iteration = diverged_at_ > 0 ? diverged_at_ - 1 : done;
    if (best_.restore(ctx_, net)) info.output_network_iteration = best_.iteration();
    info.stop_message = stop_words(done);
    progress_.warning = std::move(pending_warning_);
    if (failure_) {  // no population statistics nor final validation: the run failed
      net.to(host_memory);
      info.wall_seconds = elapsed();
      hooks_.finish(finish_event{progress_, stop_, info.stop_message, info});
      throw training_error(detail::failure_text(Net::description(), failure_->message, failure_->cause),
                           std::move(out_.info), std::any(std::move(out_.network)), failure_->cause);
    }
    // A cancelled or interrupted run ends as it is: quickly, and resumable.
    const bool complete = iteration_ > 0 && stop_ != stop_reason::cancelled && stop_ != stop_reason::interrupted;
    if constexpr (Net::keeps_population_statistics) {
      if (options_.batch_normalization_statistics == batch_norm_statistics::population && complete)
        population_statistics();
    }
    if (options_.validation_data && complete) {
      const evaluation v = evaluate(net, ctx_, options_.validation_data, options_.mini_batch_size);
      info.final_validation_loss = v.loss;
      info.final_validation_accuracy = v.accuracy;
    }
    net.to(host_memory);
    info.wall_seconds = elapsed();
    progress_.iteration = done;
    progress_.validation_loss = info.final_validation_loss;  // the final figures, not the last in-training ones
    progress_.validation_accuracy = info.final_validation_accuracy;
    hooks_.finish(finish_event{progress_, stop_, info.stop_message, info});
    out_.options = record_options(options_);
    return std::move(out_);
  }
  // Batch-norm statistics of the whole training set (MATLAB's 'population').
  void population_statistics() {
    Net& net = out_.network;
    net.begin_population_statistics();
    batches_.start_epoch(order_, batch_, std::uint64_t(options_.max_epochs));
    for (std::size_t at = 0; at + batch_ <= n_; at += batch_) {
      batches_.read(at, batch_);
      net.forward(ctx_, batches_.images(), mode::population_statistics);
    }
    net.finish_population_statistics();
  }
  std::string stop_words(int done) const {
    if (stop_ == stop_reason::failed && failure_) return failure_->message;
    if (stop_ != stop_reason::diverged && !stop_words_.empty()) return stop_words_;
    detail::stop_context quoted;  // a named variable, not a braced argument: nvcc 13 misparses that here
    quoted.max_epochs = options_.max_epochs;
    quoted.validation_patience = options_.validation_patience;
    quoted.initial_learn_rate = options_.initial_learn_rate;
    return detail::stop_message(stop_, out_.info, quoted, done);
  }
  double elapsed() const { return std::chrono::duration<double>(clock::now() - start_).count(); }

  const D& data_;
  const options_type& options_;
  context& ctx_;
  std::size_t n_, batch_;
  clock::time_point start_;
  trained<Net> out_;
  typename Solver::template state<Net> solver_state_;
  backend::metrics_queue metrics_;
  backend::step_graph graph_;
  batch_source<T, D> batches_;
  buffer<int> diverged_flag_;
  random_engine shuffle_rng_;
  std::vector<std::size_t> order_;
  int per_epoch_ = 0, max_iterations_ = 0;
  bool on_device_ = false, replay_ = false;
  run_hooks hooks_;
  training_progress progress_;
  stop_reason stop_ = stop_reason::max_epochs;
  bool stopping_ = false, ran_ = false;
  std::optional<stop_request> failure_;
  std::string stop_words_, pending_warning_;
  std::deque<pending> queued_;
  detail::best_network<Net> best_{options_.output_network == output_network_mode::best_validation_loss};
  int iteration_ = 0, diverged_at_ = 0;
  // Resuming: the first epoch's first batch; the iteration of the last checkpoint.
  int start_batch_ = 0, checkpointed_at_ = 0;
  int steps_here_ = 0;  // steps this run took (a resumed one counts from its resume)
  bool resumed_ = false;
};

}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace partrain
