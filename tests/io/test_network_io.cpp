// Typed experiments: trained networks saved and loaded back bit for bit, with the same
// predictions; the wrong architecture is refused naming both.
#include <doctest/doctest.h>

#include <cstring>

#include "partrain/io/network_io.hpp"
#include "partrain/partrain.hpp"
#include "temp_dir.hpp"
#include "../train/toy_data.hpp"

using namespace partrain;

TEST_CASE("save_experiment then io::load<Net> gives bit-identical weights and predictions") {
  partrain::test::temp_dir dir("network-io");
  const auto train = ::test::blobs(64, 1), val = ::test::blobs(16, 2);
  const auto options = training_options<optim::adam, schedule::piecewise>{
      .max_epochs = 2, .mini_batch_size = 16, .validation_data = &val, .verbose = false, .seed = 5};
  auto result = train_network<::test::small_cnn>(train, options);
  const auto before = classify(result.network, val);
  const std::vector<io::trial_record> records{
      io::make_trial_record("small", result, options, accuracy(before))};
  const auto folder = io::save_experiment(records, dir.path);

  auto loaded = io::load<::test::small_cnn>(folder, 1);
  CHECK(std::memcmp(loaded.network.parameters().data(), result.network.parameters().data(),
                    ::test::small_cnn::parameter_count * sizeof(float)) == 0);
  CHECK(std::memcmp(loaded.network.state().data(), result.network.state().data(),
                    ::test::small_cnn::state_count * sizeof(float)) == 0);
  CHECK(loaded.info.training_loss == result.info.training_loss);
  const auto after = classify(loaded.network, val);
  CHECK(after.predicted == before.predicted);
  CHECK(after.scores == before.scores);

  const auto saved = io::load_trial(folder, 1);
  CHECK(saved.options["solver"] == "adam");
  CHECK(saved.options["learn_rate_schedule"] == "piecewise");
  CHECK(saved.options["gradient_decay_factor"] == 0.9);
  CHECK(saved.options["validation_patience"].is_null());  // infinity
  CHECK(saved.solver == "adam");

  using other = network<layers::image_input<8, 8, 1>, layers::conv2d<3, 8, same>, layers::batch_norm,
                        layers::relu, layers::max_pool2d<2, 2>, layers::fully_connected<2>,
                        layers::softmax, layers::classification>;
  CHECK_THROWS_WITH_AS(io::load<other>(folder, 1),
                       doctest::Contains("holds the architecture 'image_input<8,8,1,zerocenter> conv2d<3,4,same,1>"),
                       io_error);
  CHECK_THROWS_AS(io::load<::test::small_cnn>(folder, 2), io_error);
  CHECK_THROWS_AS(io::load<::test::small_cnn>(dir.path / "missing", 1), io_error);
}
