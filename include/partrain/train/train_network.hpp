// train_network<Net>(data, options[, context]): MATLAB's trainNetwork for a typed network.
#pragma once

#include <any>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <deque>
#include <exception>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "partrain/core/context.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/filesystem.hpp"
#include "partrain/core/random.hpp"
#include "partrain/data/data_source.hpp"
#include "partrain/io/network_file.hpp"
#include "partrain/layers/image_input.hpp"
#include "partrain/network.hpp"
#include "partrain/optim.hpp"
#include "partrain/train/batch_reader.hpp"
#include "partrain/train/batch_source.hpp"
#include "partrain/train/evaluate.hpp"
#include "partrain/train/metrics_queue.hpp"
#include "partrain/train/run_reporter.hpp"
#include "partrain/train/step_graph.hpp"
#include "partrain/train/training_info.hpp"
#include "partrain/train/training_options.hpp"

namespace partrain {

/// What train_network returns: the trained network and its training history.
template <class Net>
struct trained {
  Net network;
  training_info info;
};

/// Thrown by train_network when its output_fn throws. The message says where (network,
/// iteration, epoch) and what output_fn threw; `info` holds the history up to that
/// iteration, network<Net>() the network as that iteration left it, `cause` output_fn's
/// exception. Not a template, so it can be caught without knowing the network's type.
struct training_error : error {
  training_error(const std::string& what, training_info run_so_far, std::any net, std::exception_ptr why)
      : error(what), info(std::move(run_so_far)), cause(std::move(why)), network_(std::move(net)) {}
  training_info info;
  std::exception_ptr cause;
  /// The network as the failed iteration left it; nullptr when it is not a Net.
  template <class Net>
  const Net* network() const {
    return std::any_cast<Net>(&network_);
  }

 private:
  std::any network_;
};

namespace detail {
/// Fisher-Yates with partrain's generator: the same permutation on every platform.
inline void shuffle_indices(std::vector<std::size_t>& order, random_engine& rng) {
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
}

template <class Net>
constexpr bool needs_input_statistics =
    partrain::type_at<0, typename Net::layer_types>::norm != layers::normalization::none;

template <class Net>
void save_checkpoint(Net& net, const std::filesystem::path& dir, int epoch, int iteration) {
  partrain::detail::create_folders(dir, "partrain::train_network checkpoint");
  char name[64];
  std::snprintf(name, sizeof name, "checkpoint-epoch%03d-iteration%06d.safetensors", epoch, iteration);
  io::save_network(net, dir / name, {{"epoch", std::to_string(epoch)}, {"iteration", std::to_string(iteration)}});
}
}  // namespace detail

/// Trains a new Net (initialized from options.seed) on `data` with the options' solver
/// and schedule, on the context's device. Validates every option and the data's shape
/// before the first iteration (config_error / shape_error). Stops at max_epochs, when
/// validation loss has not improved `validation_patience` times, when output_fn returns
/// true, when the context's stop token is set (cancelled), or when the loss is not finite
/// (diverged: no update is made from that iteration's gradients; on a GPU, which reports
/// losses a few iterations late, the device cancels the updates queued behind it, so the
/// result and the history end as on the CPU). Batch-norm statistics of
/// the returned network are then recomputed over the training data (population, as MATLAB)
/// unless options.batch_normalization_statistics is moving.
template <class Net, data::source D, class Solver, class Schedule>
trained<Net> train_network(const D& data, const training_options<Solver, Schedule>& options, context& ctx) {
  using T = typename Net::value_type;
  using clock = detail::run_reporter::clock;
  constexpr const char* where = "partrain::train_network";
  options.validate();
  detail::warn_if_unoptimized();
  check_data_fits<typename Net::input_shape>(data, Net::num_classes, where, "training data");
  if (options.validation_data)
    check_data_fits<typename Net::input_shape>(options.validation_data, Net::num_classes, where,
                                               "validation_data");
  const std::size_t n = data.size(), batch = std::size_t(options.mini_batch_size);
  PARTRAIN_CHECK(batch <= n, config_error, "[partrain::training_options] mini_batch_size is ", batch,
                 " but the training data has only ", n, " images; expected at most ", n);
  PARTRAIN_CHECK(!(options.execution_environment == execution_environment::gpu && ctx.device().is_cpu()),
                 config_error, "[partrain::training_options] execution_environment is gpu but this "
                 "worker's device is cpu (no CUDA device, or the program was not compiled with nvcc)");
  const auto start = clock::now();
  trained<Net> out{Net(options.seed), {}};
  Net& net = out.network;
  training_info& info = out.info;
  const dims image = data.image_dims();
  const int per_epoch = int(n / batch), max_iterations = per_epoch * options.max_epochs;
  info.iterations_per_epoch = per_epoch;
  batch_reader<T> reader;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t(0));

  if constexpr (detail::needs_input_statistics<Net>) {
    net.reset_input_statistics();
    for (std::size_t at = 0; at < n; at += batch) {
      const std::size_t count = std::min(batch, n - at);
      reader.read(data, std::span(order).subspan(at, count), 0, image);
      net.accumulate_input_statistics(reader.images());
    }
    net.finish_input_statistics();
  }

  // On a GPU everything below runs on the worker's stream: the network and solver state
  // move to its device, and losses are read back a few iterations late (metrics_queue).
  const bool on_device = !ctx.memory().host;
  net.to(ctx.memory());
  typename Solver::template state<Net> solver_state(ctx.memory());
  metrics_queue metrics(ctx);
  step_graph graph;
  batch_source<T, D> batches(ctx, data, Net::num_classes);
  // A GPU's loss is read a few iterations late. A non-finite one sets this flag on the
  // device, which cancels every update queued behind it: the network stays as it was before
  // the diverged iteration, as on the CPU (solvers whose step takes the flag; all built-in).
  constexpr bool cancellable = requires(typename Net::value_type* w, const int* flag) {
    options.solver.step(ctx, solver_state, std::span(w, 1), std::span<const typename Net::value_type>(w, 1), 0.0, flag);
  };
  buffer<int> diverged_flag;
  if (on_device && cancellable) diverged_flag.ensure(ctx.memory(), 1);
  const bool replay = on_device && options.cuda_graphs && !Net::has_dropout &&
                      (!std::isfinite(options.gradient_threshold) ||
                       options.gradient_threshold_method == optim::gradient_threshold_method::absolute_value);
  random_engine shuffle_rng(options.seed, 0x5348u);
  if (options.shuffle != shuffle_mode::never) detail::shuffle_indices(order, shuffle_rng);

  training_progress progress{.network_name = Net::description(),
                             .iterations_per_epoch = per_epoch,
                             .max_iterations = max_iterations};
  detail::run_reporter reporter(options.output_fn, options.verbose ? options.verbose_stream : nullptr,
                               options.verbose_frequency, int(batch), start);
  stop_reason stop = stop_reason::max_epochs;
  bool stopping = false;
  // Calls output_fn; true when it asks to stop. When it throws, the run stops as failed.
  auto report = [&](training_state state) {
    const bool stop_asked = reporter.report(progress, state);
    if (reporter.failed()) stop = stop_reason::failed, stopping = true;
    return stop_asked;
  };

  tensor<T> best_params, best_state;
  double best_loss = std::numeric_limits<double>::infinity();
  int best_iteration = 0, non_improving = 0, iteration = 0, diverged_at = 0;
  reporter.header();
  if (report(training_state::start)) stop = stop_reason::output_fn, stopping = true;

  // Iterations queued on the device whose loss has not been read yet.
  struct pending {
    int epoch, iteration;
    double learn_rate;
    bool validate;
  };
  std::deque<pending> queued;
  // Records a finished iteration: history, divergence, validation, table and output_fn.
  auto finish = [&](const pending& p) {
    if (diverged_at > 0 && (cancellable || !on_device)) return;  // queued behind a divergence: changed nothing
    const auto [loss, correct] = metrics.read(p.iteration);
    progress = training_progress{.network_name = std::move(progress.network_name),
                                 .epoch = p.epoch, .iteration = p.iteration,
                                 .iterations_per_epoch = per_epoch, .max_iterations = max_iterations,
                                 .training_loss = loss,
                                 .training_accuracy = 100.0 * correct / double(batch),
                                 .base_learn_rate = p.learn_rate,
                                 .elapsed_seconds = reporter.elapsed()};
    info.training_loss.push_back(loss);
    info.training_accuracy.push_back(progress.training_accuracy);
    info.base_learn_rate.push_back(p.learn_rate);
    info.epoch.push_back(p.epoch);
    info.validation_loss.push_back(training_info::nan);
    info.validation_accuracy.push_back(training_info::nan);
    const bool was_stopping = stopping;
    if (!std::isfinite(loss)) {
      diverged_at = p.iteration;
      if (!stopping) stop = stop_reason::diverged, stopping = true;
    }
    const bool validate = p.validate && !stopping;
    if (validate) {
      const evaluation v = evaluate(net, ctx, options.validation_data, options.mini_batch_size);
      info.validation_loss.back() = progress.validation_loss = v.loss;
      info.validation_accuracy.back() = progress.validation_accuracy = v.accuracy;
      if (v.loss < best_loss) {
        best_loss = v.loss, best_iteration = p.iteration, non_improving = 0;
        if (options.output_network == output_network_mode::best_validation_loss) {
          best_params.resize({1, 1, 1, int(Net::parameter_count)}, ctx.memory());
          best_state.resize({1, 1, 1, int(Net::state_count)}, ctx.memory());
          backend::copy(ctx, net.parameters().data(), Net::parameter_count, best_params.data());
          backend::copy(ctx, net.state().data(), Net::state_count, best_state.data());
        }
      } else if (++non_improving >= options.validation_patience) {
        stop = stop_reason::validation_patience, stopping = true;
      }
    }
    reporter.row(progress, validate || stopping);
    if (!was_stopping && report(training_state::iteration) && !stopping) stop = stop_reason::output_fn, stopping = true;
  };
  // Finishes queued iterations: all of them, or those already done plus any beyond the
  // queue's depth, so the device keeps a few steps of work ahead of the host.
  auto drain = [&](bool all) {
    while (!queued.empty() && (all || int(queued.size()) >= metrics_queue::depth ||
                               metrics.ready(queued.front().iteration))) {
      finish(queued.front());
      queued.pop_front();
    }
  };
  // Gradients of the current batch (forward already ran), regularized and clipped.
  auto gradients = [&] {
    net.backward(ctx, batches.labels());
    optim::add_l2_regularization(ctx, net, options.l2_regularization);
    optim::clip_gradients(ctx, net, options.gradient_threshold, options.gradient_threshold_method);
  };
  auto update = [&](double lr) {
    if constexpr (cancellable)
      options.solver.step(ctx, solver_state, net.parameters(), net.gradients(), lr, diverged_flag.data());
    else
      options.solver.step(ctx, solver_state, net.parameters(), net.gradients(), lr);
  };

  for (int epoch = 1; epoch <= options.max_epochs && !stopping; ++epoch) {
    if (epoch > 1 && options.shuffle == shuffle_mode::every_epoch) detail::shuffle_indices(order, shuffle_rng);
    batches.start_epoch(order, batch, std::uint64_t(epoch - 1));
    for (int b = 0; b < per_epoch && !stopping; ++b) {
      if (ctx.stop_requested()) {
        stop = stop_reason::cancelled;
        break;
      }
      ++iteration;
      batches.read(std::size_t(b) * batch, batch);
      const double lr = options.learn_rate_schedule(options.initial_learn_rate,
                                                    {epoch, iteration, per_epoch, options.max_epochs});
      const pending p{epoch, iteration, lr,
                      options.validation_data && (iteration == 1 || iteration % options.validation_frequency == 0 ||
                                                  iteration == max_iterations)};
      double* m = metrics.slot(iteration);
      if (!on_device) {
        // The loss is known before the update: a diverged step changes nothing.
        net.forward(ctx, batches.images(), mode::training);
        m[0] = net.loss(ctx, batches.labels());
        m[1] = net.correct(ctx, batches.labels());
        if (std::isfinite(m[0])) gradients(), update(lr);
      } else {
        auto forward_backward = [&] {
          net.forward(ctx, batches.images(), mode::training);
          gradients();
        };
        // The first iterations run plainly: they choose convolution algorithms and size
        // the workspaces, which a graph recording must not do. The update stays outside the
        // graph, so learn-rate schedules and Adam's step count need no new recording.
        if (replay && iteration > 2) graph.run(ctx, forward_backward);
        else forward_backward();
        // Backward leaves the forward's probabilities in place; the flag is set before the update.
        backend::batch_metrics(ctx, int(batch), Net::num_classes, net.output().data(), batches.labels().data(), m,
                               diverged_flag.data());
        update(lr);
      }
      metrics.queued(iteration);
      queued.push_back(p);
      drain(p.validate || !on_device);
    }
    drain(true);
    if (!options.checkpoint_path.empty() && stop != stop_reason::cancelled) {
      if (on_device) {
        Net host_copy = net;
        host_copy.to(host_memory);
        detail::save_checkpoint(host_copy, options.checkpoint_path, epoch, iteration);
      } else {
        detail::save_checkpoint(net, options.checkpoint_path, epoch, iteration);
      }
    }
    if (stop == stop_reason::cancelled) break;
  }
  drain(true);

  info.stop_reason = stop;
  info.diverged_iteration = diverged_at;
  const int done = int(info.training_loss.size());  // iterations queued after a divergence are not counted
  info.output_network_iteration = diverged_at > 0 && (cancellable || !on_device) ? diverged_at - 1 : done;
  if (options.output_network == output_network_mode::best_validation_loss && best_iteration > 0) {
    backend::copy(ctx, best_params.data(), Net::parameter_count, net.parameters().data());
    backend::copy(ctx, best_state.data(), Net::state_count, net.state().data());
    info.output_network_iteration = best_iteration;
  }
  detail::stop_context quoted;  // a named variable, not a braced argument: nvcc 13 misparses that here
  quoted.max_epochs = options.max_epochs;
  quoted.validation_patience = options.validation_patience;
  quoted.initial_learn_rate = options.initial_learn_rate;
  info.stop_message = detail::stop_message(stop, info, quoted, done);
  if (reporter.failed()) {  // no population statistics nor final validation: the run failed
    net.to(host_memory);
    info.wall_seconds = reporter.elapsed();
    reporter.finish(progress, stop, info.stop_message);
    throw training_error(reporter.failure(Net::description()), std::move(out.info), std::any(std::move(out.network)),
                         reporter.error());
  }
  if constexpr (Net::has_batch_norm) {
    if (options.batch_normalization_statistics == batch_norm_statistics::population && iteration > 0 &&
        stop != stop_reason::cancelled) {
      net.begin_population_statistics();
      batches.start_epoch(order, batch, std::uint64_t(options.max_epochs));
      for (std::size_t at = 0; at + batch <= n; at += batch) {
        batches.read(at, batch);
        net.forward(ctx, batches.images(), mode::population_statistics);
      }
      net.finish_population_statistics();
    }
  }
  if (options.validation_data && iteration > 0) {
    const evaluation v = evaluate(net, ctx, options.validation_data, options.mini_batch_size);
    info.final_validation_loss = v.loss;
    info.final_validation_accuracy = v.accuracy;
  }
  net.to(host_memory);
  info.wall_seconds = reporter.elapsed();
  progress.iteration = done;
  progress.validation_loss = info.final_validation_loss;  // the final figures, not the last in-training ones
  progress.validation_accuracy = info.final_validation_accuracy;
  reporter.finish(progress, stop, info.stop_message);
  return out;
}

/// The same on a CPU context of its own (seeded from options.seed).
template <class Net, data::source D, class Solver, class Schedule>
trained<Net> train_network(const D& data, const training_options<Solver, Schedule>& options) {
  context ctx(device::cpu(), options.seed);
  return train_network<Net>(data, options, ctx);
}

}  // namespace partrain
