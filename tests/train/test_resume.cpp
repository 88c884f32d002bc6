// Checkpoints that resume bit for bit: a matrix of runs, each checkpointed after every
// iteration and resumed from each checkpoint (mid-epoch, at epoch ends, right after
// validations), must end exactly as the run that was never interrupted; interruptions by
// request_interrupt(), also across a pool; what a resume may and may not change.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <thread>
#include <string>
#include <vector>

#include "../io/temp_dir.hpp"
#include "partrain/data/augmented_image_datastore.hpp"
#include "partrain/data/generate_digits.hpp"
#include "partrain/data/image_datastore.hpp"
#include "partrain/io.hpp"
#include "partrain/parallel.hpp"
#include "partrain/partrain.hpp"
#include "resume_check.hpp"
#include "resume_scenarios.hpp"

namespace pt = partrain;
namespace fs = std::filesystem;

using test::check_every_resume;

namespace {
pt::data::image_set train_set() { return test::blobs(48, 4); }
}  // namespace

TEST_CASE("resume matrix: sgdm, constant learn rate, every-epoch shuffle, validation patience") {
  const auto train = train_set(), val = test::blobs(16, 5, true);  // flipped labels: patience stops it
  const pt::training_options<pt::optim::sgdm> options{
      .initial_learn_rate = 0.05, .max_epochs = 4, .mini_batch_size = 8, .shuffle = pt::shuffle_mode::every_epoch,
      .validation_data = &val, .validation_frequency = 3, .validation_patience = 3, .verbose = false, .seed = 5};
  const auto full = pt::train_network<test::small_cnn>(train, options);
  CHECK(full.info.stop_reason == pt::stop_reason::validation_patience);  // the matrix covers a patience stop
  check_every_resume<test::small_cnn>(train, options, "sgdm");
}

TEST_CASE("resume matrix: adam, piecewise schedule, dropout, best validation network") {
  const auto train = train_set(), val = test::blobs(16, 6);
  const pt::training_options<pt::optim::adam, pt::schedule::piecewise> options{
      .learn_rate_schedule = {.drop_factor = 0.5, .drop_period = 1}, .max_epochs = 3, .mini_batch_size = 8,
      .validation_data = &val, .validation_frequency = 4,
      .output_network = pt::output_network_mode::best_validation_loss, .verbose = false, .seed = 6};
  check_every_resume<test::dropout_cnn>(train, options, "adam");
}

TEST_CASE("resume matrix: rmsprop on an augmented datastore of PNG files, moving batch-norm statistics") {
  pt::test::temp_dir dir("resume-augmented");
  pt::data::generate_digits(dir.path / "digits", {.seed = 3, .count_per_class = 4});
  pt::data::image_datastore images(dir.path / "digits", {.include_subfolders = true,
                                                         .label_source = pt::data::folder_names});
  pt::data::augmented_image_datastore augmented(
      {8, 8}, images, pt::data::image_augmenter{.rand_x_reflection = true, .rand_x_translation = {-2, 2}, .seed = 4});
  using net = pt::network<pt::layers::image_input<8, 8, 1>, pt::layers::conv2d<3, 4, pt::same>,
                          pt::layers::batch_norm, pt::layers::relu, pt::layers::fully_connected<10>,
                          pt::layers::softmax, pt::layers::classification>;
  const pt::training_options<pt::optim::rmsprop> options{
      .max_epochs = 3, .mini_batch_size = 10, .shuffle = pt::shuffle_mode::every_epoch,
      .batch_normalization_statistics = pt::batch_norm_statistics::moving, .verbose = false, .seed = 7};
  check_every_resume<net>(augmented, options, "rmsprop");
}

TEST_CASE("request_interrupt: the run finishes its iteration, checkpoints, stops; resumed, it ends as the whole run") {
  pt::test::temp_dir dir("interrupt");
  const auto train = train_set(), val = test::blobs(16, 5);
  auto options = test::kill_test_options(val);
  options.max_epochs = 3, options.checkpoint_frequency_unit = pt::checkpoint_unit::epoch;
  const auto whole = pt::train_network<test::dropout_cnn>(train, options);
  options.checkpoint_path = dir.path;
  options.output_fn = [](const pt::training_progress& p) {
    if (p.iteration == 8) pt::request_interrupt();  // mid-epoch 2, no scheduled checkpoint there
    return false;
  };
  const auto stopped = pt::train_network<test::dropout_cnn>(train, options);
  pt::clear_interrupt();
  CHECK(stopped.info.stop_reason == pt::stop_reason::interrupted);
  CHECK(stopped.info.iterations() == 8);
  CHECK(stopped.info.stop_message.find("interrupted") != std::string::npos);
  const auto newest = pt::io::latest_checkpoint(dir.path);
  REQUIRE(newest);
  CHECK(newest->filename() == "checkpoint-epoch002-iteration000008");
  options.output_fn = {};
  options.resume_from = dir.path;  // a checkpoint_path folder: its newest checkpoint
  const auto resumed = pt::train_network<test::dropout_cnn>(train, options);
  CHECK(test::result_fingerprint(resumed) == test::result_fingerprint(whole));
  CHECK(resumed.info.iterations() == whole.info.iterations());
}

TEST_CASE("an interrupted epoch ends once, in the resumed run; checkpoints_to_keep counts the earlier run's") {
  pt::test::temp_dir dir("interrupt-epoch-end");
  const auto train = train_set();
  pt::training_options<pt::optim::sgdm> options{.max_epochs = 3, .mini_batch_size = 8, .verbose = false, .seed = 2};
  options.checkpoint_path = dir.path;
  options.checkpoint_frequency = 1, options.checkpoint_frequency_unit = pt::checkpoint_unit::iteration;
  options.checkpoints_to_keep = 2;
  std::vector<int> epochs_ended;
  auto run_once = [&](const pt::training_options<pt::optim::sgdm>& o) {
    pt::context ctx;
    pt::training_run<test::small_cnn, pt::data::image_set, pt::optim::sgdm, pt::schedule::none> run(train, o, ctx);
    if (!o.resume_from.empty()) pt::io::resume(run, o.resume_from);
    pt::add_standard_hooks(run);
    run.hooks().on_iteration("interrupt", [](const pt::iteration_event& e) {
      if (e.progress.iteration == 9) pt::request_interrupt();  // mid-epoch 2 (6 iterations an epoch)
      return pt::hook_result::carry_on();
    });
    run.hooks().on_epoch_end("count", [&](const pt::epoch_event& e) {
      epochs_ended.push_back(e.epoch);
      return pt::hook_result::carry_on();
    });
    return run.run();
  };
  CHECK(run_once(options).info.stop_reason == pt::stop_reason::interrupted);
  pt::clear_interrupt();
  CHECK(epochs_ended == std::vector<int>{1});
  options.resume_from = dir.path;
  CHECK(run_once(options).info.iterations() == 18);
  CHECK(epochs_ended == std::vector<int>{1, 2, 3});
  CHECK(pt::io::list_checkpoints(dir.path).size() == 2);  // the first run's 9 are pruned too
}

TEST_CASE("an interrupt reaches every running trial of a pool; each resumes to its uninterrupted result") {
  pt::test::temp_dir dir("interrupt-pool");
  const auto train = train_set();
  auto options_of = [&](int trial) {
    pt::training_options<pt::optim::sgdm> o{.initial_learn_rate = 0.02 * (trial + 1), .max_epochs = 4,
                                            .mini_batch_size = 8, .verbose = false, .seed = std::uint64_t(trial)};
    o.checkpoint_path = dir.path / ("trial-" + std::to_string(trial));
    return o;
  };
  std::vector<std::uint64_t> whole;
  for (int t = 0; t < 2; ++t) {
    auto o = options_of(t);
    o.checkpoint_path.clear();
    whole.push_back(test::result_fingerprint(pt::train_network<test::small_cnn>(train, o)));
  }
  std::atomic<int> at_iteration_3{0};
  pt::parallel::pool workers{pt::parallel::cpu_workers(2)};
  std::vector<std::future<pt::trained<test::small_cnn>>> running;
  for (int t = 0; t < 2; ++t)
    running.push_back(workers.submit([&, t](pt::context& ctx) {
      auto o = options_of(t);
      o.output_fn = [&](const pt::training_progress& p) {
        // Both trials reach iteration 3 before either is interrupted: the interrupt then
        // reaches two running trials.
        if (p.iteration == 3 && ++at_iteration_3 == 2) pt::request_interrupt();
        while (p.iteration == 3 && at_iteration_3 < 2) std::this_thread::yield();
        return false;
      };
      return pt::train_network<test::small_cnn>(train, o, ctx);
    }));
  for (auto& f : running) {
    const auto r = f.get();
    CHECK(r.info.stop_reason == pt::stop_reason::interrupted);
    CHECK(r.info.iterations() >= 3);
  }
  pt::clear_interrupt();
  for (int t = 0; t < 2; ++t) {
    auto o = options_of(t);
    REQUIRE(pt::io::latest_checkpoint(o.checkpoint_path));
    o.resume_from = o.checkpoint_path;
    CHECK(test::result_fingerprint(pt::train_network<test::small_cnn>(train, o)) == whole[std::size_t(t)]);
  }
}

TEST_CASE("a resume may train longer, change the output and checkpoint settings, and the learn rate when asked") {
  pt::test::temp_dir dir("resume-changes");
  const auto train = train_set();
  pt::training_options<pt::optim::sgdm> options{.max_epochs = 2, .mini_batch_size = 8, .verbose = false, .seed = 8};
  options.checkpoint_path = dir.path / "first";
  const auto first = pt::train_network<test::small_cnn>(train, options);
  auto longer = options;
  longer.max_epochs = 4, longer.checkpoint_path = dir.path / "second", longer.checkpoint_frequency = 2;
  longer.resume_from = dir.path / "first";
  const auto more = pt::train_network<test::small_cnn>(train, longer);
  CHECK(more.info.iterations() == 2 * first.info.iterations());
  CHECK(std::equal(first.info.training_loss.begin(), first.info.training_loss.end(), more.info.training_loss.begin()));
  CHECK(pt::io::list_checkpoints(dir.path / "second").size() == 1);  // epoch 4 only: every 2 epochs
  auto faster = longer;
  faster.initial_learn_rate = 0.05;
  CHECK_THROWS_WITH_AS(pt::train_network<test::small_cnn>(train, faster),
                       doctest::Contains("option initial_learn_rate is 0.05 but the checkpoint was trained with 0.01"),
                       pt::config_error);
  faster.resume_with_new_learn_rate = true;
  const auto r = pt::train_network<test::small_cnn>(train, faster);
  CHECK(r.info.base_learn_rate.back() == 0.05);
  CHECK(r.info.base_learn_rate.front() == 0.01);
}

TEST_CASE("a warm start trains a saved or checkpointed network with new options") {
  pt::test::temp_dir dir("warm-start");
  const auto train = train_set();
  pt::training_options<pt::optim::sgdm> options{.max_epochs = 3, .mini_batch_size = 8, .verbose = false, .seed = 9};
  options.checkpoint_path = dir.path;
  const auto first = pt::train_network<test::small_cnn>(train, options);
  const auto from_checkpoint = pt::io::load_network<test::small_cnn>(*pt::io::latest_checkpoint(dir.path));
  const pt::training_options<pt::optim::adam> fresh{.max_epochs = 1, .mini_batch_size = 8, .verbose = false, .seed = 1};
  const auto warm = pt::train_network(train, from_checkpoint, fresh);
  const auto cold = pt::train_network<test::small_cnn>(train, fresh);
  CHECK(warm.info.training_loss.front() < cold.info.training_loss.front());
  CHECK(warm.info.training_loss.front() < 0.5 * first.info.training_loss.front());
  CHECK(warm.options.find("solver") != nullptr);
  // A warm start that checkpoints, resumed: it continues from its checkpoint, not from `initial`.
  auto checkpointed = fresh;
  checkpointed.max_epochs = 2, checkpointed.checkpoint_path = dir.path / "warm";
  const auto whole = pt::train_network(train, from_checkpoint, checkpointed);
  checkpointed.resume_from = *pt::io::list_checkpoints(dir.path / "warm").begin();  // after epoch 1
  const auto resumed = pt::train_network(train, test::small_cnn(77), checkpointed);
  CHECK(test::result_fingerprint(resumed) == test::result_fingerprint(whole));
}
