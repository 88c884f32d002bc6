// training_run's phases and hooks, checkpoints' pruning, and the options a run records.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "../io/temp_dir.hpp"
#include "partrain/io.hpp"
#include "partrain/partrain.hpp"
#include "toy_data.hpp"

namespace pt = partrain;
namespace fs = std::filesystem;

namespace {
pt::training_options<> quiet(int epochs) { return {.max_epochs = epochs, .mini_batch_size = 16, .verbose = false, .seed = 3}; }
}  // namespace

TEST_CASE("training_run: hooks see every phase, in order, and one may stop the run with its reason") {
  const auto train = ::test::blobs(64, 1), validation = ::test::blobs(32, 2);
  auto options = quiet(3);
  options.validation_data = validation;
  options.validation_frequency = 2;
  pt::context ctx;
  pt::training_run<::test::small_cnn, pt::data::image_set, pt::optim::sgdm, pt::schedule::none> run(train, options, ctx);
  std::vector<std::string> seen;
  run.hooks().on_start("log", [&](const pt::start_event&) { return seen.push_back("start"), pt::hook_result{}; });
  run.hooks().on_iteration("log", [&](const pt::iteration_event& e) {
    seen.push_back("it" + std::to_string(e.progress.iteration) + (e.validated ? "v" : ""));
    return pt::hook_result{};
  });
  run.hooks().on_validation("log", [&](const pt::validation_event& e) {
    CHECK(std::isfinite(e.progress.validation_loss));
    return seen.push_back("val" + std::to_string(e.progress.iteration)), pt::hook_result{};
  });
  run.hooks().on_epoch_end("stop after epoch 2", [&](const pt::epoch_event& e) {
    seen.push_back("epoch" + std::to_string(e.epoch));
    return e.epoch == 2 ? pt::hook_result::stop_run(pt::stop_reason::hook, "enough of this trial") : pt::hook_result{};
  });
  run.hooks().on_finish("log", [&](const pt::finish_event& e) { seen.push_back("finish:" + e.message); });
  const auto result = run.run();
  const std::vector<std::string> expected{"start", "val1", "it1v", "val2", "it2v", "it3", "val4", "it4v", "epoch1",
                                          "it5", "val6", "it6v", "it7", "val8", "it8v", "epoch2",
                                          "finish:enough of this trial"};
  CHECK(seen == expected);
  CHECK(result.info.stop_reason == pt::stop_reason::hook);
  CHECK(result.info.stop_message == "enough of this trial");
  CHECK(result.info.iterations() == 8);
  CHECK(std::isfinite(result.info.final_validation_loss));  // a stopped run still finishes
}

TEST_CASE("train_network is training_run with the standard hooks: the same network, bit for bit") {
  const auto train = ::test::blobs(64, 1);
  const auto options = quiet(2);
  const auto direct = pt::train_network<::test::small_cnn>(train, options);
  pt::context ctx(pt::device::cpu(), options.seed);
  pt::training_run<::test::small_cnn, pt::data::image_set, pt::optim::sgdm, pt::schedule::none> run(train, options, ctx);
  auto by_run = run.run();
  CHECK(by_run.info.training_loss == direct.info.training_loss);
  const std::span<const float> a = direct.network.parameters(), b = by_run.network.parameters();
  CHECK(std::equal(a.begin(), a.end(), b.begin(), b.end()));
}

TEST_CASE("a hook that throws: training_error names the hook, the iteration and what it threw") {
  const auto train = ::test::blobs(64, 1);
  pt::context ctx;
  const auto options = quiet(2);
  pt::training_run<::test::small_cnn, pt::data::image_set, pt::optim::sgdm, pt::schedule::none> run(train, options, ctx);
  run.hooks().on_iteration("flaky logger", [](const pt::iteration_event& e) {
    if (e.progress.iteration == 3) throw std::runtime_error("socket closed");
    return pt::hook_result{};
  });
  try {
    run.run();
    FAIL("no training_error");
  } catch (const pt::training_error& e) {
    CHECK(std::string(e.what()).find("flaky logger threw at iteration 3 (epoch 1): socket closed") != std::string::npos);
    CHECK(e.info.stop_reason == pt::stop_reason::failed);
    CHECK(e.info.iterations() == 3);
  }
}

TEST_CASE("checkpoints_to_keep: the run keeps its last K checkpoints, the best by validation loss, and other files") {
  pt::test::temp_dir dir("keep-checkpoints");
  fs::create_directories(dir.path);
  { std::ofstream(dir.path / "notes.txt") << "mine"; }
  const auto val = ::test::blobs(16, 2, true);  // flipped labels: the validation loss is lowest early
  auto options = quiet(5);
  options.checkpoint_path = dir.path;
  options.checkpoints_to_keep = 2;
  options.validation_data = &val;
  options.validation_frequency = 2;
  const auto r = pt::train_network<::test::small_cnn>(::test::blobs(32, 1), options);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.path)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  const auto& loss = r.info.validation_loss;  // validated at iterations 1, 2, 4, 6, 8, 10; checkpoints at 2, 4, ...
  const auto best = std::size_t(std::min_element(loss.begin() + 1, loss.end(), [](double a, double b) {
                                  return !std::isnan(a) && (std::isnan(b) || a < b);
                                }) - loss.begin());
  REQUIRE(best % 2 == 1);
  REQUIRE(best < 7);  // the best is not among the last two
  CHECK(names == std::vector<std::string>{pt::io::checkpoint_name(int(best + 1) / 2, int(best + 1)),
                                          "checkpoint-epoch004-iteration000008", "checkpoint-epoch005-iteration000010",
                                          "notes.txt"});
  CHECK(r.info.warnings.empty());
  const auto last = pt::io::load_network<::test::small_cnn>(dir.path / names[2]);
  const std::span<const float> a = last.parameters(), b = r.network.parameters();
  CHECK(std::equal(a.begin(), a.end(), b.begin(), b.end()));  // no batch-norm population pass changes parameters
}

TEST_CASE("trained<Net>::options records every option and hyper-parameter; experiment folders save them") {
  pt::training_options<pt::optim::adam, pt::schedule::warmup_cosine> options{
      .solver = {.epsilon = 1e-7}, .learn_rate_schedule = {.warmup_iterations = 3, .final_fraction = 0.25},
      .max_epochs = 1, .mini_batch_size = 16, .verbose = false};
  const auto r = pt::train_network<::test::small_cnn>(::test::blobs(32, 1), options);
  const auto json = pt::io::options_json(r.options);
  CHECK(json["solver"] == "adam");
  CHECK(json["epsilon"] == 1e-7);
  CHECK(json["gradient_decay_factor"] == 0.9);
  CHECK(json["learn_rate_schedule"] == "warmup_cosine");
  CHECK(json["warmup_iterations"] == 3);  // a schedule's own fields: not picked by name one by one
  CHECK(json["final_fraction"] == 0.25);
  CHECK(json["validation_patience"].is_null());  // infinity
  CHECK(json["validation_images"].is_null());
  CHECK(json["checkpoints_to_keep"] == 0);
  CHECK(json == pt::io::options_json(options));
  const auto record = pt::io::make_trial_record("adam", const_cast<pt::trained<::test::small_cnn>&>(r));
  CHECK(record.solver == "adam");
  CHECK(record.options == json);
}

TEST_CASE("describes_every_field: a field left out of hyperparameters() is caught") {
  struct complete {
    double a = 1;
    int b = 2;
    static constexpr auto hyperparameters() {
      return std::tuple{pt::hyperparameter{"a", &complete::a}, pt::hyperparameter{"b", &complete::b}};
    }
  };
  struct forgot_one {
    double a = 1;
    double b = 2;
    static constexpr auto hyperparameters() { return std::tuple{pt::hyperparameter{"a", &forgot_one::a}}; }
  };
  static_assert(pt::describes_every_field<complete>());
  static_assert(!pt::describes_every_field<forgot_one>());
  forgot_one f;
  int seen = 0;
  pt::for_each_hyperparameter(f, [&](std::string_view name, double& v) {
    CHECK(name == "a");
    v = 5, ++seen;
  });
  CHECK(seen == 1);
  CHECK(f.a == 5);
}

TEST_CASE("add_standard_hooks gives a hand-made run train_network's table and output_fn; a run trains once") {
  const auto train = ::test::blobs(64, 1);
  std::ostringstream table;
  int calls = 0;
  auto options = quiet(1);
  options.verbose = true;
  options.verbose_stream = &table;
  options.output_fn = [&](const pt::training_progress&) { return ++calls, false; };
  pt::context ctx;
  pt::training_run<::test::small_cnn, pt::data::image_set, pt::optim::sgdm, pt::schedule::none> run(train, options, ctx);
  pt::add_standard_hooks(run);
  int mine = 0;
  run.hooks().on_iteration("mine", [&](const pt::iteration_event&) { return ++mine, pt::hook_result{}; });
  const auto r = run.run();
  CHECK(mine == 4);
  CHECK(calls == 1 + 4 + 1);  // start, 4 iterations, done
  CHECK(table.str().find("Training finished: max_epochs.") != std::string::npos);
  CHECK_THROWS_WITH_AS(run.run(), doctest::Contains("run() was called before"), pt::error);
  (void)r;
}

TEST_CASE("a hook cannot claim the run's own stop reasons: they are recorded as hook, with its words") {
  const auto train = ::test::blobs(64, 1);
  pt::context ctx;
  const auto options = quiet(2);
  pt::training_run<::test::small_cnn, pt::data::image_set, pt::optim::sgdm, pt::schedule::none> run(train, options, ctx);
  run.hooks().on_iteration("liar", [](const pt::iteration_event& e) {
    return e.progress.iteration == 2 ? pt::hook_result::stop_run(pt::stop_reason::diverged, "pretending")
                                     : pt::hook_result{};
  });
  const auto r = run.run();
  CHECK(r.info.stop_reason == pt::stop_reason::hook);
  CHECK(r.info.stop_message == "pretending");
  CHECK(r.info.diverged_iteration == 0);
  CHECK(r.info.iterations() == 2);
}

namespace {
// A source that records the epochs announced to it (a datastore that reads ahead).
struct announcing_source {
  pt::data::image_set images;
  mutable std::vector<std::uint64_t> announced;
  std::size_t size() const { return images.size(); }
  int num_classes() const { return images.num_classes(); }
  pt::dims image_dims() const { return images.image_dims(); }
  std::vector<std::string> class_names() const { return images.class_names(); }
  void read_batch(std::span<const std::size_t> i, std::uint64_t epoch, float* x, int* y) const {
    images.read_batch(i, epoch, x, y);
  }
  void start_epoch(std::span<const std::size_t> order, std::size_t, std::uint64_t epoch) const {
    if (order.empty()) ++released;  // nothing more will be read
    else announced.push_back(epoch);
  }
  mutable int released = 0;
};
}  // namespace

TEST_CASE("the data source, erased, still hears each epoch's order (read-ahead) and says what it is") {
  const announcing_source data{::test::blobs(48, 4), {}};
  const pt::training_options<> options{.max_epochs = 2, .mini_batch_size = 8, .verbose = false, .seed = 4};
  pt::train_network<::test::small_cnn>(data, options);
  // Epochs 0 and 1, then the population statistics' pass (keyed as epoch max_epochs); at the
  // end, an empty order: the source may drop what it read ahead.
  CHECK(data.announced == std::vector<std::uint64_t>{0, 1, 2});
  CHECK(data.released == 1);
  const pt::data::source_view view(data), of_set(data.images), none;
  CHECK(view.target<announcing_source>() == &data);
  CHECK(view.target<pt::data::image_set>() == nullptr);
  CHECK(of_set.target<pt::data::image_set>() == &data.images);
  CHECK(none.target<pt::data::image_set>() == nullptr);
  const std::size_t one[] = {3};
  view.start_epoch(one, 8, 5);
  of_set.start_epoch(one, 8, 5);  // an image_set has no start_epoch: nothing happens
  CHECK(data.announced.back() == 5);
}
