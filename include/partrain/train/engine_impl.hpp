// The training engine's phases (engine.hpp declares them and includes this at its end): one
// epoch of steps, a step, the end of an iteration, validation, a hook's answer, checkpoints
// and finishing.
#pragma once

namespace partrain::detail {
inline namespace PARTRAIN_ABI_NAMESPACE {

// One epoch of steps and its end; false when the run was cancelled. A resumed run starts
// its first epoch where the checkpoint was.
inline bool training_engine::run_epoch(int epoch) {
  const int first = std::exchange(start_batch_, 0);
  if (epoch > 1 && first == 0 && settings_.shuffle == shuffle_mode::every_epoch) shuffle_indices(order_, shuffle_rng_);
  model_.start_epoch(order_, batch_, std::uint64_t(epoch - 1));
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
inline bool training_engine::checkpoint_due(int epoch, bool epoch_end) const {
  if (stop_.stopping() || !hooks_.has_checkpoint_hooks()) return false;
  if (settings_.checkpoint_frequency_unit == checkpoint_unit::epoch)
    return epoch_end && epoch % settings_.checkpoint_frequency == 0;
  return iteration_ % settings_.checkpoint_frequency == 0;
}
inline void training_engine::checkpoint(int epoch, bool interrupted) {
  drain(true);
  if (iteration_ == checkpointed_at_ || (stop_.stopping() && !interrupted)) return;
  checkpointed_at_ = iteration_;
  hooks_.checkpoint(checkpoint_event{epoch, iteration_, interrupted}, answer());
}

// Batch b of the epoch read, forward, backward, update; its metrics queued.
inline void training_engine::step(int epoch, int b) {
  ++iteration_;
  model_.read_batch(std::size_t(b) * batch_, batch_);
  const double lr = settings_.learn_rate({epoch, iteration_, per_epoch_, settings_.max_epochs});
  const pending p{epoch, iteration_, lr,
                  settings_.validates && (iteration_ == 1 || iteration_ % settings_.validation_frequency == 0 ||
                                          iteration_ == max_iterations_)};
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
    if (replay_ && ++steps_here_ > 2) graph_.run(ctx_, forward_backward);
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
inline void training_engine::drain(bool all) {
  while (!queued_.empty() && (all || int(queued_.size()) >= backend::metrics_queue::depth ||
                              metrics_.ready(queued_.front().iteration))) {
    end_of_iteration(queued_.front());
    queued_.pop_front();
  }
}

// The end of an iteration: history, the divergence rule, validation when due, hooks.
inline void training_engine::end_of_iteration(const pending& p) {
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
inline void training_engine::validate(int iteration) {
  const evaluation v = model_.validate();
  info_.validation_loss.back() = progress_.validation_loss = v.loss;
  info_.validation_accuracy.back() = progress_.validation_accuracy = v.accuracy;
  const bool new_best = best_.offer(v.loss, iteration);
  if (new_best && best_.keeps()) model_.keep_best();
  hooks_.validation(validation_event{progress_, new_best, best_.without_improvement()}, answer());
}

// A hook's answer: its warning kept for the next progress message and the history; its
// stop request to the stop state.
inline void training_engine::take(hook_result& r) {
  if (!r.warning.empty()) {
    info_.warnings.push_back(r.warning);
    pending_warning_ += (pending_warning_.empty() ? "" : "; ") + r.warning;
  }
  if (r.stop) stop_.ask(std::move(*r.stop));
}

// The network to return, population statistics, the final validation, the finish hooks;
// training_error when a hook failed.
inline void training_engine::finish() {
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
inline void training_engine::complete_run(int done) {
  const bool complete = iteration_ > 0 && !stop_.cancelled() && stop_.reason() != stop_reason::interrupted;
  if (complete && settings_.population_statistics && model_.keeps_population_statistics())
    model_.population_statistics(order_, batch_, std::uint64_t(settings_.max_epochs));
  if (settings_.validates && complete) {
    const evaluation v = model_.validate();
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

}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace partrain::detail
