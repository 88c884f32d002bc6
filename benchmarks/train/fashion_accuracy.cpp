// Test accuracy on Fashion-MNIST (Debian's dataset-fashion-mnist) of resnet<16, 2> and the
// seed CNN with one recipe, against benchmarks/peers/pytorch_fashion.py with the same: the first
// --per-label training images of each label in file order (the same images on both sides, no
// random draw to match), the full 10,000-image test set, sgdm (lr 0.05, momentum 0.9, L2 1e-4),
// mini-batch 128, shuffled every epoch, Glorot-uniform weights, zero-centred input, one core.
//   fashion_accuracy --data /usr/share/datasets/fashion-mnist [--net resnet|seed] [--per-label 1000] [--epochs 5]
// Prints one JSON line: test accuracy, wall seconds of training and of testing.
#include <partrain/partrain.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

extern "C" void openblas_set_num_threads(int);

namespace {
namespace pt = partrain;
using clock_type = std::chrono::steady_clock;

template <class Net>
void run(const std::filesystem::path& dir, const std::string& name, int per_label, int epochs) {
  const pt::data::idx_datastore all(dir / "train-images-idx3-ubyte.gz", dir / "train-labels-idx1-ubyte.gz");
  const pt::data::idx_datastore test(dir / "t10k-images-idx3-ubyte.gz", dir / "t10k-labels-idx1-ubyte.gz");
  std::vector<std::size_t> chosen;
  std::vector<int> taken(10, 0);
  for (std::size_t i = 0; i < all.size(); ++i)
    if (taken[std::size_t(all.label(i))]++ < per_label) chosen.push_back(i);
  const auto train = all.subset(chosen);
  const auto t0 = clock_type::now();
  auto result = pt::train_network<Net>(
      train, pt::training_options<pt::optim::sgdm>{.initial_learn_rate = 0.05, .max_epochs = epochs,
                                                   .mini_batch_size = 128, .shuffle = pt::shuffle_mode::every_epoch,
                                                   .l2_regularization = 1e-4, .verbose = false, .seed = 42});
  const double train_seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
  const auto t1 = clock_type::now();
  const double accuracy = pt::accuracy_percent(pt::classify(result.network, test));
  const double test_seconds = std::chrono::duration<double>(clock_type::now() - t1).count();
  std::printf("{\"peer\":\"partrain\",\"network\":\"%s\",\"training_images\":%zu,\"test_images\":%zu,\"epochs\":%d,"
              "\"test_accuracy\":%.2f,\"train_seconds\":%.1f,\"test_seconds\":%.1f,\"final_loss\":%.4f}\n",
              name.c_str(), train.size(), test.size(), epochs, accuracy, train_seconds, test_seconds,
              result.info.training_loss.back());
}
}  // namespace

int main(int argc, char** argv) try {
  openblas_set_num_threads(1);
  std::map<std::string, std::string> a{{"--net", "resnet"}, {"--per-label", "1000"}, {"--epochs", "5"},
                                       {"--data", "/usr/share/datasets/fashion-mnist"}};
  for (int i = 1; i + 1 < argc; i += 2) {
    PARTRAIN_CHECK(a.count(argv[i]), pt::config_error, "[partrain::bench::fashion_accuracy] unknown option '",
                   argv[i], "'; expected --data, --net, --per-label or --epochs");
    a[argv[i]] = argv[i + 1];
  }
  const int per_label = std::stoi(a["--per-label"]), epochs = std::stoi(a["--epochs"]);
  if (a["--net"] == "seed") run<pt::models::seed_cnn>(a["--data"], "seed_cnn", per_label, epochs);
  else if (a["--net"] == "resnet") run<pt::models::resnet<16, 2, 28, 28, 1>>(a["--data"], "resnet<16,2>", per_label, epochs);
  else pt::fail<pt::config_error>("[partrain::bench::fashion_accuracy] --net '", a["--net"], "': expected resnet or seed");
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "%s\n", e.what());
  return 1;
}
