// train_network: learning, reproducibility, validation records, option and data errors.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <sstream>

#include "partrain/partrain.hpp"
#include "toy_data.hpp"

using namespace partrain;
using test::small_cnn;

TEST_CASE("train_network learns the blobs and records MATLAB's training info") {
  const auto train = test::blobs(256, 1), val = test::blobs(64, 2);
  std::ostringstream log;
  auto result = train_network<small_cnn>(
      train, training_options<optim::sgdm>{.max_epochs = 4, .mini_batch_size = 32, .validation_data = &val,
                                            .validation_frequency = 10, .verbose_frequency = 8,
                                            .verbose_stream = &log, .seed = 3});
  const auto& info = result.info;
  CHECK(info.iterations_per_epoch == 8);
  CHECK(info.iterations() == 32);
  CHECK(info.stop_reason == stop_reason::max_epochs);
  CHECK(info.output_network_iteration == 32);
  CHECK(info.epoch.front() == 1);
  CHECK(info.epoch.back() == 4);
  for (int i = 0; i < info.iterations(); ++i) {
    const bool validated = i + 1 == 1 || (i + 1) % 10 == 0 || i + 1 == 32;
    CHECK(std::isnan(info.validation_loss[i]) == !validated);
    CHECK(info.base_learn_rate[i] == 0.01);
  }
  CHECK(info.final_validation_accuracy == 100.0);
  CHECK(info.training_loss.back() < info.training_loss.front() / 3);
  CHECK(info.wall_seconds > 0);
  CHECK(accuracy_fraction(classify(result.network, val)) == 1.0);
  CHECK(accuracy_percent(classify(result.network, val)) == 100.0);
  const std::string table = log.str();
  CHECK(table.find("|  Epoch  |  Iteration  |  Time Elapsed  |") != std::string::npos);
  CHECK(table.find("|       4 |          32 |") != std::string::npos);
  CHECK(table.find("Training finished: max_epochs.") != std::string::npos);
}

TEST_CASE("same seed, same result: bit-identical training info and weights") {
  const auto train = test::blobs(128, 4), val = test::blobs(32, 5);
  auto run = [&](std::uint64_t seed) {
    return train_network<small_cnn>(train, training_options<optim::adam, schedule::piecewise>{
                                               .learn_rate_schedule = {.drop_period = 1},
                                               .max_epochs = 3, .mini_batch_size = 16,
                                               .shuffle = shuffle_mode::every_epoch, .validation_data = &val,
                                               .validation_frequency = 5, .verbose = false, .seed = seed});
  };
  auto a = run(9), b = run(9), c = run(10);
  auto same_bits = [](const std::vector<double>& x, const std::vector<double>& y) {
    return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) == 0;
  };
  CHECK(same_bits(a.info.training_loss, b.info.training_loss));
  CHECK(same_bits(a.info.validation_loss, b.info.validation_loss));
  CHECK(std::memcmp(a.network.parameters().data(), b.network.parameters().data(),
                    small_cnn::parameter_count * sizeof(float)) == 0);
  CHECK(std::memcmp(a.network.state().data(), b.network.state().data(), small_cnn::state_count * sizeof(float)) == 0);
  CHECK_FALSE(same_bits(a.info.training_loss, c.info.training_loss));
  CHECK(a.info.base_learn_rate[7] == doctest::Approx(0.001));   // epoch 1
  CHECK(a.info.base_learn_rate[8] == doctest::Approx(0.0001));  // epoch 2: dropped by 0.1
}

TEST_CASE("invalid options and mismatched data fail before any training") {
  const auto train = test::blobs(64, 1);
  int calls = 0;
  auto opts = [&] {
    return training_options<>{.mini_batch_size = 16, .verbose = false,
                              .output_fn = [&](const training_progress&) { ++calls; return false; }};
  };
  auto expect = [&](auto o, const std::string& message) {
    CHECK_THROWS_WITH_AS(train_network<small_cnn>(train, o), message.c_str(), config_error);
  };
  auto o = opts();
  o.mini_batch_size = 0;
  expect(o, "[partrain::training_options] mini_batch_size is 0; expected at least 1");
  o = opts();
  o.initial_learn_rate = -0.1;
  expect(o, "[partrain::training_options] initial_learn_rate is -0.1; expected a positive number");
  o = opts();
  o.validation_patience = 5;
  expect(o, "[partrain::training_options] validation_patience is 5 but no validation_data is given; "
            "set validation_data or leave validation_patience at infinity");
  o = opts();
  o.mini_batch_size = 65;
  expect(o, "[partrain::training_options] mini_batch_size is 65 but the training data has only 64 "
            "images; expected at most 64");
  o = opts();
  o.max_epochs = 0;
  expect(o, "[partrain::training_options] max_epochs is 0; expected at least 1");
  o = opts();
  o.output_network = output_network_mode::best_validation_loss;
  expect(o, "[partrain::training_options] output_network is best_validation_loss but no validation_data is given");
  o = opts();
  o.execution_environment = execution_environment::gpu;
  CHECK_THROWS_AS(train_network<small_cnn>(train, o), config_error);

  data::image_set wrong = train;
  wrong.image = {1, 1, 4, 16};
  CHECK_THROWS_WITH_AS(train_network<small_cnn>(wrong, opts()),
                       "[partrain::train_network] training data images are 4x16x1; the network's "
                       "image_input expects 8x8x1",
                       shape_error);
  data::image_set three = train;
  three.classes.push_back("third");
  CHECK_THROWS_WITH_AS(train_network<small_cnn>(three, opts()),
                       "[partrain::train_network] training data has 3 classes; the network's "
                       "classification layer has 2",
                       shape_error);
  CHECK(calls == 0);  // nothing started
}

TEST_CASE("checkpoints: one checkpoint folder per epoch, its network readable as a safetensors file") {
  const auto train = test::blobs(64, 1);
  const auto dir = std::filesystem::temp_directory_path() / "partrain_test_checkpoints";
  std::filesystem::remove_all(dir);
  auto result = train_network<small_cnn>(train, training_options<>{.max_epochs = 3, .mini_batch_size = 16,
                                                                   .verbose = false, .checkpoint_path = dir});
  std::vector<std::filesystem::path> folders;
  for (const auto& e : std::filesystem::directory_iterator(dir)) folders.push_back(e.path());
  std::sort(folders.begin(), folders.end());
  REQUIRE(folders.size() == 3);
  CHECK(folders.back().filename() == "checkpoint-epoch003-iteration000012");
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(folders.back())) files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  CHECK(files == std::vector<std::string>{"network.safetensors", "solver.safetensors", "state.json"});
  small_cnn restored(99);
  const auto file = folders.back() / "network.safetensors";
  io::assign_network_tensors(restored, io::read_safetensors(file).tensors, file.string());
  CHECK(std::memcmp(restored.parameters().data(), result.network.parameters().data(),
                    small_cnn::parameter_count * sizeof(float)) == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("population batch-norm statistics are the statistics of the whole training set") {
  const auto train = test::blobs(64, 1);
  auto opts = training_options<>{.max_epochs = 2, .mini_batch_size = 16, .verbose = false};
  auto population = train_network<small_cnn>(train, opts);
  opts.batch_normalization_statistics = batch_norm_statistics::moving;
  auto moving = train_network<small_cnn>(train, opts);
  CHECK(std::memcmp(population.network.parameters().data(), moving.network.parameters().data(),
                    small_cnn::parameter_count * sizeof(float)) == 0);
  // One training-mode pass over all 64 images at once computes the population statistics
  // as its batch statistics; blending them into stored population statistics changes nothing.
  std::vector<float> before(population.network.state().begin(), population.network.state().end());
  tensor<float> all({64, 1, 8, 8});
  std::copy(train.pixels.begin(), train.pixels.end(), all.data());
  context ctx;
  population.network.forward(ctx, all, mode::training);
  int checked = 0;
  population.network.for_each_state([&](const auto& s) {
    if (!s.name.starts_with("batch_norm")) return;
    const std::size_t at = std::size_t(s.value.data() - population.network.state().data());
    for (std::size_t i = 0; i < s.value.size(); ++i, ++checked)
      CHECK(s.value[i] == doctest::Approx(before[at + i]).epsilon(1e-4));
  });
  CHECK(checked == 8);
  CHECK(std::memcmp(before.data(), moving.network.state().data(), before.size() * sizeof(float)) != 0);
}
