// The search of examples/search.cpp over one list of architectures, a function template
// instantiated once per list in its own translation unit (search/cnns.cpp, search/resnet.cpp):
// each list's networks compile in parallel, and search.cpp itself stays light.
#pragma once

#include <partrain/partrain.hpp>
#if PARTRAIN_EXAMPLE_MPI
#include <partrain/mpi.hpp>
#endif

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

namespace search_example {

namespace pt = partrain;
namespace ex = partrain::experiment;
namespace fs = std::filesystem;

// The architectures searched (--architectures): each is a type, and the solver is a value
// (optim::solver_choice), so train_network is instantiated once per architecture.
using cnns = pt::type_list<pt::models::digit_cnn<4, 1>,    // cnn 4-8
                           pt::models::digit_cnn<8, 2>,    // the seed network: cnn 8-16-32
                           pt::models::digit_cnn<12, 2>>;  // cnn 12-24-48
inline const char* const cnn_names[] = {"cnn 4-8", "cnn 8-16-32", "cnn 12-24-48"};
using resnet_and_cnn = pt::type_list<pt::models::resnet<16, 2, 28, 28, 1>,  // ResNet-14: 3 stages of 2 units
                                     pt::models::digit_cnn<8, 2>>;
inline const char* const resnet_names[] = {"resnet-14", "cnn 8-16-32"};

struct flags {
  fs::path data = "DigitDataset";
  fs::path folder = "search";
  fs::path fashion;  // Fashion-MNIST's IDX files there instead of the digits
  std::string architectures = "cnns";
  std::size_t train_images = 8000;
  std::string scheduler = "asha";
  double eta = 4;
  std::size_t trials = 24;
  int epochs = 2;
  int workers = 0;  // 0: the GPUs' workers, or one per core
  std::uint64_t seed = 7;
  bool retry_failed = false;
};

/// ASHA with rungs at epoch 1, eta, eta^2 ... below the trials' last epoch; or median
/// stopping at every epoch; or none.
inline ex::scheduler scheduler_of(const flags& f) {
  if (f.scheduler == "asha")
    return ex::asha{.metric = "validation_accuracy", .max_t = double(f.epochs), .grace_period = 1,
                    .reduction_factor = f.eta};
  if (f.scheduler == "median") return ex::median_stopping{.metric = "validation_accuracy"};
  return ex::fifo{};
}

#if PARTRAIN_EXAMPLE_MPI
using world_ref = pt::mpi::world&;
#else
using world_ref = std::nullptr_t;  // no MPI: one process
#endif

/// The search over the architectures of the list (named by `names`) on the pool; returns
/// main's exit code: 0 when every trial ended and none failed.
template <class Architectures>
int search(const flags& f, const std::array<pt::data::image_datastore, 3>& parts,
           const pt::data::augmented_image_datastore& augmented, pt::parallel::pool& pool,
           [[maybe_unused]] world_ref world,
           const char* const* names) {
  const auto &train = parts[0], &validation = parts[1], &test = parts[2];
  // The search space: the architecture, the solver, its learn rate, and sgdm's momentum.
  const auto space = ex::search_space::over<Architectures>()
                         .add("solver", ex::choice{"sgdm", "adam", "rmsprop"})
                         .add("initial_learn_rate", ex::log_uniform{3e-4, 0.1})
                         .add("momentum", ex::uniform{0.8, 0.95}, ex::only_when{"solver", "sgdm"});
  const ex::trial_plan plan{space, ex::random_sampling{.num_samples = f.trials, .seed = f.seed}};
#if PARTRAIN_EXAMPLE_MPI
  const bool speaks = world.rank() == 0;  // rank 0 holds the experiment and prints
#else
  const bool speaks = true;
#endif
  const ex::scheduler scheduler = scheduler_of(f);
  if (speaks)
    std::cout << "Search: " << plan.size() << " trials of " << space.describe() << "\nScheduler: "
              << ex::describe(scheduler) << "\nData: " << train.size() << " training, " << validation.size()
              << " validation, " << test.size() << " test images\nPool: " << pool.describe()
              << "\nExperiment folder: " << f.folder.string() << "\n";
  const ex::experiment_options options{.folder = f.folder, .scheduler = scheduler, .retry_failed = f.retry_failed};
  auto train_trial = [&]<class Net>(ex::trial_run& run, pt::context& ctx) {
    const pt::training_options<pt::optim::solver_choice> options{
        .solver = run.solver(),
        .initial_learn_rate = run.get<double>("initial_learn_rate"),
        .max_epochs = f.epochs,
        .mini_batch_size = 128,
        .shuffle = pt::shuffle_mode::every_epoch,
        .validation_data = &validation,
        .validation_frequency = std::max(1, int(train.size() / 128))};  // about once an epoch
    auto trained = pt::train_network<Net>(augmented, run.options(options), ctx);
    run.report("test_accuracy", pt::accuracy_percent(pt::classify(trained.network, ctx, test)));
    return trained;
  };
#if PARTRAIN_EXAMPLE_MPI
  const std::uint64_t data = pt::fingerprint()
                                 .add_value(train.fingerprint())
                                 .add_value(validation.fingerprint())
                                 .add_value(test.fingerprint())
                                 .value();
  const auto result = pt::mpi::run_experiment<Architectures>(world, pool, plan, options, train_trial,
                                                             {.data_fingerprint = data});
  std::printf("Rank %d of %d (%s): %s\n", world.rank(), world.size(), world.node().c_str(), pool.describe().c_str());
  if (!speaks) return 0;
#else
  const auto result = ex::run_experiment<Architectures>(pool, plan, options, train_trial);
#endif

  const std::size_t left = result.count(ex::trial_status::running) + result.count(ex::trial_status::queued);
  std::cout << "\n" << result.count(ex::trial_status::finished) << " finished, "
            << result.count(ex::trial_status::stopped) << " stopped, " << result.count(ex::trial_status::failed)
            << " failed, " << left << " left" << (left ? " (run the same command again to continue)" : "") << "\n";
  double epochs = 0, seconds = 0;  // the training work spent
  for (const auto& t : result.trials)
    if (t.ended()) epochs += double(t.info.iterations()) / std::max(1, t.info.iterations_per_epoch), seconds += t.seconds;
  std::printf("Work: %.1f epochs of training in all, %.1f s of trial time\n", epochs, seconds);
  if (const auto* best = result.best())
    std::printf("Best: trial %zu (%s; %s, %s): validation accuracy %.2f%%, test accuracy %.2f%%\n",
                best->trial.index, best->folder.filename().c_str(), names[best->trial.architecture],
                best->trial.describe().c_str(),
                best->metric("validation_accuracy"), best->metric("test_accuracy"));
  std::cout << "Saved " << f.folder.string() << ": journal.jsonl, summary.csv/json, metric_vs_*.svg, "
            << "best_trials_progress.svg, trial-NN/ (network, training info, checkpoints)\n";
  return result.count(ex::trial_status::failed) == 0 && left == 0 ? 0 : 1;
}

// Each list is instantiated once, in its own translation unit.
extern template int search<cnns>(const flags&, const std::array<pt::data::image_datastore, 3>&,
                                 const pt::data::augmented_image_datastore&, pt::parallel::pool&, world_ref,
                                 const char* const*);
extern template int search<resnet_and_cnn>(const flags&, const std::array<pt::data::image_datastore, 3>&,
                                           const pt::data::augmented_image_datastore&, pt::parallel::pool&,
                                           world_ref, const char* const*);

}  // namespace search_example
