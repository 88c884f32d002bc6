// The network at its lowest validation loss so far (output_network = best_validation_loss).
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <limits>

#include "partrain/backend/context.hpp"
#include "partrain/backend/ops.hpp"
#include "partrain/core/tensor.hpp"

namespace partrain::detail {

/// offer() records each validation; when asked to keep, it copies the parameters and state
/// of a new best (in the context's memory, so a GPU run copies on the device).
template <class Net>
class best_network {
  using T = typename Net::value_type;

 public:
  explicit best_network(bool keep) : keep_(keep) {}

  /// True when `loss` is the lowest so far (then remembered, with the network when kept).
  bool offer(context& ctx, Net& net, double loss, int iteration) {
    if (!(loss < loss_)) {
      ++without_improvement_;
      return false;
    }
    loss_ = loss, iteration_ = iteration, without_improvement_ = 0;
    if (keep_) {
      params_.resize({1, 1, 1, int(Net::parameter_count)}, ctx.memory());
      state_.resize({1, 1, 1, int(Net::state_count)}, ctx.memory());
      backend::copy(ctx, net.parameters().data(), Net::parameter_count, params_.data());
      backend::copy(ctx, net.state().data(), Net::state_count, state_.data());
    }
    return true;
  }
  /// Puts the kept network back into `net`; false when none was kept.
  bool restore(context& ctx, Net& net) const {
    if (!has_network()) return false;
    backend::copy(ctx, params_.data(), Net::parameter_count, net.parameters().data());
    backend::copy(ctx, state_.data(), Net::state_count, net.state().data());
    return true;
  }
  bool has_network() const { return keep_ && iteration_ > 0; }
  int iteration() const { return iteration_; }
  double loss() const { return loss_; }
  /// Validations in a row without a new lowest loss (validation patience counts them).
  int without_improvement() const { return without_improvement_; }

  /// For checkpoints: the record so far, and the kept network copied into `host` (a network
  /// in host memory) when there is one.
  void save(Net& host) const {
    if (!has_network()) return;
    copy_into(params_, host.parameters()), copy_into(state_, host.state());
  }
  /// Back from a checkpoint (`host`: the kept network, when there is one), into `space`.
  void load(double loss, int iteration, int without_improvement, Net* host, const memory_space& space) {
    loss_ = loss, iteration_ = iteration, without_improvement_ = without_improvement;
    if (!keep_ || !host) return;
    params_.resize({1, 1, 1, int(Net::parameter_count)}, host_memory);
    state_.resize({1, 1, 1, int(Net::state_count)}, host_memory);
    std::copy(host->parameters().begin(), host->parameters().end(), params_.span().begin());
    std::copy(host->state().begin(), host->state().end(), state_.span().begin());
    params_.to(space), state_.to(space);
  }

 private:
  bool keep_;
  double loss_ = std::numeric_limits<double>::infinity();
  int iteration_ = 0, without_improvement_ = 0;
  tensor<T> params_, state_;

  static void copy_into(const tensor<T>& from, std::span<T> to) {
    tensor<T> host = from;
    host.to(host_memory);
    std::copy(host.span().begin(), host.span().end(), to.begin());
  }
};

}  // namespace partrain::detail
