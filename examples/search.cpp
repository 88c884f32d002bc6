// A random search on the digits (or Fashion-MNIST): 3 architectures (or, with --architectures
// resnet, a ResNet and the seed CNN) x solver (sgdm with its momentum, adam, rmsprop) x a
// log-uniform learn rate, 24 trials on the pool, journaled in an experiment folder with a
// live table. ASHA stops weak trials early (--scheduler fifo trains
// every trial to its end). Kill it (Ctrl-C, or kill -9) and run the same command again: it
// continues where it stopped. Built a second time as search_mpi when MPI is found: then
// `mpirun -np N search_mpi ...` spreads the same search over N processes.
#include <partrain/partrain.hpp>
#if PARTRAIN_EXAMPLE_MPI
#include <partrain/mpi.hpp>
#endif

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

namespace pt = partrain;
namespace ex = partrain::experiment;
namespace fs = std::filesystem;

// The architectures searched (--architectures): each is a type, and the solver is a value
// (optim::solver_choice), so train_network is instantiated once per architecture.
using cnns = pt::type_list<pt::models::digit_cnn<4, 1>,    // cnn 4-8
                           pt::models::digit_cnn<8, 2>,    // the seed network: cnn 8-16-32
                           pt::models::digit_cnn<12, 2>>;  // cnn 12-24-48
const char* const cnn_names[] = {"cnn 4-8", "cnn 8-16-32", "cnn 12-24-48"};
using resnet_and_cnn = pt::type_list<pt::models::resnet<16, 2, 28, 28, 1>,  // ResNet-14: 3 stages of 2 units
                                     pt::models::digit_cnn<8, 2>>;
const char* const resnet_names[] = {"resnet-14", "cnn 8-16-32"};

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

flags parse(int argc, char** argv) {
  flags f;
  auto usage = [&](int code) {
    std::printf(
        "usage: %s [--data DIR | --fashion-mnist DIR [--train-images N]] [--folder DIR] [--trials N] [--epochs N]\n"
        "          [--architectures cnns|resnet] [--scheduler asha|median|fifo] [--eta X] [--workers N]\n"
        "          [--seed N] [--retry-failed]\n"
        "  --data DIR       digit images in DIR/<label>/*.png; generated there when missing (DigitDataset)\n"
        "  --fashion-mnist DIR  Fashion-MNIST's IDX files in DIR instead (/usr/share/datasets/fashion-mnist)\n"
        "  --train-images N the training images drawn from its 60,000, per label alike (8000)\n"
        "  --architectures A  cnns: 3 CNNs, 4-8, 8-16-32 (the seed network) and 12-24-48 wide;\n"
        "                   resnet: ResNet-14 (models::resnet<16, 2> on 28x28x1) and the seed CNN (cnns)\n"
        "  --scheduler S    asha: stop weak trials at rungs (epoch 1, eta, eta^2 ... below --epochs);\n"
        "                   median: stop a trial worse than the median at each epoch; fifo: none (asha)\n"
        "  --eta X          ASHA's reduction factor: the best 1/X of trials go on at a rung (4)\n"
        "  --folder DIR     the experiment folder; an earlier run's folder resumes it (search)\n"
        "  --trials N       random trials (24)\n"
        "  --epochs N       epochs per trial (2)\n"
        "  --workers N      CPU workers; 0 = the GPUs' workers, or one per CPU core without a GPU (0)\n"
        "  --seed N         seed of the search, the data split and the augmentation (7)\n"
        "  --retry-failed   on resume, run failed trials again\n",
        argv[0]);
    std::exit(code);
  };
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") usage(0);
    if (a == "--retry-failed") {
      f.retry_failed = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "error: %s needs a value\n", a.c_str());
      usage(2);
    }
    const std::string v = argv[++i];
    try {
      if (a == "--data") f.data = v;
      else if (a == "--folder") f.folder = v;
      else if (a == "--fashion-mnist") f.fashion = v;
      else if (a == "--train-images") f.train_images = std::size_t(std::max(1, std::stoi(v)));
      else if (a == "--architectures") f.architectures = v;
      else if (a == "--scheduler") f.scheduler = v;
      else if (a == "--eta") f.eta = std::stod(v);
      else if (a == "--trials") f.trials = std::size_t(std::max(0, std::stoi(v)));
      else if (a == "--epochs") f.epochs = std::stoi(v);
      else if (a == "--workers") f.workers = std::stoi(v);
      else if (a == "--seed") f.seed = std::stoull(v);
      else {
        std::fprintf(stderr, "error: unknown option %s\n", a.c_str());
        usage(2);
      }
    } catch (const std::logic_error&) {
      std::fprintf(stderr, "error: %s expects a number, got '%s'\n", a.c_str(), v.c_str());
      usage(2);
    }
  }
  if (f.trials < 1 || f.epochs < 1 || f.workers < 0) {
    std::fprintf(stderr, "error: --trials and --epochs must be >= 1 and --workers >= 0\n");
    usage(2);
  }
  if (f.scheduler != "asha" && f.scheduler != "median" && f.scheduler != "fifo") {
    std::fprintf(stderr, "error: --scheduler is asha, median or fifo, not '%s'\n", f.scheduler.c_str());
    usage(2);
  }
  if (f.architectures != "cnns" && f.architectures != "resnet") {
    std::fprintf(stderr, "error: --architectures is cnns or resnet, not '%s'\n", f.architectures.c_str());
    usage(2);
  }
  if (f.scheduler != "fifo" && f.epochs < 2) {
    std::fprintf(stderr, "error: --scheduler %s decides after epoch 1, so it needs --epochs 2 or more; "
                 "give --scheduler fifo for 1-epoch trials\n", f.scheduler.c_str());
    usage(2);
  }
  return f;
}

/// The digits in --data, generated there on a first run.
void generate_digits_if_missing(const flags& f) {
  if (!f.fashion.empty() || fs::exists(f.data)) return;
  std::cout << "Generating the digit data set in " << f.data << " ...\n";
  pt::data::generate_digits(f.data, {.seed = 42});
}

/// Training, validation and test sets: 80/10/10 of the digits, or of Fashion-MNIST
/// --train-images drawn from its training set, a tenth as many for validation, and 2,000 of
/// its test set.
std::array<pt::data::image_datastore, 3> data_sets(const flags& f) {
  if (!f.fashion.empty()) {
    const pt::data::idx_datastore all(f.fashion / "train-images-idx3-ubyte.gz", f.fashion / "train-labels-idx1-ubyte.gz");
    const pt::data::idx_datastore tests(f.fashion / "t10k-images-idx3-ubyte.gz", f.fashion / "t10k-labels-idx1-ubyte.gz");
    const double n = double(all.size());
    auto parts = pt::data::split_each_label(all, f.train_images / n, f.train_images / 10 / n, {.seed = f.seed});
    parts[2] = pt::data::split_each_label(tests, 0.2, {.seed = f.seed})[0];
    return parts;
  }
  generate_digits_if_missing(f);
  pt::data::image_datastore imds(f.data, {.include_subfolders = true, .label_source = pt::data::folder_names});
  return pt::data::split_each_label(imds, 0.8, 0.1, {.seed = f.seed});
}

/// ASHA with rungs at epoch 1, eta, eta^2 ... below the trials' last epoch; or median
/// stopping at every epoch; or none.
ex::scheduler scheduler_of(const flags& f) {
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

int main(int argc, char** argv) try {
  const flags f = parse(argc, argv);
#if PARTRAIN_EXAMPLE_MPI
  pt::mpi::world world(&argc, &argv);
  if (world.rank() == 0) generate_digits_if_missing(f);
  MPI_Barrier(world.comm());  // before the other ranks read them
  pt::parallel::pool pool{f.workers > 0 ? pt::parallel::cpu_workers(f.workers) : world.local_pool_options()};
#else
  const std::nullptr_t world = nullptr;
  pt::parallel::pool pool{f.workers > 0 ? pt::parallel::cpu_workers(f.workers) : pt::parallel::workers_per_gpu(1)};
#endif
  const auto parts = data_sets(f);
  const pt::data::augmented_image_datastore augmented(
      {28, 28}, parts[0], {.rand_x_translation = {-2, 2}, .rand_y_translation = {-2, 2}, .seed = f.seed});
  if (f.architectures == "resnet") return search<resnet_and_cnn>(f, parts, augmented, pool, world, resnet_names);
  return search<cnns>(f, parts, augmented, pool, world, cnn_names);
} catch (const std::exception& e) {
  std::cerr << "error: " << e.what() << '\n';
  return 1;
}
