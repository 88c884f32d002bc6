// Forward + backward images/s of the seed CNN on one core (batch 128), the first figure
// the CPU backend is judged by. Prints one JSON line: the mean over all steps and the best
// step (the least disturbed by other processes on a shared machine), and which kernels ran
// (PARTRAIN_CPU_KERNELS=avx2 or =blas in the environment picks a lower tier to compare).
#include <partrain/partrain.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

extern "C" void openblas_set_num_threads(int);
extern "C" char* openblas_get_corename();

int main(int argc, char** argv) {
  openblas_set_num_threads(1);
  const int batch = 128, iterations = argc > 1 ? std::atoi(argv[1]) : 40;
  partrain::models::seed_cnn net(1);
  partrain::context ctx;
  partrain::tensor<float> x({batch, 1, 28, 28});
  partrain::random_engine rng(2);
  for (auto& v : x.span()) v = float(rng.uniform(0, 255));
  std::vector<int> labels(batch);
  for (int i = 0; i < batch; ++i) labels[i] = i % 10;
  auto step = [&] {
    net.forward(ctx, x, partrain::mode::training);
    net.backward(ctx, labels);
  };
  for (int i = 0; i < 3; ++i) step();  // warm-up: sizes buffers and workspace
  double total = 0, best = 1e30;
  for (int i = 0; i < iterations; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    step();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    total += s, best = std::min(best, s);
  }
  std::printf("{\"benchmark\":\"seed_cnn_forward_backward\",\"batch\":%d,\"iterations\":%d,"
              "\"images_per_second\":%.1f,\"best_step_images_per_second\":%.1f,"
              "\"conv_kernels\":\"%s\",\"openblas_core\":\"%s\"}\n",
              batch, iterations, batch * iterations / total, batch / best,
              partrain::backend::cpu::has_avx512()     ? "avx512"
              : partrain::backend::cpu::has_avx2_fma() ? "avx2_fma"
                                                       : "openblas", openblas_get_corename());
}
