// Types that describe their own hyper-parameters — solvers and learn-rate schedules: each
// lists its fields by name once, next to them, and whatever records or sets them (the
// options record that experiment folders save; searches to come) goes through that list
// instead of picking fields by name one by one.
#pragma once

#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>

namespace partrain {

/// One hyper-parameter: the name it is saved and searched under, and the member holding it.
template <class Owner, class V>
struct hyperparameter {
  using member_pointer = V Owner::*;
  std::string_view name;
  member_pointer member;
};
template <class Owner, class V>
hyperparameter(std::string_view, V Owner::*) -> hyperparameter<Owner, V>;

/// S lists its hyper-parameters: `static constexpr auto hyperparameters()` returns a tuple
/// of hyperparameter{"name", &S::field}, in the order the fields are declared. Fields are
/// double, int, std::int64_t, std::uint64_t or bool (what an options_record holds); names
/// must differ from the training options' and from the other type's (solver vs schedule).
template <class S>
concept describes_hyperparameters = requires { std::tuple_size<decltype(S::hyperparameters())>::value; };

/// Calls f(name, value) for every hyper-parameter of s; value refers to s's member. A type
/// that holds one of several at run time (optim::solver_choice) lists the one it holds.
template <describes_hyperparameters S, class F>
constexpr void for_each_hyperparameter(S& s, F&& f) {
  if constexpr (requires { s.for_each_hyperparameter(f); }) s.for_each_hyperparameter(f);
  else std::apply([&](auto... h) { (f(h.name, s.*(h.member)), ...); }, std::remove_const_t<S>::hyperparameters());
}

namespace detail {
template <class V>
constexpr void lay_out(std::size_t& size, std::size_t& align) {
  size = (size + alignof(V) - 1) / alignof(V) * alignof(V) + sizeof(V);
  align = alignof(V) > align ? alignof(V) : align;
}
}  // namespace detail

/// Whether S's listed hyper-parameters, laid out in order, fill all of S: a field added to
/// S but not to its list changes S's size and fails this (the built-in solvers and
/// schedules static_assert it).
template <describes_hyperparameters S>
constexpr bool describes_every_field() {
  std::size_t size = 0, align = 1;
  std::apply([&](auto... h) { (detail::lay_out<std::remove_cvref_t<decltype(std::declval<S&>().*(h.member))>>(size, align), ...); },
             S::hyperparameters());
  if (size == 0) return std::is_empty_v<S>;
  return (size + align - 1) / align * align == sizeof(S);
}

}  // namespace partrain
