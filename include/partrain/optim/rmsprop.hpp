// RMSProp (Tieleman & Hinton 2012); MATLAB defaults 0.001, squared decay 0.9, epsilon 1e-8.
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>

#include "partrain/backend/ops.hpp"
#include "partrain/core/hyperparameters.hpp"
#include "partrain/core/tensor.hpp"

namespace partrain::optim {

/// v <- b2 v + (1-b2) g^2;  w <- w - lr * g / (sqrt(v) + eps).
template <class T>
struct rmsprop_update_fn {
  T* w;
  const T* g;
  T* v;
  T lr, b2, eps;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t i) const {
    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
    w[i] -= lr * g[i] / (std::sqrt(v[i]) + eps);
  }
};

struct rmsprop {
  static constexpr std::string_view name = "rmsprop";
  static constexpr double default_learn_rate = 0.001;
  double squared_gradient_decay_factor = 0.9;
  double epsilon = 1e-8;
  static constexpr auto hyperparameters() {
    return std::tuple{hyperparameter{"squared_gradient_decay_factor", &rmsprop::squared_gradient_decay_factor},
                      hyperparameter{"epsilon", &rmsprop::epsilon}};
  }

  template <class Net>
  struct state {
    using T = typename Net::value_type;
    /// Zero state in memory space m (the network's).
    explicit state(const memory_space& space = host_memory) : v(dims{1, 1, 1, int(Net::parameter_count)}, space) {}
    tensor<T> v;
    /// Each field by name (checkpoints save and restore the state through it).
    template <class F>
    void for_each_field(F&& f) { f("square_avg", v); }
  };

  /// One update of w from g. A nonzero *cancel (an int in the network's memory, when given)
  /// at the time the update runs leaves w and the per-parameter state as they are.
  template <class Net>
  void step(context& ctx, state<Net>& s, std::span<typename Net::value_type> w,
            std::span<const typename Net::value_type> g, double lr, const int* cancel = nullptr) const {
    using T = typename Net::value_type;
    backend::for_each_index_unless(ctx, w.size(),
                                   rmsprop_update_fn<T>{w.data(), g.data(), s.v.data(), T(lr),
                                                        T(squared_gradient_decay_factor), T(epsilon)},
                                   cancel);
  }
  void validate() const {
    PARTRAIN_CHECK(squared_gradient_decay_factor >= 0 && squared_gradient_decay_factor < 1, config_error,
                   "[partrain::optim::rmsprop] squared_gradient_decay_factor is ",
                   squared_gradient_decay_factor, "; expected a value in [0, 1)");
    PARTRAIN_CHECK(epsilon > 0, config_error, "[partrain::optim::rmsprop] epsilon is ", epsilon,
                   "; expected a positive value");
  }
};

static_assert(describes_every_field<rmsprop>());

}  // namespace partrain::optim
