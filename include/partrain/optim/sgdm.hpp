// Stochastic gradient descent with momentum (MATLAB 'sgdm': momentum 0.9, learn rate 0.01).
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "partrain/backend/ops.hpp"
#include "partrain/core/hyperparameters.hpp"
#include "partrain/core/tensor.hpp"

namespace partrain::optim {

/// v <- momentum * v - lr * g;  w <- w + v   (Qian 1999; MATLAB's sgdm update).
template <class T>
struct sgdm_update_fn {
  T* w;
  const T* g;
  T* v;
  T lr, momentum;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t i) const {
    v[i] = momentum * v[i] - lr * g[i];
    w[i] += v[i];
  }
};

struct sgdm {
  static constexpr std::string_view name = "sgdm";
  static constexpr double default_learn_rate = 0.01;
  double momentum = 0.9;
  static constexpr auto hyperparameters() { return std::tuple{hyperparameter{"momentum", &sgdm::momentum}}; }

  /// Per-run state for a network type: the velocity of every parameter.
  template <class Net>
  struct state {
    using T = typename Net::value_type;
    /// Zero state in memory space m (the network's).
    explicit state(const memory_space& space = host_memory) : velocity(dims{1, 1, 1, int(Net::parameter_count)}, space) {}
    tensor<T> velocity;
    /// Each field by name (checkpoints save and restore the state through it).
    template <class F>
    void for_each_field(F&& f) { f("velocity", velocity); }
  };

  /// One update of w from g. A nonzero *cancel (an int in the network's memory, when given)
  /// at the time the update runs leaves w and the per-parameter state as they are.
  template <class Net>
  void step(context& ctx, state<Net>& s, std::span<typename Net::value_type> w,
            std::span<const typename Net::value_type> g, double lr, const int* cancel = nullptr) const {
    using T = typename Net::value_type;
    backend::for_each_index_unless(
        ctx, w.size(), sgdm_update_fn<T>{w.data(), g.data(), s.velocity.data(), T(lr), T(momentum)}, cancel);
  }
  void validate() const {
    PARTRAIN_CHECK(momentum >= 0 && momentum < 1, config_error,
                   "[partrain::optim::sgdm] momentum is ", momentum, "; expected a value in [0, 1)");
  }
};

static_assert(describes_every_field<sgdm>());

}  // namespace partrain::optim
