// Per-layer forward and backward times of the seed CNN (batch 128, float, one core), and
// GFLOP/s of its convolutions. Runs the layer impls the network runs. Prints JSON lines.
#include <partrain/partrain.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" void openblas_set_num_threads(int);

namespace {
using namespace partrain;
using namespace partrain::layers;

constexpr int batch = 128;
int repeats = 20;

template <class F>
double best_ms(F f) {  // best of `repeats` runs: the least disturbed by a busy machine
  f();
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

// Times one layer on random input; flops_fwd / flops_bwd are per image (0: not reported).
template <class Layer, class In>
void time_layer(context& ctx, const std::string& label, double flops_fwd, double flops_bwd,
                bool need_dx, double* total) {
  using impl_t = typename Layer::template impl<In, float>;
  using Out = typename Layer::template output_shape<In>;
  impl_t impl;
  std::vector<float> x(batch * In::size), y(batch * Out::size), dy(batch * Out::size), dx(batch * In::size);
  std::size_t np = 0, ns = 0;
  for (const auto& s : impl_t::parameters) np += s.size();
  for (const auto& s : impl_t::states) ns += s.size();
  std::vector<float> params(np + 1, 0.1f), grads(np + 1), state(ns + 1, 1.0f);
  random_engine rng(3);
  for (auto& v : x) v = float(rng.uniform(-1, 1));
  for (auto& v : dy) v = float(rng.uniform(-1, 1));
  for (auto& v : params) v = float(rng.uniform(-0.5, 0.5));
  const layer_buffers<float> buffers{.n = int(batch), .x = x.data(), .y = y.data(), .dy = dy.data(),
                                     .dx = need_dx ? dx.data() : nullptr, .params = params.data(),
                                     .dparams = grads.data(), .state = state.data()};
  const double f = best_ms([&] { impl.forward(ctx, buffers, mode::training); });
  const double b = best_ms([&] { impl.backward(ctx, buffers); });
  total[0] += f, total[1] += b;
  std::printf("{\"layer\":\"%s\",\"forward_ms\":%.3f,\"backward_ms\":%.3f", label.c_str(), f, b);
  if (flops_fwd > 0)
    std::printf(",\"forward_gflops\":%.1f,\"backward_gflops\":%.1f", flops_fwd * batch / f * 1e-6,
                flops_bwd * batch / b * 1e-6);
  std::printf("}\n");
}

// 2*F*C*K*K*OH*OW per image for each of forward, filter gradient and data gradient.
constexpr double conv_flops(int f, int c, int hw) { return 2.0 * f * c * 9 * hw; }
}  // namespace

int main(int argc, char** argv) {
  openblas_set_num_threads(1);
  if (argc > 1) repeats = std::atoi(argv[1]);
  context ctx;
  double total[2] = {0, 0}, conv_ms = 0, conv_flop = 0;
  using s0 = shape<1, 28, 28>;
  using s1 = shape<8, 28, 28>;
  using s2 = shape<8, 14, 14>;
  using s3 = shape<16, 14, 14>;
  using s4 = shape<16, 7, 7>;
  using s5 = shape<32, 7, 7>;
  auto conv = [&](auto layer, auto in, const char* label, int f, int c, int hw, bool need_dx) {
    using L = decltype(layer);
    using I = decltype(in);
    const double before = total[0] + total[1];
    const double fw = conv_flops(f, c, hw), bw = conv_flops(f, c, hw) * (need_dx ? 2 : 1);
    time_layer<L, I>(ctx, label, fw, bw, need_dx, total);
    conv_ms += total[0] + total[1] - before;
    conv_flop += (fw + bw) * batch;
  };
  time_layer<image_input<28, 28, 1, normalization::none>, s0>(ctx, "image_input", 0, 0, false, total);
  conv(conv2d<3, 8, same>{}, s0{}, "conv1 1->8 28x28", 8, 1, 784, false);
  time_layer<batch_norm, s1>(ctx, "batch_norm1", 0, 0, true, total);
  time_layer<relu, s1>(ctx, "relu1", 0, 0, true, total);
  time_layer<max_pool2d<2, 2>, s1>(ctx, "max_pool1", 0, 0, true, total);
  conv(conv2d<3, 16, same>{}, s2{}, "conv2 8->16 14x14", 16, 8, 196, true);
  time_layer<batch_norm, s3>(ctx, "batch_norm2", 0, 0, true, total);
  time_layer<relu, s3>(ctx, "relu2", 0, 0, true, total);
  time_layer<max_pool2d<2, 2>, s3>(ctx, "max_pool2", 0, 0, true, total);
  conv(conv2d<3, 32, same>{}, s4{}, "conv3 16->32 7x7", 32, 16, 49, true);
  time_layer<batch_norm, s5>(ctx, "batch_norm3", 0, 0, true, total);
  time_layer<relu, s5>(ctx, "relu3", 0, 0, true, total);
  time_layer<fully_connected<10>, s5>(ctx, "fully_connected", 0, 0, true, total);
  time_layer<softmax, shape<10, 1, 1>>(ctx, "softmax", 0, 0, true, total);
  std::printf("{\"total_forward_ms\":%.3f,\"total_backward_ms\":%.3f,\"conv_ms\":%.3f,"
              "\"conv_gflops\":%.1f,\"layer_sum_images_per_second\":%.1f}\n",
              total[0], total[1], conv_ms, conv_flop / conv_ms * 1e-6,
              batch / (total[0] + total[1]) * 1e3);
}
