// The bodies of train/engine.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/train.cpp) with PARTRAIN_SEPARATE_COMPILATION. The training
// engine's phases: preparing and starting, one epoch of steps, a step, the end of an
// iteration, validation, a hook's answer, checkpoints and finishing.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <optional>
#include <string>
#include <utility>

#include "partrain/core/error.hpp"
#include "partrain/core/interrupt.hpp"
#include "partrain/train/engine.hpp"
#include "partrain/train/reporting_hooks.hpp"
#include "partrain/train/run_preparation.hpp"

namespace partrain::detail {
inline namespace PARTRAIN_ABI_NAMESPACE {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL training_engine::training_engine(training_model& model, run_settings settings, context& ctx,
                                               std::size_t n, clock::time_point started)
    : model_(model), settings_(std::move(settings)), ctx_(ctx), n_(n), batch_(settings_.mini_batch_size),
      start_(started), metrics_(ctx), shuffle_rng_(settings_.seed, 0x5348u), best_(settings_.keep_best) {
  per_epoch_ = int(n_ / batch_), max_iterations_ = per_epoch_ * settings_.max_epochs;
  info_.iterations_per_epoch = per_epoch_;
  order_.resize(n_);
  std::iota(order_.begin(), order_.end(), std::size_t(0));
  progress_ = training_progress{.network_name = model_.description(), .iterations_per_epoch = per_epoch_,
                                .max_iterations = max_iterations_};
}

PARTRAIN_DECL training_engine::~training_engine() = default;

PARTRAIN_DECL void training_engine::check_not_started(const char* what) const {
  PARTRAIN_CHECK(!ran_ && !resumed_, error, "[partrain::training_run] ", what, " after run() or resume()");
}

PARTRAIN_DECL void training_engine::run() {
  PARTRAIN_CHECK(!ran_, error, "[partrain::training_run] run() was called before; a run trains once");
  ran_ = true;
  std::optional<interrupt_handlers> signals;
  if (hooks_.has_checkpoint_hooks()) signals.emplace();
  if (!resumed_) first_start();
  to_device();
  start();
  if (interrupt_requested()) stop_.interrupted_before_first_step();
  const int first_epoch = iteration_ / per_epoch_ + 1;  // a resume mid-epoch continues that epoch
  for (int epoch = first_epoch; epoch <= settings_.max_epochs && !stop_.stopping(); ++epoch)
    if (!run_epoch(epoch)) break;
  drain(true);
  finish();
}

PARTRAIN_DECL void training_engine::check_position(const run_position& p) const {
  check_not_started("resume()");
  PARTRAIN_CHECK(p.iterations_per_epoch == per_epoch_ && p.order.size() == n_, config_error,
                 "[partrain::training_run] the checkpoint has ", p.iterations_per_epoch,
                 " iterations per epoch over ", p.order.size(), " images; this run has ", per_epoch_, " over ", n_);
  PARTRAIN_CHECK(p.epoch() <= settings_.max_epochs, config_error, "[partrain::training_options] max_epochs is ",
                 settings_.max_epochs, " but the checkpoint is at epoch ", p.epoch(), "; expected at least that");
}
PARTRAIN_DECL void training_engine::resume(run_position&& p) {
  check_position(p);
  shuffle_rng_.seek(p.shuffle_draws);
  order_ = std::move(p.order);
  iteration_ = checkpointed_at_ = p.iteration;
  start_batch_ = p.iteration % per_epoch_;
  info_ = std::move(p.history);
  best_.load(p.best_validation_loss, p.best_iteration, p.validations_without_improvement);
  start_ -= std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(p.elapsed_seconds));
  resumed_ = true;
}
PARTRAIN_DECL run_snapshot training_engine::snapshot() const {
  run_snapshot s;
  s.position = position();
  model_.save(s, best_.has_network());
  return s;
}
PARTRAIN_DECL void training_engine::restore(run_snapshot&& s, const std::string& folder) {
  check_position(s.position);
  model_.load(s, folder, best_.keeps());
  resume(std::move(s.position));
}
PARTRAIN_DECL run_position training_engine::position() const {
  run_position p;
  p.iteration = iteration_, p.iterations_per_epoch = per_epoch_;
  p.shuffle_draws = shuffle_rng_.draws(), p.order = order_;
  p.best_validation_loss = best_.loss(), p.best_iteration = best_.iteration();
  p.validations_without_improvement = best_.without_improvement();
  p.history = info_;
  p.elapsed_seconds = elapsed();
  return p;
}

// A run that does not resume: input statistics, the first shuffle.
PARTRAIN_DECL void training_engine::first_start() {
  model_.input_statistics(order_, batch_);
  if (settings_.shuffle != shuffle_mode::never) shuffle_indices(order_, shuffle_rng_);
}
// On a GPU everything runs on the worker's stream, and losses are read back a few
// iterations late (metrics_queue). A non-finite one sets the flag on the device, which
// cancels every update queued behind it: the network stays as it was before the diverged
// iteration, as on the CPU.
PARTRAIN_DECL void training_engine::to_device() {
  on_device_ = !ctx_.memory().host;
  model_.to_device();
  if (on_device_) diverged_flag_.ensure(ctx_.memory(), 1);
  replay_ = on_device_ && settings_.graphs_allowed && !model_.uses_randomness();
}
// The start hooks; a resumed run's first message says where it resumes.
PARTRAIN_DECL void training_engine::start() {
  progress_.iteration = iteration_, progress_.epoch = iteration_ == 0 ? 0 : (iteration_ - 1) / per_epoch_ + 1;
  hooks_.start(start_event{progress_}, answer());
}

// One epoch of steps and its end; false when the run was cancelled. A resumed run starts
// its first epoch where the checkpoint was.
PARTRAIN_DECL bool training_engine::run_epoch(int epoch) {
  const int first = std::exchange(start_batch_, 0);
  if (epoch > 1 && first == 0 && settings_.shuffle == shuffle_mode::every_epoch) shuffle_indices(order_, shuffle_rng_);
  // Only the batches this epoch still reads: a source reads ahead all it is told of.
  announced_first_ = first;
  model_.start_epoch(std::span<const std::size_t>(order_).subspan(std::size_t(first) * batch_,
                                                                  std::size_t(per_epoch_ - first) * batch_),
                     batch_, std::uint64_t(epoch - 1));
  for (int b = first; b < per_epoch_ && !stop_.stopping(); ++b) {
    if (ctx_.stop_requested()) {
      stop_.ask(stop_reason::cancelled);
      break;
    }
    step(epoch, b);
    // SIGTERM, Ctrl-C or request_interrupt(): the run stops after this iteration; its
    // epoch's end writes the checkpoint.
    if (interrupt_requested()) drain(true), stop_.ask(stop_reason::interrupted);
    else if (b + 1 < per_epoch_ && checkpoint_due(epoch, false)) checkpoint(epoch, false);
  }
  drain(true);
  if (stop_.cancelled()) return false;  // no epoch end (nor checkpoint) for a cancelled epoch
  // An interrupted epoch has not ended: the resumed run ends it (its hooks see it once).
  const bool interrupted = stop_.reason() == stop_reason::interrupted;
  if (!interrupted || iteration_ % per_epoch_ == 0)
    hooks_.epoch_end(epoch_event{epoch, iteration_, stop_.stopping(), stop_.reason()}, answer());
  if (interrupted || checkpoint_due(epoch, true)) checkpoint(epoch, interrupted);
  return true;
}

// Checkpoints: every checkpoint_frequency epochs (at the epoch's end) or iterations, while
// the run goes on (an interruption writes its own).
PARTRAIN_DECL bool training_engine::checkpoint_due(int epoch, bool epoch_end) const {
  if (stop_.stopping() || !hooks_.has_checkpoint_hooks()) return false;
  if (settings_.checkpoint_frequency_unit == checkpoint_unit::epoch)
    return epoch_end && epoch % settings_.checkpoint_frequency == 0;
  return iteration_ % settings_.checkpoint_frequency == 0;
}
PARTRAIN_DECL void training_engine::checkpoint(int epoch, bool interrupted) {
  drain(true);
  if (iteration_ == checkpointed_at_ || (stop_.stopping() && !interrupted)) return;
  checkpointed_at_ = iteration_;
  hooks_.checkpoint(checkpoint_event{epoch, iteration_, interrupted}, answer());
}

// Batch b of the epoch read, forward, backward, update; its metrics queued.
PARTRAIN_DECL void training_engine::step(int epoch, int b) {
  ++iteration_;
  const auto dropped = model_.read_batch(std::size_t(b - announced_first_) * batch_, batch_);
  left_out(dropped, "training");
  const double lr = settings_.learn_rate({epoch, iteration_, per_epoch_, settings_.max_epochs});
  const pending p{epoch, iteration_, lr,
                  settings_.validates && (iteration_ == 1 || iteration_ % settings_.validation_frequency == 0 ||
                                          iteration_ == max_iterations_),
                  int(batch_ - dropped.size())};
  double* m = metrics_.slot(iteration_);
  if (!on_device_) {
    // The loss is known before the update: a diverged step changes nothing.
    model_.forward();
    model_.host_metrics(m);
    if (std::isfinite(m[0])) model_.gradients(), model_.update(lr, diverged_flag_.data());
  } else {
    auto forward_backward = [&] { model_.forward(), model_.gradients(); };
    // The first iterations run plainly: they choose convolution algorithms and size the
    // workspaces, which a recording must not do. The update stays outside the recording,
    // so learn-rate schedules and Adam's step count need no new one.
    if (replay_ && dropped.empty() && ++steps_here_ > 2) graph_.run(ctx_, forward_backward);  // a full batch
    else forward_backward();
    // Backward leaves the forward's probabilities in place; the flag is set before the update.
    model_.device_metrics(m, diverged_flag_.data());
    model_.update(lr, diverged_flag_.data());
  }
  metrics_.queued(iteration_);
  queued_.push_back(p);
  drain(p.validate || !on_device_);
}

// Finishes queued iterations: all of them, or those already done plus any beyond the
// queue's depth, so the device keeps a few steps of work ahead of the host.
PARTRAIN_DECL void training_engine::drain(bool all) {
  while (!queued_.empty() && (all || int(queued_.size()) >= backend::metrics_queue::depth ||
                              metrics_.ready(queued_.front().iteration))) {
    end_of_iteration(queued_.front());
    queued_.pop_front();
  }
}

// Images the source left out of a batch (or a validation) as unreadable: named in the
// history and warned of.
PARTRAIN_DECL void training_engine::left_out(std::span<const data::dropped_image> dropped, const char* where) {
  for (const auto& d : dropped) {
    info_.skipped_files.push_back(d.file);
    auto r = hook_result::warn(concat_text(where, " at iteration ", iteration_, ": left out '", d.file, "' (",
                                           d.reason, ")"));
    take(r);
  }
}

// The end of an iteration: history, the divergence rule, validation when due, hooks.
PARTRAIN_DECL void training_engine::end_of_iteration(const pending& p) {
  if (diverged_at_ > 0) return;  // queued behind a divergence: changed nothing
  const auto [loss, correct] = metrics_.read(p.iteration);
  progress_ = training_progress{.network_name = std::move(progress_.network_name),
                                .epoch = p.epoch, .iteration = p.iteration,
                                .iterations_per_epoch = per_epoch_, .max_iterations = max_iterations_,
                                .training_loss = loss,
                                .training_accuracy = 100.0 * correct / double(p.images),
                                .base_learn_rate = p.learn_rate,
                                .elapsed_seconds = elapsed(),
                                .warning = std::move(pending_warning_)};
  pending_warning_.clear();
  info_.training_loss.push_back(loss);
  info_.training_accuracy.push_back(progress_.training_accuracy);
  info_.base_learn_rate.push_back(p.learn_rate);
  info_.epoch.push_back(p.epoch);
  info_.validation_loss.push_back(training_info::nan);
  info_.validation_accuracy.push_back(training_info::nan);
  const bool was_stopping = stop_.stopping();
  if (!std::isfinite(loss)) {  // the divergence rule
    diverged_at_ = p.iteration;
    stop_.ask(stop_reason::diverged);
  }
  const bool validated = p.validate && !stop_.stopping();
  if (validated) validate(p.iteration);
  hooks_.iteration(iteration_event{progress_, validated, stop_.stopping(), was_stopping}, answer());
  progress_.warning.clear();
}

// Validation: figures into the history, the best network kept when asked, hooks.
PARTRAIN_DECL void training_engine::validate(int iteration) {
  const evaluation v = model_.validate();
  left_out(v.left_out, "validation");
  info_.validation_loss.back() = progress_.validation_loss = v.loss;
  info_.validation_accuracy.back() = progress_.validation_accuracy = v.accuracy;
  const bool new_best = best_.offer(v.loss, iteration);
  if (new_best && best_.keeps()) model_.keep_best();
  hooks_.validation(validation_event{progress_, new_best, best_.without_improvement()}, answer());
}

// A hook's answer: its warning kept for the next progress message and the history; its
// stop request to the stop state.
PARTRAIN_DECL void training_engine::take(hook_result& r) {
  if (!r.warning.empty()) {
    info_.warnings.push_back(r.warning);
    pending_warning_ += (pending_warning_.empty() ? "" : "; ") + r.warning;
  }
  if (r.stop) stop_.ask(std::move(*r.stop));
}

// The network to return, population statistics, the final validation, the finish hooks;
// training_error when a hook failed.
PARTRAIN_DECL void training_engine::finish() {
  info_.stop_reason = stop_.reason();
  info_.diverged_iteration = diverged_at_;
  const int done = int(info_.training_loss.size());  // iterations queued after a divergence are not counted
  info_.output_network_iteration = diverged_at_ > 0 ? diverged_at_ - 1 : done;
  if (best_.has_network()) model_.restore_best(), info_.output_network_iteration = best_.iteration();
  if (stop_.reason() == stop_reason::failed && stop_.failure()) info_.stop_message = stop_.failure()->message;
  else if (stop_.reason() != stop_reason::diverged && !stop_.words().empty()) info_.stop_message = stop_.words();
  else info_.stop_message = stop_message(stop_.reason(), info_, settings_.quoted, done);
  progress_.warning = std::move(pending_warning_);
  if (const auto& failure = stop_.failure()) {  // no population statistics nor final validation: the run failed
    model_.to_host();
    info_.wall_seconds = elapsed();
    hooks_.finish(finish_event{progress_, stop_.reason(), info_.stop_message, info_});
    throw training_error(failure_text(model_.description(), failure->message, failure->cause), std::move(info_),
                         model_.release_network(), failure->cause);
  }
  complete_run(done);
}
// A run that did not fail: a cancelled or interrupted one ends as it is (quickly, and
// resumable); any other gets population statistics and the final validation.
PARTRAIN_DECL void training_engine::complete_run(int done) {
  const bool complete = iteration_ > 0 && !stop_.cancelled() && stop_.reason() != stop_reason::interrupted;
  if (complete && settings_.population_statistics && model_.keeps_population_statistics())
    left_out(model_.population_statistics(order_, batch_, std::uint64_t(settings_.max_epochs)),
             "population statistics");
  if (settings_.validates && complete) {
    const evaluation v = model_.validate();
    left_out(v.left_out, "validation");
    info_.final_validation_loss = v.loss;
    info_.final_validation_accuracy = v.accuracy;
  }
  model_.to_host();
  info_.wall_seconds = elapsed();
  progress_.iteration = done;
  progress_.validation_loss = info_.final_validation_loss;  // the final figures, not the last in-training ones
  progress_.validation_accuracy = info_.final_validation_accuracy;
  hooks_.finish(finish_event{progress_, stop_.reason(), info_.stop_message, info_});
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace partrain::detail
