// Seed-CNN training throughput on one GPU: N networks, each on its own worker thread and
// stream (partrain::context), data already on the device, optionally replaying a CUDA graph
// of the whole step. Prints one JSON line: {"nets":N,"graphs":b,"images_per_second":x,...}.
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "seed_cnn_ops.hpp"

using namespace partrain;

namespace {
struct options {
  int nets = 1, batch = 128, iterations = 200, warmup = 10;
  bool graphs = true;
};

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&] {
      PARTRAIN_CHECK(i + 1 < argc, config_error, "[partrain::bench_gpu_training] option ", a, " needs a value");
      return std::string(argv[++i]);
    };
    if (a == "--nets") o.nets = std::stoi(value());
    else if (a == "--batch") o.batch = std::stoi(value());
    else if (a == "--iterations") o.iterations = std::stoi(value());
    else if (a == "--graphs") o.graphs = value() == "on";
    else fail<config_error>("[partrain::bench_gpu_training] unknown option '", a,
                            "'; expected --nets N --batch B --iterations I --graphs on|off");
  }
  PARTRAIN_CHECK(o.nets >= 1 && o.batch >= 1 && o.iterations >= 1, config_error,
                 "[partrain::bench_gpu_training] --nets, --batch and --iterations must be >= 1");
  return o;
}

// One network's run: set up, warm up (plans, workspaces, graph capture), then time.
void run(const options& o, int id, std::barrier<>& sync, double& loss) {
  context ctx(device::cuda(0), std::uint64_t(id));
  testing::seed_cnn_ops<float> ops(ctx, o.batch);
  cudaStream_t s = ctx.cuda().stream();
  std::vector<float> images(std::size_t(o.batch) * 784);
  std::vector<int> labels(o.batch);
  random_engine rng(std::uint64_t(id) + 1);
  for (int i = 0; i < o.batch; ++i) {
    labels[i] = int(rng() % 10);
    for (int j = 0; j < 784; ++j) images[std::size_t(i) * 784 + j] = float(rng.uniform(0, 1)) + 0.1f * labels[i];
  }
  backend::cuda::upload(s, images.data(), images.size(), ops.images());
  backend::cuda::upload(s, labels.data(), labels.size(), ops.labels());
  const auto init = testing::seed_cnn_ops<float>::initial_parameters(std::uint64_t(id));
  backend::cuda::upload(s, init.data(), init.size(), ops.parameters());
  double* metrics = ctx.cuda().scratch<double>(3, 2);
  auto step = [&] {
    ops.step(ctx, 0.01f);
    backend::cuda::metrics_async(ctx, o.batch, 10, ops.probabilities(), ops.labels(), metrics);
  };
  for (int i = 0; i < o.warmup; ++i) step();
  cudaGraphExec_t exec = nullptr;
  if (o.graphs) {
    cudaGraph_t g;
    PARTRAIN_CUDA_CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
    step();
    PARTRAIN_CUDA_CHECK(cudaStreamEndCapture(s, &g));
    PARTRAIN_CUDA_CHECK(cudaGraphInstantiate(&exec, g, 0));
    PARTRAIN_CUDA_CHECK(cudaGraphDestroy(g));
  }
  ctx.cuda().synchronize();
  sync.arrive_and_wait();
  for (int i = 0; i < o.iterations; ++i) {
    if (exec) PARTRAIN_CUDA_CHECK(cudaGraphLaunch(exec, s));
    else step();
  }
  ctx.cuda().synchronize();
  sync.arrive_and_wait();
  double m[2];
  backend::cuda::download(s, metrics, 2, m);
  loss = m[0];
  if (exec) PARTRAIN_CUDA_CHECK(cudaGraphExecDestroy(exec));
}
}  // namespace

int main(int argc, char** argv) try {
  const options o = parse(argc, argv);
  PARTRAIN_CHECK(gpu_count() > 0, cuda_error, "[partrain::bench_gpu_training] no CUDA device; expected one");
  std::barrier<> sync(o.nets + 1);
  std::vector<double> losses(o.nets);
  std::vector<std::thread> threads;
  std::vector<std::exception_ptr> errors(o.nets);
  for (int i = 0; i < o.nets; ++i)
    threads.emplace_back([&, i] {
      try {
        run(o, i, sync, losses[i]);
      } catch (...) {
        errors[i] = std::current_exception();
        sync.arrive_and_drop();
        sync.arrive_and_drop();
      }
    });
  sync.arrive_and_wait();  // every network set up and warmed up
  const auto t0 = std::chrono::steady_clock::now();
  sync.arrive_and_wait();  // every network done
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  const double images = double(o.nets) * o.iterations * o.batch;
  std::printf("{\"bench\":\"partrain_gpu\",\"nets\":%d,\"graphs\":%s,\"batch\":%d,\"iterations\":%d,"
              "\"seconds\":%.4f,\"images_per_second\":%.1f,\"final_loss_net0\":%.4f}\n",
              o.nets, o.graphs ? "true" : "false", o.batch, o.iterations, seconds, images / seconds, losses[0]);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "%s\n", e.what());
  return 1;
}
