// The seed workflow end to end: generate the digits if missing, load and split them, augment,
// train a compile-time sweep of four networks in parallel with a live dashboard, then save
// the experiment, plot the training progress and report each network's test accuracy.
#include <partrain/partrain.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <type_traits>
#include <vector>

namespace pt = partrain;
namespace fs = std::filesystem;

// The sweep: depth, width and solver vary; each architecture is its own type.
using sweep = pt::type_list<pt::models::digit_cnn<8, 2>,    // the example's network
                            pt::models::digit_cnn<4, 2>,    // narrower
                            pt::models::digit_cnn<8, 1>,    // shallower
                            pt::models::digit_cnn<12, 2>>;  // wider
// Trials 0 and 2 train with sgdm, 1 and 3 with adam: chosen from the network's type at
// compile time, so each network instantiates train_network once.
template <class Net>
using solver_of = std::conditional_t<pt::index_of<Net, sweep> % 2 == 0, pt::optim::sgdm, pt::optim::adam>;
const std::vector<std::string> trial_names{"cnn 8-16-32 sgdm", "cnn 4-8-16 adam", "cnn 8-16 sgdm",
                                           "cnn 12-24-48 adam"};

struct flags {
  fs::path data = "DigitDataset";
  fs::path output = ".";
  int epochs = 8;
  int workers = 0;  // 0: one per GPU, else one per core
  int per_gpu = 1;  // workers (streams) per GPU
  std::uint64_t seed = 42;
};

flags parse(int argc, char** argv) {
  flags f;
  auto usage = [&](int code) {
    std::printf(
        "usage: %s [--data DIR] [--epochs N] [--workers N] [--per-gpu K] [--seed N] [--output DIR]\n"
        "  --data DIR     digit images in DIR/<label>/*.png; generated there when missing (DigitDataset)\n"
        "  --epochs N     training epochs per network (8)\n"
        "  --workers N    CPU workers; 0 = the GPUs' workers, or one per CPU core without a GPU (0)\n"
        "  --per-gpu K    workers per GPU, each on its own stream, so K networks overlap on one GPU (1)\n"
        "  --seed N       seed of the data split, weights and augmentation (42)\n"
        "  --output DIR   where the experiment-YYYYMMDDTHHMMSS folder is written (.)\n",
        argv[0]);
    std::exit(code);
  };
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") usage(0);
    if (i + 1 >= argc) {
      std::fprintf(stderr, "error: %s needs a value\n", a.c_str());
      usage(2);
    }
    const std::string v = argv[++i];
    try {
      if (a == "--data") f.data = v;
      else if (a == "--output") f.output = v;
      else if (a == "--epochs") f.epochs = std::stoi(v);
      else if (a == "--workers") f.workers = std::stoi(v);
      else if (a == "--per-gpu") f.per_gpu = std::stoi(v);
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
  if (f.epochs < 1 || f.workers < 0 || f.per_gpu < 1) {
    std::fprintf(stderr, "error: --epochs and --per-gpu must be >= 1 and --workers >= 0\n");
    usage(2);
  }
  return f;
}

int main(int argc, char** argv) try {
  const flags f = parse(argc, argv);
  if (!fs::exists(f.data)) {
    std::cout << "Generating the digit data set in " << f.data << " ...\n";
    pt::data::generate_digits(f.data, {.seed = f.seed});
  }
  pt::data::image_datastore imds(f.data, {.include_subfolders = true, .label_source = pt::data::folder_names});
  // Named references rather than a structured binding, which lambdas capture only from clang 16.
  const auto parts = pt::data::split_each_label(imds, 0.8, 0.1, {.seed = f.seed});
  const auto &train = parts[0], &validation = parts[1], &test = parts[2];
  std::cout << "Data: " << imds.size() << " images, " << imds.num_classes() << " classes; split "
            << train.size() << " / " << validation.size() << " / " << test.size()
            << " (train / validation / test, randomized per label with seed " << f.seed << ")\n";
  pt::data::augmented_image_datastore augmented(
      {28, 28}, train,
      pt::data::image_augmenter{.rand_x_reflection = true, .rand_x_translation = {-4, 4},
                                .rand_y_translation = {-4, 4}, .seed = f.seed});

  pt::parallel::pool pool{f.workers > 0 ? pt::parallel::cpu_workers(f.workers) : pt::parallel::workers_per_gpu(f.per_gpu)};
  std::cout << "Pool: " << pool.describe() << "\n";
  pt::parallel::channel<pt::training_progress> queue;
  pt::report::dashboard dashboard{std::cout, int(pt::size<sweep>), {.names = trial_names}};
  queue.after_each([&](const pt::training_progress& p) { dashboard.update(p); });

  // Every trial validates 4 times an epoch.
  auto options = [&]<class Solver>(int trial, Solver) {
    return pt::training_options<Solver, pt::schedule::piecewise>{
        .learn_rate_schedule = {.drop_factor = 0.2, .drop_period = std::max(1, f.epochs * 3 / 4)},
        .max_epochs = f.epochs,
        .mini_batch_size = 128,
        .shuffle = pt::shuffle_mode::every_epoch,
        .validation_data = &validation,
        .validation_frequency = int(train.size() / 128 / 4),
        .verbose = false,
        .seed = f.seed + std::uint64_t(trial),
        .output_fn = queue.sender(trial)};
  };
  auto futures = pt::parallel::submit_each<sweep>(pool, [&]<class Net>(int trial, pt::context& ctx) {
    return pt::train_network<Net>(augmented, options(trial, solver_of<Net>{}), ctx);
  });
  // Every trial's outcome: a failed trial is reported and the others are kept.
  auto outcomes = pt::parallel::fetch_outcomes(futures, trial_names);
  queue.close();
  dashboard.flush();

  // Test accuracy, confusion matrices, the experiment folder and the progress figure.
  std::vector<pt::io::trial_record> records;
  std::vector<pt::report::confusion_matrix> confusions;
  std::vector<std::string> failures;
  pt::for_each(outcomes, [&](auto& outcome, std::size_t trial) {
    if (!outcome.ok()) return failures.push_back(outcome.describe());
    auto& r = outcome.value();
    const auto p = pt::classify(r.network, test);
    confusions.push_back(pt::report::confusion_matrix::from(p));
    records.push_back(pt::io::make_trial_record(trial_names[trial], r, pt::accuracy_percent(p)));  // r.options: as trained
  });
  for (const auto& failure : failures) std::cerr << "error: " << failure << '\n';
  if (records.empty()) return 1;
  fs::create_directories(f.output);
  const fs::path dir = pt::io::save_experiment(records, f.output);
  pt::report::plot_training_progress(records, dir / "progress.svg");
  std::vector<pt::training_info> infos;
  for (const auto& r : records) infos.push_back(r.info);
  pt::io::write_tensorboard(dir / "tensorboard", infos, trial_names);

  std::size_t best = 0;
  for (std::size_t i = 1; i < records.size(); ++i)
    if (records[i].test_accuracy > records[best].test_accuracy) best = i;
  pt::report::plot_confusion_matrix(confusions[best], dir / "confusion_matrix.svg",
                                    "Test set: " + records[best].name);
  std::printf("\n%-4s %-20s %-7s %9s %12s %10s %s\n", "", "network", "solver", "val acc", "test acc",
              "time (s)", "stop");
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    std::printf("%-4s %-20s %-7s %8.2f%% %11.2f%% %10.1f %s\n", i == best ? "best" : "", r.name.c_str(),
                r.solver.c_str(), r.info.final_validation_accuracy, r.test_accuracy, r.info.wall_seconds,
                std::string(pt::to_string(r.info.stop_reason)).c_str());
  }
  std::cout << "\nSaved " << dir.string() << " (networks as .safetensors, training info as CSV/JSON, "
            << "summary, progress.svg, confusion_matrix.svg, TensorBoard logs)\n";
  return failures.empty() ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "error: " << e.what() << '\n';
  return 1;
}
