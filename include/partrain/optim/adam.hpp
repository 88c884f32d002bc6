// Adam (Kingma & Ba 2015) with bias correction; MATLAB defaults 0.001, 0.9, 0.999, 1e-8.
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>

#include "partrain/backend/ops.hpp"
#include "partrain/core/hyperparameters.hpp"
#include "partrain/core/tensor.hpp"

namespace partrain::optim {

/// m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2;
/// w <- w - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
template <class T>
struct adam_update_fn {
  T* w;
  const T* g;
  T* m;
  T* v;
  T lr, b1, b2, eps, correction1, correction2;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t i) const {
    m[i] = b1 * m[i] + (1 - b1) * g[i];
    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
    w[i] -= lr * (m[i] / correction1) / (std::sqrt(v[i] / correction2) + eps);
  }
};

struct adam {
  static constexpr std::string_view name = "adam";
  static constexpr double default_learn_rate = 0.001;
  double gradient_decay_factor = 0.9;
  double squared_gradient_decay_factor = 0.999;
  double epsilon = 1e-8;
  static constexpr auto hyperparameters() {
    return std::tuple{hyperparameter{"gradient_decay_factor", &adam::gradient_decay_factor},
                      hyperparameter{"squared_gradient_decay_factor", &adam::squared_gradient_decay_factor},
                      hyperparameter{"epsilon", &adam::epsilon}};
  }

  template <class Net>
  struct state {
    using T = typename Net::value_type;
    /// Zero state in memory space m (the network's).
    explicit state(const memory_space& space = host_memory) : m(dims{1, 1, 1, int(Net::parameter_count)}, space), v(dims{1, 1, 1, int(Net::parameter_count)}, space) {}
    tensor<T> m;
    tensor<T> v;
    int t = 0;
    /// Each field by name (checkpoints save and restore the state through it).
    template <class F>
    void for_each_field(F&& f) { f("exp_avg", m), f("exp_avg_sq", v), f("step", t); }
  };

  /// One update of w from g. A nonzero *cancel (an int in the network's memory, when given)
  /// at the time the update runs leaves w and the per-parameter state as they are.
  template <class Net>
  void step(context& ctx, state<Net>& s, std::span<typename Net::value_type> w,
            std::span<const typename Net::value_type> g, double lr, const int* cancel = nullptr) const {
    using T = typename Net::value_type;
    ++s.t;
    const double c1 = 1 - std::pow(gradient_decay_factor, s.t);
    const double c2 = 1 - std::pow(squared_gradient_decay_factor, s.t);
    backend::for_each_index_unless(ctx, w.size(),
                                   adam_update_fn<T>{w.data(), g.data(), s.m.data(), s.v.data(), T(lr),
                                                     T(gradient_decay_factor), T(squared_gradient_decay_factor),
                                                     T(epsilon), T(c1), T(c2)},
                                   cancel);
  }
  void validate() const {
    PARTRAIN_CHECK(gradient_decay_factor >= 0 && gradient_decay_factor < 1, config_error,
                   "[partrain::optim::adam] gradient_decay_factor is ", gradient_decay_factor,
                   "; expected a value in [0, 1)");
    PARTRAIN_CHECK(squared_gradient_decay_factor >= 0 && squared_gradient_decay_factor < 1, config_error,
                   "[partrain::optim::adam] squared_gradient_decay_factor is ",
                   squared_gradient_decay_factor, "; expected a value in [0, 1)");
    PARTRAIN_CHECK(epsilon > 0, config_error, "[partrain::optim::adam] epsilon is ", epsilon,
                   "; expected a positive value");
  }
};

static_assert(describes_every_field<adam>());

}  // namespace partrain::optim
