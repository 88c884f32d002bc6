// The linear baseline on the generated digit set: multinomial logistic regression on pixels,
// trained on the 80% split and scored on the 10% test split (the seed CNN should reach 97-99.5%).
//   bench_digits_linear [digits dir (generated into a temp dir when absent)]
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "linear_baseline.hpp"
#include "partrain/data/generate_digits.hpp"
#include "partrain/data/split_each_label.hpp"

using namespace partrain::data;

int main(int argc, char** argv) {
  std::filesystem::path dir = argc > 1 ? argv[1] : "";
  if (dir.empty()) {
    dir = std::filesystem::temp_directory_path() / "partrain_bench_digits";
    generate_digits(dir, {.seed = 1});
  }
  const image_datastore imds(dir, {.include_subfolders = true, .label_source = folder_names});
  auto [train, val, test] = split_each_label(imds, 0.8, 0.1, {.seed = 42});
  const auto t0 = std::chrono::steady_clock::now();
  const double acc = test::linear_accuracy(train, test, 15);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("linear classifier (logistic regression, 15 epochs SGD) on %zu train / %zu test digits: "
              "test accuracy %.2f%% (%.1f s)\n", train.size(), test.size(), 100 * acc, s);
}
