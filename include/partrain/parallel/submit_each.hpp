// Sweeps over architectures: one trial per network type of a type_list, submitted to a pool,
// with their futures in a tuple (each trial's result keeps its own network type).
#pragma once

#include <array>
#include <cstddef>
#include <exception>
#include <future>
#include <optional>
#include <tuple>
#include <utility>

#include "partrain/backend/context.hpp"
#include "partrain/core/type_list.hpp"
#include "partrain/parallel/fetch_outputs.hpp"
#include "partrain/parallel/pool.hpp"

namespace partrain {

/// Calls f(element) or f(element, index) for every element of a tuple, in order.
template <class Tuple, class F>
void for_each(Tuple&& tuple, F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    auto call = [&]<std::size_t K>(auto&& element) {
      if constexpr (requires { f(element, K); }) f(element, K);
      else f(element);
    };
    (call.template operator()<I>(std::get<I>(tuple)), ...);
  }(std::make_index_sequence<std::tuple_size_v<std::remove_cvref_t<Tuple>>>{});
}

namespace parallel {

namespace detail {
/// A type's training cost estimate: flops_per_image for networks, 0 otherwise.
template <class T>
constexpr double cost_of() {
  if constexpr (requires { T::flops_per_image; }) return double(T::flops_per_image);
  else return 0;
}
}  // namespace detail

/// Trial indices of List, most expensive first; equal costs keep trial order.
template <class List>
constexpr auto longest_first() {
  std::array<double, List::size> cost{};
  [&]<std::size_t... I>(std::index_sequence<I...>) { ((cost[I] = detail::cost_of<type_at<I, List>>()), ...); }(
      std::make_index_sequence<List::size>{});
  std::array<std::size_t, List::size> order{};
  for (std::size_t i = 0; i < order.size(); ++i) {  // stable insertion sort, usable in constexpr
    std::size_t j = i;
    for (; j > 0 && cost[order[j - 1]] < cost[i]; --j) order[j] = order[j - 1];
    order[j] = i;
  }
  return order;
}

/// Submits one trial per type Net in List: f.template operator()<Net>(trial, ctx) on a pool
/// worker, trial = Net's index in List. Returns at once with a tuple of futures, one per
/// trial in List's order, each of the type that trial's f returns (e.g.
/// std::future<trained<Net>>). Networks are submitted most expensive first (by
/// Net::flops_per_image), so the longest trials do not start last and the workers finish
/// together.
template <class List, class F>
auto submit_each(pool& workers, F f) {
  auto submit_one = [&]<std::size_t I>() {
    return workers.submit([f](context& ctx) mutable { return f.template operator()<type_at<I, List>>(int(I), ctx); });
  };
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    std::tuple<decltype(submit_one.template operator()<I>())...> futures;
    const std::array<void (*)(decltype(submit_one)&, decltype(futures)&), List::size> submit{
        [](decltype(submit_one)& s, decltype(futures)& fs) { std::get<I>(fs) = s.template operator()<I>(); }...};
    for (std::size_t trial : longest_first<List>()) submit[trial](submit_one, futures);
    return futures;
  }(std::make_index_sequence<List::size>{});
}

/// Waits until every future of the tuple is ready, then returns the values as a tuple.
/// Throws the exception of the first failed trial (by index), after all have finished.
template <class... R>
std::tuple<R...> fetch_outputs(std::tuple<std::future<R>...>& futures) {
  std::apply([](auto&... f) { (f.wait(), ...); }, futures);
  std::exception_ptr first;
  auto take = [&]<class T>(std::future<T>& f) -> std::optional<T> {
    try {
      return f.get();
    } catch (...) {
      if (!first) first = std::current_exception();
      return std::nullopt;
    }
  };
  auto values = std::apply([&](auto&... f) { return std::make_tuple(take(f)...); }, futures);
  if (first) std::rethrow_exception(first);
  return std::apply([](auto&... v) { return std::tuple<R...>(std::move(*v)...); }, values);
}

}  // namespace parallel
}  // namespace partrain
