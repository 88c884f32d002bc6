// What a training run returns (trained<Net>), and what it throws when a hook failed
// (training_error).
#pragma once

#include <any>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <exception>
#include <string>
#include <utility>

#include "partrain/core/error.hpp"
#include "partrain/train/options_record.hpp"
#include "partrain/train/training_info.hpp"

namespace partrain {

/// What train_network returns: the trained network, its training history, and the options
/// it was trained with, as data (every number, mode and hyper-parameter; what is not data —
/// output_fn, streams, validation images — by what it was).
template <class Net>
struct trained {
  Net network;
  training_info info;
  options_record options{};
};

/// `auto [net, info] = train_network<Net>(...)` binds the network and the history, as
/// MATLAB's [net, info] = trainNetwork(...); the options are r.options.
template <std::size_t I, class Net>
decltype(auto) get(trained<Net>& t) {
  if constexpr (I == 0) return (t.network);
  else return (t.info);
}
template <std::size_t I, class Net>
decltype(auto) get(const trained<Net>& t) {
  if constexpr (I == 0) return (t.network);
  else return (t.info);
}
template <std::size_t I, class Net>
decltype(auto) get(trained<Net>&& t) {
  if constexpr (I == 0) return std::move(t.network);
  else return std::move(t.info);
}

/// Thrown by train_network when a hook — output_fn, say — throws. The message says where
/// (network, iteration, epoch) and what was thrown; `info` holds the history up to that
/// iteration, network<Net>() the network as that iteration left it, `cause` the hook's
/// exception. Not a template, so it can be caught without knowing the network's type.
struct training_error : error {
  training_error(const std::string& what, training_info run_so_far, std::any net, std::exception_ptr why)
      : error(what), info(std::move(run_so_far)), cause(std::move(why)), network_(std::move(net)) {}
  training_info info;
  std::exception_ptr cause;
  /// The network as the failed iteration left it; nullptr when it is not a Net.
  template <class Net>
  const Net* network() const {
    return std::any_cast<Net>(&network_);
  }

 private:
  std::any network_;
};

}  // namespace partrain

template <class Net>
struct std::tuple_size<partrain::trained<Net>> : std::integral_constant<std::size_t, 2> {};
template <std::size_t I, class Net>
struct std::tuple_element<I, partrain::trained<Net>> {
  using type = std::conditional_t<I == 0, Net, partrain::training_info>;
};
