// Experiment folders: save -> load round trip, the folder layout, atomic saving, and errors
// for a missing folder/trial, a wrong architecture and corrupted files.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <regex>

#include "partrain/io/experiment.hpp"
#include "temp_dir.hpp"

namespace io = partrain::io;
using partrain::io_error;

namespace {
io::trial_record make_trial(int k) {
  io::trial_record r;
  r.name = "cnn-" + std::to_string(8 * k);
  r.architecture = "conv3x3x" + std::to_string(8 * k) + "-bn-relu-fc10";
  r.solver = k % 2 ? "sgdm" : "adam";
  r.options = {{"initial_learn_rate", 0.01 * k},
               {"max_epochs", 5},
               {"mini_batch_size", 128},
               {"shuffle", "every-epoch"}};
  for (int i = 0; i < 6; ++i) {
    r.info.training_loss.push_back(2.0 / (i + 1));
    r.info.training_accuracy.push_back(15.0 * i);
    r.info.validation_loss.push_back(i % 3 == 2 ? 1.5 / i : partrain::training_info::nan);
    r.info.validation_accuracy.push_back(i % 3 == 2 ? 12.0 * i : partrain::training_info::nan);
    r.info.base_learn_rate.push_back(0.01 * k);
    r.info.epoch.push_back(1 + i / 3);
  }
  r.info.iterations_per_epoch = 3;
  r.info.final_validation_accuracy = 60;
  r.info.final_validation_loss = 0.3;
  r.info.output_network_iteration = 6;
  r.info.wall_seconds = 3.5 * k;
  r.test_accuracy = k == 2 ? partrain::training_info::nan : 91.25;
  std::vector<float> w(std::size_t(8 * k * 9));
  for (std::size_t i = 0; i < w.size(); ++i)
    w[i] = float(i) * 0.37f - 1.0f;
  std::vector<double> mean(std::size_t(8 * k), 0.125);
  r.tensors = {io::named_tensor::from<float>("conv1.weight", {8 * k, 1, 3, 3}, w),
               io::named_tensor::from<double>("bn1.running_mean", {8 * k}, mean)};
  r.metadata = {{"note", "trial " + std::to_string(k)}};
  return r;
}

std::vector<io::tensor_spec> specs(int k) {
  return {{"conv1.weight", {8 * k, 1, 3, 3}}, {"bn1.running_mean", {8 * k}}};
}
} // namespace

TEST_CASE("save_experiment -> load_experiment round trip is exact") {
  partrain::test::temp_dir dir("experiment");
  std::vector<io::trial_record> trials{make_trial(1), make_trial(2), make_trial(3)};
  auto folder = io::save_experiment(trials, dir.path, "20250131T235959");
  CHECK(folder == dir.path / "experiment-20250131T235959");
  for (const char* f :
       {"summary.json", "summary.csv", "trial-01/network.safetensors", "trial-01/training_info.csv",
        "trial-01/training_info.json", "trial-01/options.json", "trial-03/trial.json"})
    CHECK_MESSAGE(std::filesystem::is_regular_file(folder / f), f);
  // Nothing else is left behind: no temporary folders or files.
  int entries = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir.path))
    entries += e.path().filename().string().find(".tmp-") == std::string::npos;
  CHECK(entries == 1 + 2 + 3 * 6);

  auto back = io::load_experiment(folder);
  REQUIRE(back.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& a = trials[i];
    const auto& b = back[i];
    CHECK(b.name == a.name);
    CHECK(b.architecture == a.architecture);
    CHECK(b.solver == a.solver);
    CHECK(b.options == a.options);
    CHECK(b.info.training_loss == a.info.training_loss);
    CHECK(std::isnan(b.info.validation_loss[0]));
    CHECK(b.info.validation_loss[2] == a.info.validation_loss[2]);
    CHECK(b.info.epoch == a.info.epoch);
    CHECK(b.info.wall_seconds == a.info.wall_seconds);
    CHECK((std::isnan(a.test_accuracy) ? std::isnan(b.test_accuracy)
                                       : b.test_accuracy == a.test_accuracy));
    REQUIRE(b.tensors.size() == 2);
    for (const auto& t : a.tensors) {
      auto it = std::find_if(b.tensors.begin(), b.tensors.end(),
                             [&](auto& x) { return x.name == t.name; });
      REQUIRE(it != b.tensors.end());
      CHECK(*it == t); // name, shape, dtype and every byte
    }
    CHECK(b.metadata.at("note") == a.metadata.at("note"));
    CHECK(b.metadata.at("architecture") == a.architecture);
    CHECK(b.metadata.at("partrain_version") == io::partrain_version);
    CHECK_NOTHROW(io::check_compatible(b, a.architecture, specs(int(i) + 1), "x.safetensors"));
  }
  auto second = io::load_trial(folder, io::trial_index{1});  // folder trial-02
  CHECK(second.name == "cnn-16");
  {  // the deprecated 1-based overload keeps its meaning
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    CHECK(io::load_trial(folder, std::size_t(2)).name == "cnn-16");
    CHECK_THROWS_WITH_AS(io::load_trial(folder, std::size_t(0)), doctest::Contains("trial numbers start at 1"), io_error);
#pragma GCC diagnostic pop
  }

  auto summary = nlohmann::json::parse(std::ifstream(folder / "summary.json"));
  CHECK(summary["created"] == "20250131T235959");
  CHECK(summary["trials"][1]["test_accuracy"].is_null());
  CHECK(summary["trials"][0]["test_accuracy"] == 91.25);
  CHECK(summary["trials"][1]["trial"] == 2);  // numbers for people, as the folder names
  CHECK(summary["trials"][1]["trial_index"] == 1);  // indices, as in code
  CHECK(summary["trials"][1]["folder"] == "trial-02");
  std::ifstream csv(folder / "summary.csv");
  std::string header, row1;
  std::getline(csv, header);
  std::getline(csv, row1);
  CHECK(
      header ==
      "trial,folder,name,architecture,solver,initial_learn_rate,max_epochs,mini_batch_size,"
      "l2_regularization,iterations,final_validation_accuracy,final_validation_loss,test_accuracy,"
      "wall_seconds,stop_reason");
  CHECK(row1 ==
        "1,trial-01,cnn-8,conv3x3x8-bn-relu-fc10,sgdm,0.01,5,128,,6,60,0.3,91.25,3.5,max_epochs");

  // A second save with the same timestamp does not overwrite the first.
  auto again = io::save_experiment(std::span(trials).first(1), dir.path, "20250131T235959");
  CHECK(again == dir.path / "experiment-20250131T235959_2");
  CHECK(io::load_experiment(folder).size() == 3);
}

TEST_CASE("save_experiment names the folder with the local time by default") {
  partrain::test::temp_dir dir("experiment-now");
  std::vector<io::trial_record> trials{make_trial(1)};
  auto folder = io::save_experiment(trials, dir.path);
  CHECK(std::regex_match(folder.filename().string(), std::regex("experiment-20[0-9]{6}T[0-9]{6}")));
  CHECK_THROWS_WITH_AS(
      io::save_experiment(trials, dir.path, "2025-01-31"),
      doctest::Contains("timestamp '2025-01-31' is not in the form yyyyMMddTHHmmss"),
      partrain::config_error);
  CHECK_THROWS_WITH_AS(io::save_experiment(trials, dir.path / "nope"),
                       doctest::Contains("nope': parent folder does not exist"), io_error);
}

TEST_CASE("a failed save leaves no experiment folder behind") {
  partrain::test::temp_dir dir("experiment-fail");
  std::vector<io::trial_record> trials{make_trial(1), make_trial(2)};
  trials[1].tensors[0].bytes.pop_back(); // invalid: the save throws while writing trial 2
  CHECK_THROWS_AS(io::save_experiment(trials, dir.path, "20250101T000000"), partrain::config_error);
  CHECK(std::filesystem::is_empty(dir.path));
  trials[1] = make_trial(2);
  trials[1].metadata["architecture"] = "something else";
  CHECK_THROWS_WITH_AS(io::save_experiment(trials, dir.path, "20250101T000000"),
                       doctest::Contains("metadata key 'architecture' is reserved"),
                       partrain::config_error);
  CHECK(std::filesystem::is_empty(dir.path));
}

TEST_CASE("loading: missing folder, missing trial, wrong architecture, corrupted files") {
  using doctest::Contains;
  partrain::test::temp_dir dir("experiment-bad");
  std::vector<io::trial_record> trials{make_trial(1), make_trial(2)};
  auto folder = io::save_experiment(trials, dir.path, "20250101T000000");

  CHECK_THROWS_WITH_AS(io::load_experiment(dir.path / "experiment-19990101T000000"),
                       Contains("experiment-19990101T000000': no such experiment folder"),
                       io_error);
  CHECK_THROWS_WITH_AS(io::load_experiment(dir.path), Contains("summary.json is missing"),
                       io_error);
  CHECK_THROWS_WITH_AS(io::load_trial(folder, io::trial_index{2}),
                       Contains("no trial index 2; the experiment has 2 trials (indices 0..1"), io_error);

  auto r = io::load_trial(folder, io::trial_index{0});
  CHECK_THROWS_WITH_AS(
      io::check_compatible(r, "conv3x3x16-bn-relu-fc10", specs(2), "x.safetensors"),
      Contains("[partrain::io::load] 'x.safetensors': saved architecture is "
               "'conv3x3x8-bn-relu-fc10'; network is 'conv3x3x16-bn-relu-fc10'"),
      io_error);
  CHECK_THROWS_WITH_AS(
      io::check_compatible(r, r.architecture, specs(2), "x.safetensors"),
      Contains("[partrain::io::load] 'x.safetensors': tensor 'conv1.weight' is (8,1,3,3); "
               "network expects (16,1,3,3)"),
      io_error);
  auto extra = specs(1);
  extra.push_back({"fc.bias", {10}});
  CHECK_THROWS_WITH_AS(io::check_compatible(r, r.architecture, extra, "x.safetensors"),
                       Contains("tensor 'fc.bias' (10) that the network expects is missing"),
                       io_error);
  CHECK_THROWS_WITH_AS(
      io::check_compatible(r, r.architecture, std::span(extra).first(1), "x.safetensors"),
      Contains("tensor 'bn1.running_mean' (8) is not part of the network"), io_error);

  // Truncate trial 2's weights: loading names the file and the problem.
  const auto weights = folder / "trial-02" / "network.safetensors";
  std::filesystem::resize_file(weights, std::filesystem::file_size(weights) - 5);
  CHECK_THROWS_WITH_AS(io::load_trial(folder, io::trial_index{1}), Contains("network.safetensors': tensor"),
                       io_error);
  CHECK_THROWS_AS(io::load_experiment(folder), io_error);
  std::ofstream(folder / "trial-01" / "training_info.json") << "{\"iterations\": 3";
  CHECK_THROWS_WITH_AS(io::load_trial(folder, io::trial_index{0}), Contains("training_info.json': not valid JSON"),
                       io_error);
  std::filesystem::remove_all(folder / "trial-01");
  CHECK_THROWS_WITH_AS(io::load_trial(folder, io::trial_index{0}), Contains("trial-01': trial folder is missing"),
                       io_error);
  std::ofstream(folder / "summary.json") << "[]";
  CHECK_THROWS_WITH_AS(io::load_experiment(folder), Contains("summary.json': not a JSON object"),
                       io_error);
}
