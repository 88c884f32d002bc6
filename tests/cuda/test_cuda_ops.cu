// CPU≡CUDA for every backend op: the same inputs through a CPU context and a CUDA context,
// forward and gradients, float (tolerance 2e-5 relative to the largest value) and double.
#include "cuda_test_util.hpp"

#include <array>

#include "partrain/layers/layer.hpp"
#include "partrain/optim/adam.hpp"

using namespace partrain;
using namespace partrain::testing;
using backend::window_geometry;

namespace {
// The geometry a layer computes for in_h x in_w with a square kernel, stride, 'same' or pad.
window_geometry geometry(int c, int h, int w, int k, int stride, bool same, int pad = 0) {
  const auto rows = partrain::detail::plan_axis(h, k, stride, same, pad, pad);
  const auto cols = partrain::detail::plan_axis(w, k, stride, same, pad, pad);
  return {c, h, w, rows.out, cols.out, k, k, stride, stride, rows.pad_before, cols.pad_before};
}
template <class T>
constexpr double tolerance = std::is_same_v<T, float> ? float_tolerance : double_tolerance;
}  // namespace

TEST_CASE_TEMPLATE("cuda: conv2d forward and backward equal the CPU", T, float, double) {
  context cpu(device::cpu()), gpu(device::cuda(0));
  // symmetric 'same', asymmetric 'same' (stride 2: explicit padding path), no padding 5x5.
  const window_geometry cases[] = {geometry(3, 9, 7, 3, 1, true), geometry(3, 9, 8, 3, 2, true),
                                   geometry(2, 11, 10, 5, 1, false), geometry(4, 6, 6, 3, 1, false, 1)};
  for (const auto& g : cases) {
    INFO("out " << g.out_h << "x" << g.out_w << ", stride " << g.stride_h);
    const int n = 3, f = 5;
    const std::size_t xs = std::size_t(n) * g.channels * g.in_h * g.in_w, ys = std::size_t(n) * f * g.out_h * g.out_w;
    const auto x = random_values<T>(xs, 1), w = random_values<T>(std::size_t(f) * g.channels * g.kernel_h * g.kernel_w, 2),
               b = random_values<T>(f, 3), dy = random_values<T>(ys, 4);
    std::vector<T> y(ys), dx(xs), dw(w.size()), db(f);
    backend::conv2d_forward(cpu, g, f, n, x.data(), w.data(), b.data(), y.data());
    backend::conv2d_backward(cpu, g, f, n, x.data(), w.data(), dy.data(), dx.data(), dw.data(), db.data());
    on_device<T> dx_(gpu, x), dw_(gpu, w), db_(gpu, b), ddy(gpu, dy), gy(gpu, ys), gdx(gpu, xs), gdw(gpu, w.size()),
        gdb(gpu, std::size_t(f));
    backend::conv2d_forward(gpu, g, f, n, dx_.get(), dw_.get(), db_.get(), gy.get());
    backend::conv2d_backward(gpu, g, f, n, dx_.get(), dw_.get(), ddy.get(), gdx.get(), gdw.get(), gdb.get());
    check_close(y, gy.host(), tolerance<T>, "conv2d y");
    check_close(dx, gdx.host(), tolerance<T>, "conv2d dx");
    check_close(dw, gdw.host(), tolerance<T>, "conv2d dw");
    check_close(db, gdb.host(), tolerance<T>, "conv2d db");
  }
}

TEST_CASE_TEMPLATE("cuda: dense forward and backward equal the CPU", T, float, double) {
  context cpu(device::cpu()), gpu(device::cuda(0));
  const int n = 7, in = 33, out = 10;
  const auto x = random_values<T>(std::size_t(n) * in, 5), w = random_values<T>(std::size_t(out) * in, 6),
             b = random_values<T>(out, 7), dy = random_values<T>(std::size_t(n) * out, 8);
  std::vector<T> y(std::size_t(n) * out), dx(x.size()), dw(w.size()), db(out);
  backend::dense_forward(cpu, n, in, out, x.data(), w.data(), b.data(), y.data());
  backend::dense_backward(cpu, n, in, out, x.data(), w.data(), dy.data(), dx.data(), dw.data(), db.data());
  on_device<T> gx(gpu, x), gw(gpu, w), gb(gpu, b), gdy(gpu, dy), gy(gpu, y.size()), gdx(gpu, x.size()),
      gdw(gpu, w.size()), gdb(gpu, std::size_t(out));
  backend::dense_forward(gpu, n, in, out, gx.get(), gw.get(), gb.get(), gy.get());
  backend::dense_backward(gpu, n, in, out, gx.get(), gw.get(), gdy.get(), gdx.get(), gdw.get(), gdb.get());
  check_close(y, gy.host(), tolerance<T>, "dense y");
  check_close(dx, gdx.host(), tolerance<T>, "dense dx");
  check_close(dw, gdw.host(), tolerance<T>, "dense dw");
  check_close(db, gdb.host(), tolerance<T>, "dense db");
}

TEST_CASE_TEMPLATE("cuda: max and average pooling equal the CPU", T, float, double) {
  context cpu(device::cpu()), gpu(device::cuda(0));
  for (const auto& g : {geometry(3, 8, 9, 2, 2, false), geometry(2, 7, 7, 3, 2, true), geometry(2, 6, 5, 3, 1, true)}) {
    const int n = 2;
    const std::size_t xs = std::size_t(n) * g.channels * g.in_h * g.in_w, ys = std::size_t(n) * g.channels * g.out_h * g.out_w;
    const auto x = random_values<T>(xs, 9), dy = random_values<T>(ys, 10);
    std::vector<T> y(ys), dx(xs), ay(ys), adx(xs);
    std::vector<std::int32_t> arg(ys);
    backend::max_pool_forward(cpu, g, n, x.data(), y.data(), arg.data());
    backend::max_pool_backward(cpu, g, n, arg.data(), dy.data(), dx.data());
    backend::avg_pool_forward(cpu, g, n, x.data(), ay.data());
    backend::avg_pool_backward(cpu, g, n, dy.data(), adx.data());
    on_device<T> gx(gpu, x), gdy(gpu, dy), gy(gpu, ys), gdx(gpu, xs), gay(gpu, ys), gadx(gpu, xs);
    on_device<std::int32_t> garg(gpu, ys);
    backend::max_pool_forward(gpu, g, n, gx.get(), gy.get(), garg.get());
    backend::max_pool_backward(gpu, g, n, garg.get(), gdy.get(), gdx.get());
    backend::avg_pool_forward(gpu, g, n, gx.get(), gay.get());
    backend::avg_pool_backward(gpu, g, n, gdy.get(), gadx.get());
    check_close(y, gy.host(), 0, "max_pool y");
    CHECK(arg == garg.host());
    check_close(dx, gdx.host(), tolerance<T>, "max_pool dx");
    check_close(ay, gay.host(), tolerance<T>, "avg_pool y");
    check_close(adx, gadx.host(), tolerance<T>, "avg_pool dx");
  }
}

TEST_CASE_TEMPLATE("cuda: batch norm training, inference and backward equal the CPU", T, float, double) {
  context cpu(device::cpu()), gpu(device::cuda(0));
  // Few values per channel (one part), and the seed CNN's first layer (1024 parts per channel).
  for (const std::array<int, 3> shape : {std::array{5, 6, 37}, std::array{128, 8, 784}}) {
    const int n = shape[0], c = shape[1], plane = shape[2];
    CAPTURE(n);
    const std::size_t size = std::size_t(n) * c * plane;
    const auto x = random_values<T>(size, 11, -2, 3), dy = random_values<T>(size, 12), scale = random_values<T>(c, 13, 0.5, 2),
               offset = random_values<T>(c, 14);
    auto mean = random_values<T>(c, 15), var = random_values<T>(c, 16, 0.5, 2);
    std::vector<T> y(size), yi(size), dx(size), sm(c), sis(c), ds(c), doff(c);
    on_device<T> gx(gpu, x), gdy(gpu, dy), gs(gpu, scale), go(gpu, offset), gm(gpu, mean), gv(gpu, var), gy(gpu, size),
        gyi(gpu, size), gdx(gpu, size), gsm(gpu, std::size_t(c)), gsis(gpu, std::size_t(c)), gds(gpu, std::size_t(c)),
        gdo(gpu, std::size_t(c));
    backend::batch_norm_forward_training(cpu, n, c, plane, x.data(), scale.data(), offset.data(), T(1e-5), T(0.1),
                                         y.data(), sm.data(), sis.data(), mean.data(), var.data());
    backend::batch_norm_forward_inference(cpu, n, c, plane, x.data(), scale.data(), offset.data(), T(1e-5), mean.data(),
                                          var.data(), yi.data());
    backend::batch_norm_backward(cpu, n, c, plane, x.data(), dy.data(), scale.data(), sm.data(), sis.data(), dx.data(),
                                 ds.data(), doff.data());
    backend::batch_norm_forward_training(gpu, n, c, plane, gx.get(), gs.get(), go.get(), T(1e-5), T(0.1), gy.get(),
                                         gsm.get(), gsis.get(), gm.get(), gv.get());
    backend::batch_norm_forward_inference(gpu, n, c, plane, gx.get(), gs.get(), go.get(), T(1e-5), gm.get(), gv.get(),
                                          gyi.get());
    backend::batch_norm_backward(gpu, n, c, plane, gx.get(), gdy.get(), gs.get(), gsm.get(), gsis.get(), gdx.get(),
                                 gds.get(), gdo.get());
    check_close(y, gy.host(), tolerance<T>, "batch_norm y");
    check_close(sm, gsm.host(), tolerance<T>, "saved mean");
    check_close(sis, gsis.host(), tolerance<T>, "saved 1/std");
    check_close(mean, gm.host(), tolerance<T>, "moving mean");
    check_close(var, gv.host(), tolerance<T>, "moving variance");
    check_close(yi, gyi.host(), tolerance<T>, "batch_norm inference y");
    check_close(dx, gdx.host(), tolerance<T>, "batch_norm dx");
    check_close(ds, gds.host(), tolerance<T>, "batch_norm dscale");
    check_close(doff, gdo.host(), tolerance<T>, "batch_norm doffset");
  }
}

TEST_CASE_TEMPLATE("cuda: softmax, cross-entropy and accuracy equal the CPU", T, float, double) {
  context cpu(device::cpu()), gpu(device::cuda(0));
  const int n = 9, classes = 10, plane = 3;
  const auto x = random_values<T>(std::size_t(n) * classes * plane, 17, -4, 4),
             dy = random_values<T>(x.size(), 18);
  std::vector<T> y(x.size()), dx(x.size());
  backend::softmax_forward(cpu, n, classes, plane, x.data(), y.data());
  backend::softmax_backward(cpu, n, classes, plane, y.data(), dy.data(), dx.data());
  on_device<T> gx(gpu, x), gdy(gpu, dy), gy(gpu, x.size()), gdx(gpu, x.size());
  backend::softmax_forward(gpu, n, classes, plane, gx.get(), gy.get());
  backend::softmax_backward(gpu, n, classes, plane, gy.get(), gdy.get(), gdx.get());
  check_close(y, gy.host(), tolerance<T>, "softmax y");
  check_close(dx, gdx.host(), tolerance<T>, "softmax dx");

  // Loss, accuracy and both gradients over n x classes probabilities (one zero probability).
  std::vector<T> p(std::size_t(n) * classes);
  backend::softmax_forward(cpu, n, classes, 1, x.data(), p.data());
  p[3] = 0;
  std::vector<int> labels{3, 1, 4, 1, 5, 9, 2, 6, 5};
  labels[0] = 3;  // the zero-probability class: a large finite loss on both backends
  std::vector<T> dp(p.size()), dz(p.size());
  const double loss = backend::cross_entropy(cpu, n, classes, p.data(), labels.data());
  const int correct = backend::count_correct(cpu, n, classes, p.data(), labels.data());
  backend::cross_entropy_backward(cpu, n, classes, p.data(), labels.data(), dp.data());
  backend::softmax_cross_entropy_backward(cpu, n, classes, p.data(), labels.data(), dz.data());
  on_device<T> gp(gpu, p), gdp(gpu, p.size()), gdz(gpu, p.size());
  on_device<int> gl(gpu, labels);
  CHECK(backend::cross_entropy(gpu, n, classes, gp.get(), gl.get()) == doctest::Approx(loss).epsilon(1e-12));
  CHECK(backend::count_correct(gpu, n, classes, gp.get(), gl.get()) == correct);
  backend::cross_entropy_backward(gpu, n, classes, gp.get(), gl.get(), gdp.get());
  backend::softmax_cross_entropy_backward(gpu, n, classes, gp.get(), gl.get(), gdz.get());
  check_close(dp, gdp.host(), tolerance<T>, "cross_entropy dp");
  check_close(dz, gdz.host(), tolerance<T>, "softmax_cross_entropy dx");
}

TEST_CASE_TEMPLATE("cuda: elementwise functors (ReLU, dropout, normalize, Adam) equal the CPU", T, float, double) {
  context cpu(device::cpu()), gpu(device::cuda(0));
  const std::size_t n = 10007;  // more than one grid-stride pass on small grids
  const auto x = random_values<T>(n, 19), dy = random_values<T>(n, 20), shift = random_values<T>(n, 21);
  std::vector<T> relu(n), drelu(n), drop(n), norm(n);
  backend::for_each_index(cpu, n, backend::leaky_relu_forward_fn<T>{x.data(), relu.data(), T(0.1)});
  backend::for_each_index(cpu, n, backend::leaky_relu_backward_fn<T>{x.data(), dy.data(), drelu.data(), T(0.1)});
  backend::for_each_index(cpu, n, backend::dropout_fn<T>{x.data(), drop.data(), 0.3f, 42, 7});
  backend::for_each_index(cpu, n, backend::normalize_fn<T>{x.data(), norm.data(), shift.data(), nullptr, 101, T(0), T(2)});
  on_device<T> gx(gpu, x), gdy(gpu, dy), gs(gpu, shift), grelu(gpu, n), gdrelu(gpu, n), gdrop(gpu, n), gnorm(gpu, n);
  backend::for_each_index(gpu, n, backend::leaky_relu_forward_fn<T>{gx.get(), grelu.get(), T(0.1)});
  backend::for_each_index(gpu, n, backend::leaky_relu_backward_fn<T>{gx.get(), gdy.get(), gdrelu.get(), T(0.1)});
  backend::for_each_index(gpu, n, backend::dropout_fn<T>{gx.get(), gdrop.get(), 0.3f, 42, 7});
  backend::for_each_index(gpu, n, backend::normalize_fn<T>{gx.get(), gnorm.get(), gs.get(), nullptr, 101, T(0), T(2)});
  check_close(relu, grelu.host(), 0, "leaky_relu y");
  check_close(drelu, gdrelu.host(), 0, "leaky_relu dx");
  check_close(drop, gdrop.host(), tolerance<T>, "dropout (same counter-based mask)");
  check_close(norm, gnorm.host(), tolerance<T>, "normalize");

  auto w = random_values<T>(n, 22), m = std::vector<T>(n, T(0)), v = std::vector<T>(n, T(0));
  on_device<T> gw(gpu, w), gm(gpu, m), gv(gpu, v);
  for (int t = 1; t <= 3; ++t) {
    const T c1 = T(1 - std::pow(0.9, t)), c2 = T(1 - std::pow(0.999, t));
    backend::for_each_index(cpu, n, optim::adam_update_fn<T>{w.data(), dy.data(), m.data(), v.data(), T(1e-3), T(0.9),
                                                             T(0.999), T(1e-8), c1, c2});
    backend::for_each_index(gpu, n, optim::adam_update_fn<T>{gw.get(), gdy.get(), gm.get(), gv.get(), T(1e-3), T(0.9),
                                                             T(0.999), T(1e-8), c1, c2});
  }
  check_close(w, gw.host(), tolerance<T>, "adam w");
  check_close(v, gv.host(), tolerance<T>, "adam v");
}
