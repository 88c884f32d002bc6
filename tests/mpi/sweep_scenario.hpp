// The sweep the MPI sweep tests run over ranks and on the local pool: 4 trials (2
// architectures, twice, with their own learn rates and seeds), 3 epochs of blob images, each
// trial's progress through a channel; and how a run's outcome is written for comparison.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "../experiment/experiment_scenario.hpp"
#include "partrain/io.hpp"

namespace test {

using sweep_architectures = partrain::type_list<small_cnn, tiny_mlp, small_cnn, tiny_mlp>;

struct sweep_trial {
  const partrain::data::image_set* train;
  const partrain::data::image_set* validation;
  partrain::parallel::channel<partrain::training_progress>* progress;
  int pause_ms = 0; ///< per iteration, so a stop lands mid-trial

  template <class Net> partrain::trained<Net> operator()(int trial, partrain::context& ctx) const {
    partrain::training_options<> options{.initial_learn_rate = 0.01 * (1 + trial),
                                         .max_epochs = 3,
                                         .mini_batch_size = 8,
                                         .shuffle = partrain::shuffle_mode::every_epoch,
                                         .validation_data = validation,
                                         .validation_frequency = 6,
                                         .verbose = false,
                                         .seed = std::uint64_t(10 + trial),
                                         .output_fn = progress->sender(trial)};
    if (pause_ms > 0)
      options.output_fn = [send = options.output_fn,
                           ms = pause_ms](const partrain::training_progress& p) {
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        return send(p);
      };
    return partrain::train_network<Net>(*train, options, ctx);
  }
};

/// Progress messages a channel delivered, per trial.
struct progress_count {
  std::map<int, int> messages;
  void count(partrain::parallel::channel<partrain::training_progress>& c) {
    c.after_each([this](const partrain::training_progress& p) { ++messages[p.trial]; });
  }
};

/// Writes trial `trial`'s network and history (less its wall time) to `folder`, with the
/// progress messages delivered for it: what must not depend on where the trial ran.
template <class Net>
void write_sweep_trial(const std::filesystem::path& folder, int trial, partrain::trained<Net>& r,
                       const progress_count& progress) {
  const std::string stem = (folder / ("trial-" + std::to_string(trial))).string();
  partrain::io::save_network(r.network, stem + ".safetensors");
  auto info = partrain::io::to_json(r.info);
  info.erase("wall_seconds");
  std::ofstream(stem + ".json") << info.dump() << "\n"
                                << "progress messages: " << progress.messages.at(trial) << "\n";
}

} // namespace test
