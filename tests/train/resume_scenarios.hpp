// The runs the resume tests interrupt and continue, shared by the in-process tests and the
// child process the kill tests stop (resume_tool), so both train exactly the same way.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "partrain/core/fingerprint.hpp"
#include "partrain/partrain.hpp"
#include "toy_data.hpp"

namespace test {

using dropout_cnn = partrain::network<
    partrain::layers::image_input<8, 8, 1>, partrain::layers::conv2d<3, 4, partrain::same>,
    partrain::layers::batch_norm, partrain::layers::relu, partrain::layers::max_pool2d<2, 2>,
    partrain::layers::dropout<>, partrain::layers::fully_connected<2>, partrain::layers::softmax,
    partrain::layers::classification>;

/// A fingerprint of everything a resumed run must reproduce bit for bit: the network's
/// parameters and state, and the history (losses, accuracies, learn rates, epochs, why it
/// stopped, which iteration's network was returned, the final validation).
template <class Net>
std::uint64_t result_fingerprint(const partrain::trained<Net>& r) {
  partrain::fingerprint f;
  f.add(r.network.parameters()).add(r.network.state());
  const auto& i = r.info;
  for (const auto* v : {&i.training_loss, &i.training_accuracy, &i.validation_loss, &i.validation_accuracy,
                        &i.base_learn_rate})
    f.add(std::span<const double>(*v));
  f.add(std::span<const int>(i.epoch));
  f.add_value(i.final_validation_loss).add_value(i.final_validation_accuracy);
  f.add_value(i.output_network_iteration).add_value(int(i.stop_reason)).add_value(i.diverged_iteration);
  for (const auto& file : i.skipped_files) f.add(file.data(), file.size());
  return f.value();
}

/// The kill tests' run: adam, piecewise, dropout, every-epoch shuffle, validation; a
/// checkpoint every iteration.
inline partrain::training_options<partrain::optim::adam, partrain::schedule::piecewise> kill_test_options(
    const partrain::data::image_set& validation) {
  return {.learn_rate_schedule = {.drop_factor = 0.5, .drop_period = 3},
          .max_epochs = 12,
          .mini_batch_size = 8,
          .shuffle = partrain::shuffle_mode::every_epoch,
          .validation_data = &validation,
          .validation_frequency = 5,
          .verbose = false,
          .checkpoint_frequency = 1,
          .checkpoint_frequency_unit = partrain::checkpoint_unit::iteration,
          .checkpoints_to_keep = 3,
          .seed = 21};
}

}  // namespace test
