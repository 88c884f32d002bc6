// A random search on the digits (or Fashion-MNIST): 3 architectures (or, with --architectures
// resnet, a ResNet and the seed CNN) x solver (sgdm with its momentum, adam, rmsprop) x a
// log-uniform learn rate, 24 trials on the pool, journaled in an experiment folder with a
// live table. ASHA stops weak trials early (--scheduler fifo trains every trial to its end).
// Kill it (Ctrl-C, or kill -9) and run the same command again: it continues where it
// stopped. Built a second time as search_mpi when MPI is found: then `mpirun -np N
// search_mpi ...` spreads the same search over N processes. The search itself is in
// search/search.hpp, instantiated once per list of architectures in search/*.cpp.
#include "search/search.hpp"

#include <cstdlib>

using namespace search_example;

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
