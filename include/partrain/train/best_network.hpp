// The network at its lowest validation loss so far (output_network = best_validation_loss):
// the record of validations (the engine's) and the copy of the network (the typed model's).
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>
#include <span>

#include "partrain/config.hpp"
#include "partrain/backend/context.hpp"
#include "partrain/backend/ops.hpp"
#include "partrain/core/tensor.hpp"

namespace partrain::detail {
inline namespace PARTRAIN_ABI_NAMESPACE {
inline namespace PARTRAIN_MODE_NAMESPACE {

/// The lowest validation loss so far, its iteration, and the validations since; whether the
/// network at that loss is kept (output_network best_validation_loss).
class best_record {
 public:
  explicit best_record(bool keep) : keep_(keep) {}

  /// True when `loss` is the lowest so far (then remembered).
  bool offer(double loss, int iteration);
  /// Back from a checkpoint.
  void load(double loss, int iteration, int without_improvement) {
    loss_ = loss, iteration_ = iteration, without_improvement_ = without_improvement;
  }
  bool keeps() const { return keep_; }
  /// A network is kept: asked for, and a validation was made.
  bool has_network() const { return keep_ && iteration_ > 0; }
  int iteration() const { return iteration_; }
  double loss() const { return loss_; }
  /// Validations in a row without a new lowest loss (validation patience counts them).
  int without_improvement() const { return without_improvement_; }

 private:
  bool keep_;
  double loss_ = std::numeric_limits<double>::infinity();
  int iteration_ = 0, without_improvement_ = 0;
};

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace PARTRAIN_ABI_NAMESPACE

/// A copy of a network's parameters and state, in the context's memory (so a GPU run
/// copies on the device).
template <element_type T>
class network_copy {
 public:
  /// Copies parameters and state in.
  void keep(context& ctx, std::span<const T> parameters, std::span<const T> state) {
    params_.resize({1, 1, 1, int(parameters.size())}, ctx.memory());
    state_.resize({1, 1, 1, int(state.size())}, ctx.memory());
    backend::copy(ctx, parameters.data(), parameters.size(), params_.data());
    backend::copy(ctx, state.data(), state.size(), state_.data());
  }
  /// Copies the kept parameters and state back out.
  void restore(context& ctx, std::span<T> parameters, std::span<T> state) const {
    backend::copy(ctx, params_.data(), parameters.size(), parameters.data());
    backend::copy(ctx, state_.data(), state.size(), state.data());
  }
  /// For checkpoints: the copy into host spans.
  void save(std::span<T> parameters, std::span<T> state) const {
    copy_into(params_, parameters), copy_into(state_, state);
  }
  /// Back from a checkpoint (host spans), into `space`.
  void load(std::span<const T> parameters, std::span<const T> state, const memory_space& space) {
    params_.resize({1, 1, 1, int(parameters.size())}, host_memory);
    state_.resize({1, 1, 1, int(state.size())}, host_memory);
    std::copy(parameters.begin(), parameters.end(), params_.span().begin());
    std::copy(state.begin(), state.end(), state_.span().begin());
    params_.to(space), state_.to(space);
  }

 private:
  tensor<T> params_, state_;

  static void copy_into(const tensor<T>& from, std::span<T> to) {
    tensor<T> host = from;
    host.to(host_memory);
    std::copy(host.span().begin(), host.span().end(), to.begin());
  }
};

}  // namespace partrain::detail

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/train/impl/best_network.ipp"
#endif
