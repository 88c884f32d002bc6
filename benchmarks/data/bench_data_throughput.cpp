// Augmented images per second into NCHW float batches on one core, and how long a training
// loop waits for data when the datastore prefetches.
//   bench_data_throughput [digits dir (generated into a temp dir when absent)] [consumer images/s]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "partrain/data/augmented_image_datastore.hpp"
#include "partrain/data/generate_digits.hpp"
#include "partrain/data/image_datastore.hpp"

using namespace partrain::data;
using clock_type = std::chrono::steady_clock;

namespace {
double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}
void spin_for(double s) {  // a busy training step: keeps its core, as compute does
  const auto t0 = clock_type::now();
  while (seconds_since(t0) < s) {
  }
}
}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path dir = argc > 1 ? argv[1] : "";
  const double consumer_rate = argc > 2 ? std::stod(argv[2]) : 10000;
  if (dir.empty()) {
    dir = std::filesystem::temp_directory_path() / "partrain_bench_digits";
    auto t0 = clock_type::now();
    generate_digits(dir, {.seed = 1});
    std::printf("generate_digits: 10000 images in %.2f s\n", seconds_since(t0));
  }
  const image_datastore imds(dir, {.include_subfolders = true, .label_source = folder_names});
  auto t0 = clock_type::now();
  imds.preload();
  std::printf("decode %zu PNG files once: %.2f s (%.0f images/s)\n", imds.size(), seconds_since(t0),
              double(imds.size()) / seconds_since(t0));

  constexpr std::size_t batch = 128;
  const std::size_t n = imds.size() / batch * batch;
  std::vector<std::size_t> order(imds.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<float> x(batch * 28 * 28);
  std::vector<int> y(batch);
  struct config {
    const char* name;
    image_augmenter aug;
  };
  const config configs[] = {
      {"none", {}},
      {"MATLAB example: x reflection, x/y translation +-4",
       {.rand_x_reflection = true, .rand_x_translation = {-4, 4}, .rand_y_translation = {-4, 4}}},
      {"rotation +-20, scale 0.9..1.1, shear +-10, translation +-3",
       {.rand_rotation = {-20, 20}, .rand_scale = {0.9f, 1.1f}, .rand_x_shear = {-10, 10},
        .rand_x_translation = {-3, 3}, .rand_y_translation = {-3, 3}}}};
  for (const auto& c : configs) {
    const augmented_image_datastore ds({28, 28}, imds, c.aug, {.prefetch = false});
    t0 = clock_type::now();
    std::size_t images = 0;
    for (std::uint64_t epoch = 0; epoch < 3; ++epoch)
      for (std::size_t b = 0; b < n; b += batch, images += batch)
        ds.read_batch(std::span(order).subspan(b, batch), epoch, x.data(), y.data());
    std::printf("one core, augmentation %-58s %9.0f images/s\n", c.name, double(images) / seconds_since(t0));
  }

  // A training loop that consumes consumer_rate images/s: time spent waiting in read_batch.
  const double step = double(batch) / consumer_rate;
  for (bool prefetch : {false, true}) {
    const augmented_image_datastore ds({28, 28}, imds, configs[1].aug, {.prefetch = prefetch});
    double waited = 0, worst = 0;
    std::size_t batches = 0;
    t0 = clock_type::now();
    for (std::uint64_t epoch = 0; epoch < 3; ++epoch) {
      ds.start_epoch(std::span(order).first(n), batch, epoch);
      for (std::size_t b = 0; b < n; b += batch, ++batches) {
        const auto r0 = clock_type::now();
        ds.read_batch(std::span(order).subspan(b, batch), epoch, x.data(), y.data());
        const double w = seconds_since(r0);
        waited += w, worst = std::max(worst, w);
        spin_for(step);
      }
    }
    const double total = seconds_since(t0);
    std::printf("training loop at %.0f images/s, prefetch %-3s: waits %.1f us per batch (max %.1f us), "
                "%.2f%% of %.2f s\n",
                consumer_rate, prefetch ? "on" : "off", 1e6 * waited / double(batches), 1e6 * worst,
                100 * waited / total, total);
  }
  std::printf("hardware threads: %u\n", std::thread::hardware_concurrency());
}
