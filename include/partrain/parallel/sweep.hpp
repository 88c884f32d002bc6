// Sweeps over architectures: one trial per network type of a type_list, submitted to a pool,
// with their futures in a tuple (each trial's result keeps its own network type).
#pragma once

#include <cstddef>
#include <exception>
#include <future>
#include <optional>
#include <tuple>
#include <utility>

#include "partrain/core/context.hpp"
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

/// Submits one trial per type Net in List: f.template operator()<Net>(trial, ctx) on a pool
/// worker, trial = Net's index in List. Returns at once with a tuple of futures, one per
/// trial, each of the type that trial's f returns (e.g. std::future<trained<Net>>).
template <class List, class F>
auto submit_each(pool& workers, F f) {
  auto submit_one = [&]<std::size_t I>() {
    return workers.submit([f](context& ctx) mutable { return f.template operator()<type_at<I, List>>(int(I), ctx); });
  };
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    std::tuple<decltype(submit_one.template operator()<I>())...> futures;
    ((std::get<I>(futures) = submit_one.template operator()<I>()), ...);  // in trial order
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
