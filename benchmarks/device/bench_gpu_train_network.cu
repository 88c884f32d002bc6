// train_network of the seed CNN on one GPU, as a user runs it: N networks submitted to a
// parallel::pool with N workers (streams) on GPU 0, the in-memory images uploaded once and
// each batch gathered on the device, CUDA graphs on or off. Times iterations 10..last of every network
// (through output_fn) and prints one JSON line with the aggregate images/s.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include <partrain/partrain.hpp>

using namespace partrain;
using clock_type = std::chrono::steady_clock;

namespace {
struct options {
  int nets = 1, batch = 128, iterations = 200;
  bool graphs = true;
};

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    PARTRAIN_CHECK(i + 1 < argc, config_error, "[bench_gpu_train_network] option ", a, " needs a value");
    const std::string v = argv[++i];
    if (a == "--nets") o.nets = std::stoi(v);
    else if (a == "--batch") o.batch = std::stoi(v);
    else if (a == "--iterations") o.iterations = std::stoi(v);
    else if (a == "--graphs") o.graphs = v == "on";
    else fail<config_error>("[bench_gpu_train_network] unknown option '", a,
                            "'; expected --nets N --batch B --iterations I --graphs on|off");
  }
  PARTRAIN_CHECK(o.nets >= 1 && o.batch >= 1 && o.iterations > 20, config_error,
                 "[bench_gpu_train_network] expected --nets >= 1, --batch >= 1, --iterations > 20");
  return o;
}

// 25 batches of 28x28 images: a random prototype per class plus noise.
data::image_set synthetic(int images) {
  data::image_set s;
  s.image = {1, 1, 28, 28};
  for (int c = 0; c < 10; ++c) s.classes.push_back(std::to_string(c));
  random_engine rng(1);
  std::vector<float> protos(10 * 784), img(784);
  for (auto& p : protos) p = float(rng.uniform(0, 1));
  for (int i = 0; i < images; ++i) {
    for (int j = 0; j < 784; ++j) img[j] = protos[(i % 10) * 784 + j] + float(rng.uniform(-0.3, 0.3));
    s.push_back(img, i % 10);
  }
  return s;
}
}  // namespace

int main(int argc, char** argv) try {
  const options o = parse(argc, argv);
  PARTRAIN_CHECK(gpu_count() > 0, cuda_error, "[bench_gpu_train_network] no CUDA device; expected one");
  constexpr int per_epoch = 25;
  const auto data = synthetic(per_epoch * o.batch);
  parallel::pool pool(parallel::workers_per_gpu(o.nets));
  std::mutex m;
  std::vector<clock_type::time_point> first(o.nets), last(o.nets);
  std::vector<std::future<trained<models::seed_cnn>>> runs;
  for (int k = 0; k < o.nets; ++k) {
    training_options<optim::sgdm> t{.max_epochs = (o.iterations + per_epoch - 1) / per_epoch,
                                    .mini_batch_size = o.batch,
                                    .batch_normalization_statistics = batch_norm_statistics::moving,
                                    .verbose = false,
                                    .cuda_graphs = o.graphs,
                                    .seed = std::uint64_t(k + 1)};
    t.output_fn = [&, k](const training_progress& p) {
      const auto now = clock_type::now();
      std::lock_guard lock(m);
      if (p.state == training_state::iteration && p.iteration == 10) first[k] = now;
      if (p.state == training_state::iteration) last[k] = now;
      return false;
    };
    runs.push_back(pool.submit([&data, t](context& ctx) { return train_network<models::seed_cnn>(data, t, ctx); }));
  }
  double final_loss = 0;
  int iterations = 0;
  for (auto& r : runs) {
    const auto result = r.get();
    final_loss = result.info.training_loss.back();
    iterations = int(result.info.training_loss.size());
  }
  const auto t0 = *std::min_element(first.begin(), first.end());
  const auto t1 = *std::max_element(last.begin(), last.end());
  const double seconds = std::chrono::duration<double>(t1 - t0).count();
  const double images = double(o.nets) * (iterations - 10) * o.batch;
  std::printf("{\"bench\":\"partrain_train_network\",\"nets\":%d,\"graphs\":%s,\"batch\":%d,\"iterations\":%d,"
              "\"seconds\":%.4f,\"images_per_second\":%.1f,\"final_loss_last_net\":%.4f}\n",
              o.nets, o.graphs ? "true" : "false", o.batch, iterations, seconds, images / seconds, final_loss);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "%s\n", e.what());
  return 1;
}
