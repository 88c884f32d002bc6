// The seed CNN (conv 8-16-32, batch norm, ReLU, max pool, fully connected 10, softmax) as one
// training step of backend ops over a flat arena, so the same code runs on a CPU context
// (host arena) and a CUDA context (device arena). Shared by the CPU≡CUDA tests and the GPU
// benchmark; a CUDA graph can capture step() because it neither allocates nor waits.
#pragma once

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "partrain/backend/ops.hpp"
#include "partrain/optim/sgdm.hpp"

namespace partrain::testing {

/// Host storage for a CPU context, device storage (from the context's stream) for a CUDA one.
template <class V>
class arena {
 public:
  arena(context& ctx, std::size_t count) {
#if defined(PARTRAIN_HAS_CUDA)
    if (!ctx.device().is_cpu()) {
      device_ = backend::cuda::device_buffer<V>(count, ctx.cuda().stream());
      PARTRAIN_CUDA_CHECK(cudaMemsetAsync(device_.data(), 0, count * sizeof(V), ctx.cuda().stream()));
      return;
    }
#endif
    host_.assign(count, V(0));
  }
  V* data() {
#if defined(PARTRAIN_HAS_CUDA)
    if (device_.data()) return device_.data();
#endif
    return host_.data();
  }

 private:
  std::vector<V> host_;
#if defined(PARTRAIN_HAS_CUDA)
  backend::cuda::device_buffer<V> device_;
#endif
};

template <class T>
class seed_cnn_ops {
 public:
  using geometry = backend::window_geometry;
  static constexpr geometry conv1{1, 28, 28, 28, 28, 3, 3, 1, 1, 1, 1}, pool1{8, 28, 28, 14, 14, 2, 2, 2, 2, 0, 0},
                            conv2{8, 14, 14, 14, 14, 3, 3, 1, 1, 1, 1}, pool2{16, 14, 14, 7, 7, 2, 2, 2, 2, 0, 0},
                            conv3{16, 7, 7, 7, 7, 3, 3, 1, 1, 1, 1};
  static constexpr int classes = 10, fc_in = 32 * 7 * 7;
  /// (offset, size) of each parameter in parameters(): w1 b1 s1 o1 w2 b2 s2 o2 w3 b3 s3 o3 wf bf.
  static constexpr int sizes[14] = {8 * 9, 8, 8, 8, 16 * 8 * 9, 16, 16, 16, 32 * 16 * 9, 32, 32, 32, classes * fc_in,
                                    classes};
  static constexpr std::size_t parameter_count = [] {
    std::size_t s = 0;
    for (int v : sizes) s += std::size_t(v);
    return s;
  }();

  seed_cnn_ops(context& ctx, int n)
      : n_(n), params_(ctx, 2 * parameter_count), velocity_(ctx, parameter_count),
        state_(ctx, 2 * (8 + 16 + 32) * 2), acts_(ctx, activation_count(n)), ints_(ctx, std::size_t(n) * (8 * 196 + 16 * 49 + 1)) {
    T* p = params_.data();
    for (int i = 0; i < 14; ++i) param_[i] = p, grad_[i] = p + parameter_count, p += sizes[i];
    T* s = state_.data();
    for (int i = 0; i < 3; ++i) {
      const int c = 8 << i;
      moving_mean_[i] = s, moving_var_[i] = s + c, saved_mean_[i] = s + 2 * c, saved_inv_std_[i] = s + 3 * c;
      s += 4 * c;
    }
    T* a = acts_.data();
    auto take = [&](std::size_t count) { return std::exchange(a, a + count); };
    x_ = take(std::size_t(n) * 784);
    const std::size_t planes[3] = {784, 196, 49};
    for (int i = 0; i < 3; ++i) {
      const std::size_t size = std::size_t(n) * (8 << i) * planes[i];
      conv_[i] = take(size), bn_[i] = take(size), relu_[i] = take(size);
      dconv_[i] = take(size), dbn_[i] = take(size), drelu_[i] = take(size);
    }
    pool_[0] = take(std::size_t(n) * 8 * 196), pool_[1] = take(std::size_t(n) * 16 * 49);
    dpool_[0] = take(std::size_t(n) * 8 * 196), dpool_[1] = take(std::size_t(n) * 16 * 49);
    logits_ = take(std::size_t(n) * classes), prob_ = take(std::size_t(n) * classes);
    dlogits_ = take(std::size_t(n) * classes);
    argmax_[0] = ints_.data(), argmax_[1] = argmax_[0] + std::size_t(n) * 8 * 196;
    labels_ = argmax_[1] + std::size_t(n) * 16 * 49;
  }

  static std::size_t activation_count(int n) {
    return std::size_t(n) * (784 + 6 * (8 * 784 + 16 * 196 + 32 * 49) + 2 * (8 * 196 + 16 * 49) + 3 * classes);
  }

  /// Device (or host) pointers the caller fills: images (n x 1 x 28 x 28), labels (n),
  /// parameters (w1 .. bf, parameter_count values), moving statistics.
  T* images() { return x_; }
  int* labels() { return labels_; }
  T* parameters() { return param_[0]; }
  T* gradients() { return grad_[0]; }
  T* moving_statistics() { return moving_mean_[0]; }  ///< 4 * (8 + 16 + 32) values
  const T* probabilities() const { return prob_; }
  int batch() const { return n_; }

  /// Forward, softmax-cross-entropy backward, backward and one fused SGDM update.
  void step(context& ctx, T learn_rate, T momentum = T(0.9)) {
    forward(ctx);
    backend::softmax_cross_entropy_backward(ctx, n_, classes, prob_, labels_, dlogits_);
    backend::dense_backward(ctx, n_, fc_in, classes, relu_[2], param_[12], dlogits_, drelu_[2], grad_[12], grad_[13]);
    for (int i = 2; i >= 0; --i) {
      const geometry& g = i == 0 ? conv1 : i == 1 ? conv2 : conv3;
      const int c = 8 << i, plane = g.out_h * g.out_w;
      const std::size_t size = std::size_t(n_) * c * plane;
      if (i < 2) {
        const geometry& pg = i == 0 ? pool1 : pool2;
        backend::max_pool_backward(ctx, pg, n_, argmax_[i], dpool_[i], drelu_[i]);
      }
      backend::for_each_index(ctx, size, backend::leaky_relu_backward_fn<T>{bn_[i], drelu_[i], dbn_[i], T(0)});
      backend::batch_norm_backward(ctx, n_, c, plane, conv_[i], dbn_[i], param_[4 * i + 2], saved_mean_[i],
                                   saved_inv_std_[i], dconv_[i], grad_[4 * i + 2], grad_[4 * i + 3]);
      backend::conv2d_backward(ctx, g, c, n_, i == 0 ? x_ : pool_[i - 1], param_[4 * i], dconv_[i],
                               i == 0 ? nullptr : dpool_[i - 1], grad_[4 * i], grad_[4 * i + 1]);
    }
    backend::for_each_index(ctx, parameter_count,
                            optim::sgdm_update_fn<T>{param_[0], grad_[0], velocity_.data(), learn_rate, momentum});
  }

  /// Training-mode forward to probabilities().
  void forward(context& ctx) {
    for (int i = 0; i < 3; ++i) {
      const geometry& g = i == 0 ? conv1 : i == 1 ? conv2 : conv3;
      const int c = 8 << i, plane = g.out_h * g.out_w;
      backend::conv2d_forward(ctx, g, c, n_, i == 0 ? x_ : pool_[i - 1], param_[4 * i], param_[4 * i + 1], conv_[i]);
      backend::batch_norm_forward_training(ctx, n_, c, plane, conv_[i], param_[4 * i + 2], param_[4 * i + 3],
                                           T(1e-5), T(0.1), bn_[i], saved_mean_[i], saved_inv_std_[i],
                                           moving_mean_[i], moving_var_[i]);
      backend::for_each_index(ctx, std::size_t(n_) * c * plane,
                              backend::leaky_relu_forward_fn<T>{bn_[i], relu_[i], T(0)});
      if (i < 2) backend::max_pool_forward(ctx, i == 0 ? pool1 : pool2, n_, relu_[i], pool_[i], argmax_[i]);
    }
    backend::dense_forward(ctx, n_, fc_in, classes, relu_[2], param_[12], param_[13], logits_);
    backend::softmax_forward(ctx, n_, classes, 1, logits_, prob_);
  }

  /// Host values for parameters(): Glorot-uniform weights, zero biases and offsets, unit scales.
  static std::vector<T> initial_parameters(std::uint64_t seed) {
    random_engine rng(seed);
    std::vector<T> p;
    const int fan_in[3] = {9, 8 * 9, 16 * 9};
    for (int i = 0; i < 14; ++i) {
      const int layer = i / 4, kind = i % 4;  // weight, bias, scale, offset
      const double bound = i >= 12 ? std::sqrt(6.0 / (fc_in + classes))
                                   : std::sqrt(6.0 / (fan_in[layer] + 9 * (8 << layer)));
      for (int k = 0; k < sizes[i]; ++k)
        p.push_back(i == 12 || (i < 12 && kind == 0) ? T(rng.uniform(-bound, bound))
                    : i < 12 && kind == 2            ? T(1)
                                                     : T(0));
    }
    return p;
  }

 private:
  int n_;
  arena<T> params_, velocity_, state_, acts_;
  arena<int> ints_;
  T *param_[14], *grad_[14];
  T *moving_mean_[3], *moving_var_[3], *saved_mean_[3], *saved_inv_std_[3];
  T *x_, *conv_[3], *bn_[3], *relu_[3], *dconv_[3], *dbn_[3], *drelu_[3], *pool_[2], *dpool_[2];
  T *logits_, *prob_, *dlogits_;
  std::int32_t* argmax_[2];
  int* labels_;
};

}  // namespace partrain::testing
