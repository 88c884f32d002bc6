// Typed experiments: trained networks saved and loaded back bit for bit, with the same
// predictions; the wrong architecture is refused naming both.
#include <doctest/doctest.h>

#include <cstring>
#include <functional>

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
      io::make_trial_record("small", result, options, accuracy_percent(before))};
  const auto folder = io::save_experiment(records, dir.path);

  auto loaded = io::load<::test::small_cnn>(folder, io::trial_index{0});
  CHECK(std::memcmp(loaded.network.parameters().data(), result.network.parameters().data(),
                    ::test::small_cnn::parameter_count * sizeof(float)) == 0);
  CHECK(std::memcmp(loaded.network.state().data(), result.network.state().data(),
                    ::test::small_cnn::state_count * sizeof(float)) == 0);
  CHECK(loaded.info.training_loss == result.info.training_loss);
  // The options come back as data, as trained<Net>::options recorded them.
  const auto* solver = loaded.options.find("solver");
  REQUIRE(solver != nullptr);
  CHECK(std::get<std::string>(solver->value) == "adam");
  CHECK(std::get<std::int64_t>(loaded.options.find("max_epochs")->value) == options.max_epochs);
  CHECK(std::get<double>(loaded.options.find("learn_rate_drop_factor")->value) ==
        options.learn_rate_schedule.drop_factor);
  CHECK(std::holds_alternative<std::monostate>(loaded.options.find("validation_patience")->value));
  const auto after = classify(loaded.network, val);
  CHECK(after.predicted == before.predicted);
  CHECK(after.scores == before.scores);

  const auto saved = io::load_trial(folder, io::trial_index{0});
  CHECK(saved.options["solver"] == "adam");
  CHECK(saved.options["learn_rate_schedule"] == "piecewise");
  CHECK(saved.options["gradient_decay_factor"] == 0.9);
  CHECK(saved.options["validation_patience"].is_null());  // infinity
  CHECK(saved.solver == "adam");

  using other = network<layers::image_input<8, 8, 1>, layers::conv2d<3, 8, same>, layers::batch_norm,
                        layers::relu, layers::max_pool2d<2, 2>, layers::fully_connected<2>,
                        layers::softmax, layers::classification>;
  CHECK_THROWS_WITH_AS(io::load<other>(folder, io::trial_index{0}),
                       doctest::Contains("holds the architecture 'image_input<8,8,1,zerocenter> conv2d<3,4,same,1>"),
                       io_error);
  CHECK_THROWS_AS(io::load<::test::small_cnn>(folder, io::trial_index{1}), io_error);
  CHECK_THROWS_AS(io::load<::test::small_cnn>(dir.path / "missing", io::trial_index{0}), io_error);
}

// The same tensor names and shapes, other layers: leaky_relu for relu, avg_pool for max_pool.
using look_alike = network<layers::image_input<8, 8, 1>, layers::conv2d<3, 4, same>, layers::batch_norm,
                           layers::leaky_relu<>, layers::avg_pool2d<2, 2>, layers::fully_connected<2>, layers::softmax,
                           layers::classification>;

TEST_CASE("save_network / load_network: one call each, bit for bit, and another architecture is refused") {
  partrain::test::temp_dir dir("network-file");
  const auto train = ::test::blobs(64, 1);
  auto result = train_network<::test::small_cnn>(train, training_options<>{.max_epochs = 1, .mini_batch_size = 16,
                                                                         .verbose = false, .seed = 3});
  const auto file = dir.path / "net.safetensors";
  io::save_network(result.network, file, {{"note", "first try"}});
  const auto loaded = io::load_network<::test::small_cnn>(file);
  CHECK(std::memcmp(loaded.parameters().data(), result.network.parameters().data(),
                    ::test::small_cnn::parameter_count * sizeof(float)) == 0);
  CHECK(std::memcmp(loaded.state().data(), result.network.state().data(),
                    ::test::small_cnn::state_count * sizeof(float)) == 0);
  const auto content = io::read_safetensors(file);
  CHECK(content.metadata.at("architecture") == ::test::small_cnn::description());
  CHECK(content.metadata.at("note") == "first try");

  // The same names and shapes load silently through the tensor list (it has no metadata) ...
  look_alike other(0);
  io::assign_network_tensors(other, content.tensors, file.string());
  // ... but not from the file or its content: the metadata names the architecture.
  const std::initializer_list<std::string> parts{file.string(), "another architecture",
                                                 "layer 4: the file has relu where the network has leaky_relu",
                                                 "layer 5: the file has max_pool2d<2,2", "where the network has avg_pool2d<2,2",
                                                 "io::load_tensors_by_name"};
  for (auto attempt : {std::function<void()>([&] { io::load_network<look_alike>(file); }),
                       std::function<void()>([&] { io::assign_network_tensors(other, content, file.string()); })}) {
    try {
      attempt();
      FAIL("expected io_error");
    } catch (const io_error& e) {
      for (const auto& p : parts) CHECK_MESSAGE(std::string(e.what()).find(p) != std::string::npos, p, " in ", e.what());
    }
  }
  // On purpose, by name (transfer learning): every tensor of the same name and shape.
  look_alike transfer(0);
  const auto report = io::load_tensors_by_name(transfer, content, file.string());
  CHECK(report.loaded.size() == content.tensors.size());
  CHECK(report.not_in_file.empty());
  CHECK(report.other_shape.empty());
  CHECK(std::memcmp(transfer.parameters().data(), result.network.parameters().data(),
                    look_alike::parameter_count * sizeof(float)) == 0);
  // A wider head: the convolution and batch norm load, the fully connected layer does not.
  using wider = network<layers::image_input<8, 8, 1>, layers::conv2d<3, 4, same>, layers::batch_norm, layers::relu,
                        layers::max_pool2d<2, 2>, layers::fully_connected<3>, layers::softmax, layers::classification>;
  wider head(0);
  const auto partial = io::load_tensors_by_name(head, content, file.string());
  CHECK(partial.other_shape == std::vector<std::string>{"fully_connected_1.weight", "fully_connected_1.bias"});
  CHECK_THROWS_WITH_AS(io::save_network(result.network, file, {{"architecture", "mine"}}),
                       doctest::Contains("metadata 'architecture' is 'mine'"), config_error);
}

namespace {
using plain_0_1 = network<layers::image_input<8, 8, 1>, layers::conv2d<3, 2, same>, layers::batch_norm, layers::relu,
                          layers::max_pool2d<2, 2>, layers::fully_connected<2>, layers::softmax, layers::classification>;
// small_cnn with a residual block after its first relu: the same head, tensors added between.
using residual_cnn =
    network<layers::image_input<8, 8, 1>, layers::conv2d<3, 4, same>, layers::batch_norm, layers::relu,
            layers::residual<sequence<layers::conv2d<3, 4, same>, layers::batch_norm>, layers::identity, layers::relu>,
            layers::max_pool2d<2, 2>, layers::fully_connected<2>, layers::softmax, layers::classification>;

std::string error_of(const std::function<void()>& attempt) {
  try {
    attempt();
  } catch (const io_error& e) {
    return e.what();
  }
  return "no io_error";
}
}  // namespace

TEST_CASE("a plain network's file written before residual blocks existed loads with the same names") {
  // tests/io/data/plain_network_0.1.safetensors: plain_0_1(7), saved by partrain 0.1.0 at c79f727.
  const auto loaded = io::load_network<plain_0_1>(PARTRAIN_IO_TEST_DATA "/plain_network_0.1.safetensors");
  plain_0_1 fresh(7);
  CHECK(std::memcmp(loaded.parameters().data(), fresh.parameters().data(), plain_0_1::parameter_count * sizeof(float)) == 0);
  CHECK(std::memcmp(loaded.state().data(), fresh.state().data(), plain_0_1::state_count * sizeof(float)) == 0);
}

TEST_CASE("residual networks: saved and loaded bit for bit; plain and residual files refused both ways") {
  partrain::test::temp_dir dir("residual-file");
  const auto train = ::test::blobs(64, 1);
  const training_options<> options{.max_epochs = 1, .mini_batch_size = 16, .verbose = false, .seed = 3};
  auto residual = train_network<residual_cnn>(train, options);
  auto plain = train_network<::test::small_cnn>(train, options);
  const auto residual_file = dir.path / "residual.safetensors", plain_file = dir.path / "plain.safetensors";
  io::save_network(residual.network, residual_file);
  io::save_network(plain.network, plain_file);

  const auto loaded = io::load_network<residual_cnn>(residual_file);
  CHECK(std::memcmp(loaded.parameters().data(), residual.network.parameters().data(),
                    residual_cnn::parameter_count * sizeof(float)) == 0);
  CHECK(std::memcmp(loaded.state().data(), residual.network.state().data(), residual_cnn::state_count * sizeof(float)) == 0);
  // The architecture string round-trips: written to the file, read back as the network's own.
  CHECK(io::read_safetensors(residual_file).metadata.at("architecture") == residual_cnn::description());

  const auto into_residual = error_of([&] { io::load_network<residual_cnn>(plain_file); });
  CHECK_MESSAGE(into_residual.find("first, the network's tensor 'residual_1.body.conv2d_1.weight' is not in the file") !=
                    std::string::npos, into_residual);
  CHECK_MESSAGE(into_residual.find("layer 5: the file has max_pool2d<2,2> where the network has residual<") !=
                    std::string::npos, into_residual);
  const auto into_plain = error_of([&] { io::load_network<::test::small_cnn>(residual_file); });
  // (A file lists its tensors by name: the first the network lacks is the block's first in that order.)
  CHECK_MESSAGE(into_plain.find("first, the file's tensor 'residual_1.body.batch_norm_1.offset' is not in the network") !=
                    std::string::npos, into_plain);

  // The same through an experiment folder.
  const std::vector<io::trial_record> records{io::make_trial_record("residual", residual, options)};
  const auto folder = io::save_experiment(records, dir.path);
  const auto trial = io::load<residual_cnn>(folder, io::trial_index{0});
  CHECK(std::memcmp(trial.network.parameters().data(), residual.network.parameters().data(),
                    residual_cnn::parameter_count * sizeof(float)) == 0);
  const auto experiment_into_plain = error_of([&] { io::load<::test::small_cnn>(folder, io::trial_index{0}); });
  CHECK_MESSAGE(experiment_into_plain.find("first, the file's tensor 'residual_1.body.") !=
                    std::string::npos, experiment_into_plain);
}
