// Forward + backward images/s of the seed CNN on one core (batch 128), the first figure
// the CPU backend is judged by. Prints one JSON line.
#include <partrain/partrain.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

extern "C" void openblas_set_num_threads(int);

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
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) step();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("{\"benchmark\":\"seed_cnn_forward_backward\",\"batch\":%d,\"iterations\":%d,"
              "\"images_per_second\":%.1f}\n", batch, iterations, batch * iterations / s);
}
