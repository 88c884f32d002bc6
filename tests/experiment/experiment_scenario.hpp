// The small experiment the experiment tests run, kill and resume: 2 architectures x solver
// (sgdm with momentum, or adam) x log-uniform learn rate, 6 random trials on blob images;
// shared by the in-process tests and the child process the kill tests stop.
#pragma once

#include <chrono>
#include <filesystem>
#include <thread>

#include "../train/toy_data.hpp"
#include "partrain/experiment.hpp"
#include "partrain/parallel.hpp"

namespace test {

using tiny_mlp = partrain::network<partrain::layers::image_input<8, 8, 1>, partrain::layers::fully_connected<6>,
                                   partrain::layers::relu, partrain::layers::fully_connected<2>,
                                   partrain::layers::softmax, partrain::layers::classification>;
using experiment_architectures = partrain::type_list<small_cnn, tiny_mlp>;

inline partrain::experiment::trial_plan experiment_plan(std::size_t trials = 6, std::uint64_t seed = 3) {
  namespace ex = partrain::experiment;
  auto space = ex::search_space::over<experiment_architectures>()
                   .add("solver", ex::choice{"sgdm", "adam"})
                   .add("initial_learn_rate", ex::log_uniform{0.003, 0.05})
                   .add("momentum", ex::uniform{0.8, 0.95}, ex::only_when{"solver", "sgdm"});
  return {space, ex::random_sampling{.num_samples = trials, .seed = seed}};
}

/// ASHA for the scenario's 3 epochs: rungs at epochs 1 and 2, the better half of the
/// validation losses going on at each.
inline partrain::experiment::scheduler experiment_asha() {
  return partrain::experiment::asha{.metric = "validation_loss", .max_t = 3, .grace_period = 1, .reduction_factor = 2};
}

/// The trial function: 3 epochs, validation each epoch, a checkpoint every iteration
/// (kill tests stop it anywhere); `pause_ms` per iteration slows it for kills to land;
/// trial `diverging` gets a learn rate that diverges at once; trial `interrupting` asks for
/// an interrupt (as Ctrl-C) after iteration `interrupt_after`.
struct train_trial {
  static constexpr std::size_t none = std::size_t(-1);
  const partrain::data::image_set* train;
  const partrain::data::image_set* validation;
  int pause_ms = 0;
  std::size_t diverging = none;
  std::size_t interrupting = none;
  int interrupt_after = 0;

  template <class Net>
  partrain::trained<Net> operator()(partrain::experiment::trial_run& run, partrain::context& ctx) const {
    partrain::training_options<partrain::optim::solver_choice> options{
        .solver = run.solver(),
        .initial_learn_rate = run.index() == diverging ? 1e30 : run.get<double>("initial_learn_rate"),
        .max_epochs = 3,
        .mini_batch_size = 8,
        .shuffle = partrain::shuffle_mode::every_epoch,
        .validation_data = validation,
        .validation_frequency = 6,
        .checkpoint_frequency = 1,
        .checkpoint_frequency_unit = partrain::checkpoint_unit::iteration};
    if (pause_ms > 0 || run.index() == interrupting)
      options.output_fn = [ms = pause_ms, interrupt = run.index() == interrupting,
                           after = interrupt_after](const partrain::training_progress& p) {
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        if (interrupt && p.iteration == after) partrain::request_interrupt();
        return false;
      };
    return partrain::train_network<Net>(*train, run.options(options), ctx);
  }
};

}  // namespace test
