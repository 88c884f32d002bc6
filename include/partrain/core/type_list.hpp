// A list of types, for sweeps over architectures and for layer chains.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

namespace partrain {

template <class... Ts>
struct type_list {
  static constexpr std::size_t size = sizeof...(Ts);
};

/// Number of types in a type_list.
template <class List>
inline constexpr std::size_t size = List::size;

namespace detail {
template <std::size_t I, class List>
struct type_at;
template <std::size_t I, class T, class... Ts>
struct type_at<I, type_list<T, Ts...>> : type_at<I - 1, type_list<Ts...>> {};
template <class T, class... Ts>
struct type_at<0, type_list<T, Ts...>> {
  using type = T;
};

template <class... Lists>
struct concat_lists;
template <>
struct concat_lists<> {
  using type = type_list<>;
};
template <class... As>
struct concat_lists<type_list<As...>> {
  using type = type_list<As...>;
};
template <class... As, class... Bs, class... Rest>
struct concat_lists<type_list<As...>, type_list<Bs...>, Rest...>
    : concat_lists<type_list<As..., Bs...>, Rest...> {};
}  // namespace detail

/// The I-th type of List.
template <std::size_t I, class List>
using type_at = typename detail::type_at<I, List>::type;

namespace detail {
template <class T, class List>
struct index_of;
template <class T, class... Ts>
struct index_of<T, type_list<Ts...>> {
  static constexpr std::size_t value = [] {
    constexpr bool same[] = {std::is_same_v<T, Ts>..., false};
    std::size_t i = 0;
    while (i < sizeof...(Ts) && !same[i]) ++i;
    return i;
  }();
  static_assert(value < sizeof...(Ts), "index_of<T, List>: T is not in List");
};
}  // namespace detail

/// The index of T's first occurrence in List (a compile error when T is not in it).
template <class T, class List>
inline constexpr std::size_t index_of = detail::index_of<T, List>::value;

/// Concatenation of type_lists.
template <class... Lists>
using concat = typename detail::concat_lists<Lists...>::type;

/// Calls f.template operator()<T, I>() for each type T at index I of List, in order.
template <class List, class F>
constexpr void for_each_type(F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (f.template operator()<type_at<I, List>, I>(), ...);
  }(std::make_index_sequence<List::size>{});
}

}  // namespace partrain
