// Whole training steps of the seed CNN (backend ops over one arena): CPU≡CUDA, CUDA-graph
// replay ≡ plain launches, and several networks on streams of one GPU ≡ each alone.
#include "cuda_test_util.hpp"

#include <barrier>
#include <optional>
#include <string>
#include <thread>

#include "seed_cnn_ops.hpp"

using namespace partrain;
using namespace partrain::testing;

namespace {
constexpr int batch = 16;

// Learnable data: a random prototype per class plus noise, labels i % 10.
void synthetic(std::vector<float>& images, std::vector<int>& labels, std::uint64_t seed) {
  const auto protos = random_values<float>(10 * 784, seed, 0, 1);
  const auto noise = random_values<float>(batch * 784, seed + 1, -0.3, 0.3);
  images.resize(batch * 784), labels.resize(batch);
  for (int i = 0; i < batch; ++i) {
    labels[i] = i % 10;
    for (int j = 0; j < 784; ++j) images[i * 784 + j] = protos[labels[i] * 784 + j] + noise[i * 784 + j];
  }
}

// Copies host data into a network's arena (host or device, following the context).
template <class V>
void put(context& ctx, V* to, const std::vector<V>& from) {
  if (ctx.device().is_cpu()) std::copy(from.begin(), from.end(), to);
  else backend::cuda::upload(ctx.cuda().stream(), from.data(), from.size(), to);
}
template <class V>
std::vector<V> get(context& ctx, const V* from, std::size_t count) {
  std::vector<V> out(count);
  if (ctx.device().is_cpu()) std::copy_n(from, count, out.begin());
  else backend::cuda::download(ctx.cuda().stream(), from, count, out.data());
  return out;
}

struct run_result {
  std::vector<float> parameters;
  std::vector<double> losses;
};

// `steps` SGDM steps from the same start; the loss is read after each step.
run_result train(context& ctx, int steps, std::uint64_t seed, bool graph = false) {
  using net = seed_cnn_ops<float>;
  net ops(ctx, batch);
  std::vector<float> images;
  std::vector<int> labels;
  synthetic(images, labels, seed);
  put(ctx, ops.images(), images);
  put(ctx, ops.labels(), labels);
  put(ctx, ops.parameters(), net::initial_parameters(seed));
  run_result out;
  cudaGraphExec_t exec = nullptr;
  for (int s = 0; s < steps; ++s) {
    if (graph && s >= 1) {  // the first step plans shapes and allocates; later ones replay
      if (!exec) {
        cudaGraph_t g;
        PARTRAIN_CUDA_CHECK(cudaStreamBeginCapture(ctx.cuda().stream(), cudaStreamCaptureModeThreadLocal));
        ops.step(ctx, 0.01f);
        PARTRAIN_CUDA_CHECK(cudaStreamEndCapture(ctx.cuda().stream(), &g));
        PARTRAIN_CUDA_CHECK(cudaGraphInstantiate(&exec, g, 0));
        PARTRAIN_CUDA_CHECK(cudaGraphDestroy(g));
      }
      PARTRAIN_CUDA_CHECK(cudaGraphLaunch(exec, ctx.cuda().stream()));
    } else {
      ops.step(ctx, 0.01f);
    }
    out.losses.push_back(backend::cross_entropy(ctx, batch, 10, ops.probabilities(), ops.labels()));
  }
  if (exec) PARTRAIN_CUDA_CHECK(cudaGraphExecDestroy(exec));
  out.parameters = get(ctx, ops.parameters(), net::parameter_count);
  return out;
}
}  // namespace

TEST_CASE("cuda: seed CNN training steps on the GPU equal the CPU") {
  context cpu(device::cpu()), gpu(device::cuda(0));
  const run_result c = train(cpu, 5, 7), g = train(gpu, 5, 7);
  for (std::size_t s = 0; s < c.losses.size(); ++s) {
    CAPTURE(s);
    CHECK(g.losses[s] == doctest::Approx(c.losses[s]).epsilon(1e-4));
  }
  // Five steps of float rounding differences through batch norm: 1e-4 relative.
  check_close(c.parameters, g.parameters, 1e-4, "parameters after 5 steps");
  CHECK(c.losses.back() < c.losses.front());  // it learns, so the comparison is not vacuous
}

TEST_CASE("cuda: a captured CUDA graph replays the same steps as plain launches") {
  context a(device::cuda(0)), b(device::cuda(0));
  const run_result plain = train(a, 6, 9), replayed = train(b, 6, 9, true);
  CHECK(plain.losses == replayed.losses);  // deterministic algorithms: bit-identical
  CHECK(plain.parameters == replayed.parameters);
}

TEST_CASE("cuda: four networks on four streams of one GPU equal each trained alone") {
  std::vector<run_result> alone;
  for (int i = 0; i < 4; ++i) {
    context ctx(device::cuda(0));
    alone.push_back(train(ctx, 4, 100 + i));
  }
  // Plain launches on every stream, graphs on every stream, and the two mixed.
  for (int graphs : {0, 1, 2}) {
    CAPTURE(graphs);
    std::vector<run_result> together(4);
    std::vector<std::string> errors(4);
    std::vector<std::thread> threads;
    // Workers keep their contexts until all are done, as a pool's do: destroying one frees
    // pinned memory, which synchronizes the device and invalidates a graph being recorded.
    std::barrier done(4);
    for (int i = 0; i < 4; ++i)
      threads.emplace_back([&, i] {
        std::optional<context> ctx;  // one worker: its own stream and handles
        try {
          ctx.emplace(device::cuda(0));
          together[i] = train(*ctx, 4, 100 + i, graphs == 1 || (graphs == 2 && i % 2 == 1));
        } catch (const std::exception& e) {
          errors[i] = e.what();
        }
        done.arrive_and_wait();
      });
    for (auto& t : threads) t.join();
    for (int i = 0; i < 4; ++i) {
      CAPTURE(i);
      CHECK(errors[i] == "");
      if (!errors[i].empty()) continue;
      CHECK(alone[i].losses == together[i].losses);
      CHECK(alone[i].parameters == together[i].parameters);
    }
  }
}
