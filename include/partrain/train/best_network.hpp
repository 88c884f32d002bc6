// The network at its lowest validation loss so far (output_network = best_validation_loss).
#pragma once

#include <cstddef>
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
    if (!(loss < loss_)) return false;
    loss_ = loss, iteration_ = iteration;
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
    if (!keep_ || iteration_ == 0) return false;
    backend::copy(ctx, params_.data(), Net::parameter_count, net.parameters().data());
    backend::copy(ctx, state_.data(), Net::state_count, net.state().data());
    return true;
  }
  int iteration() const { return iteration_; }

 private:
  bool keep_;
  double loss_ = std::numeric_limits<double>::infinity();
  int iteration_ = 0;
  tensor<T> params_, state_;
};

}  // namespace partrain::detail
