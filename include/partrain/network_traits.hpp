// Type-level machinery of network<...>: flattening sequence/repeat blocks, the shape chain,
// and the structural checks that turn a bad architecture into a plain-English compile error.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "partrain/core/shape.hpp"
#include "partrain/core/type_list.hpp"

namespace partrain {

/// A named block of layers spliced into a network: `using conv_bn_relu = sequence<...>;`.
template <class... Layers>
struct sequence {};
/// N copies of a block of layers spliced into a network.
template <int N, class... Layers>
struct repeat {
  static_assert(N >= 0, "repeat<N, ...>: the repeat count N must not be negative");
};

namespace detail {
template <int N, class List>
struct repeat_list {
  using type = partrain::concat<List, typename repeat_list<N - 1, List>::type>;
};
template <class List>
struct repeat_list<0, List> {
  using type = type_list<>;
};

template <class L>
struct flatten_one {
  using type = type_list<L>;
};
template <class... Ls>
struct flatten_one<sequence<Ls...>> {
  using type = partrain::concat<typename flatten_one<Ls>::type...>;
};
template <int N, class... Ls>
struct flatten_one<repeat<N, Ls...>> {
  using type = typename repeat_list<(N > 0 ? N : 0), typename flatten_one<sequence<Ls...>>::type>::type;
};
}  // namespace detail

/// The flat list of layers that sequence/repeat blocks expand to.
template <class... Layers>
using flatten = concat<typename detail::flatten_one<Layers>::type...>;

/// True for layers that take images from outside (image_input<...>).
template <class L>
concept input_layer = requires { typename L::shape_type; };

template <class L>
inline constexpr bool is_named(std::string_view n) {
  if constexpr (requires { L::name; }) return L::name == n;
  else return false;
}

namespace detail {
/// The image shape a network's first layer takes (a placeholder when it is no image_input,
/// which the network reports on its own).
template <class First>
struct image_shape_of {
  using type = shape<1, 1, 1>;
};
template <input_layer First>
struct image_shape_of<First> {
  using type = typename First::shape_type;
};

/// shape_chain<In, List, I>: the input shape of layer I of a chain that takes In (I == size:
/// the chain's output). A network's chain takes its image_input's shape.
template <class In, class List, std::size_t I>
struct shape_chain {
  using type =
      typename partrain::type_at<I - 1, List>::template output_shape<typename shape_chain<In, List, I - 1>::type>;
};
template <class In, class List>
struct shape_chain<In, List, 0> {
  using type = In;
};

/// Whether the layer at Index of a Depth-layer network may be there.
template <std::size_t Index, class Layer, std::size_t Depth>
struct classification_is_last
    : std::bool_constant<!is_named<Layer>("classification") || Index + 1 == Depth> {};
template <std::size_t Index, class Layer>
struct input_layer_is_first : std::bool_constant<!input_layer<Layer> || Index == 0> {};

/// The structural rules of a network, each with a plain-English compile error.
template <class... Layers>
constexpr bool valid_structure() {
  constexpr std::size_t depth = sizeof...(Layers);
  using list = type_list<Layers...>;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    static_assert((input_layer_is_first<I, Layers>::value && ...),
                  "network: image_input may only be the first layer; remove the others");
    static_assert((classification_is_last<I, Layers, depth>::value && ...),
                  "network: classification must be the last layer; move it to the end");
  }(std::make_index_sequence<depth>{});
  if constexpr (depth >= 1 && is_named<partrain::type_at<depth - 1, list>>("classification")) {
    if constexpr (depth >= 2)
      static_assert(is_named<partrain::type_at<depth - 2, list>>("softmax"),
                    "network: classification must follow softmax; insert softmax before classification");
    else
      static_assert(depth >= 2, "network: classification must follow softmax; insert softmax before classification");
  }
  return true;
}

/// The 1-based count of each layer among the layers of its kind before it (conv2d_2: 2).
template <class... Layers>
constexpr std::array<int, sizeof...(Layers)> layer_numbers() {
  constexpr std::size_t depth = sizeof...(Layers);
  const std::array<std::string_view, depth> names{Layers::name...};
  std::array<int, depth> out{};
  std::size_t i = 0;
  for (int& number : out) {
    number = 1;
    for (std::size_t j = 0; j < i; ++j) number += names[j] == names[i];
    ++i;
  }
  return out;
}

/// "conv2d_2" for each layer: its kind and its 1-based count among layers of that kind.
template <class... Layers>
std::array<std::string, sizeof...(Layers)> layer_labels() {
  constexpr auto numbers = layer_numbers<Layers...>();
  const std::array<std::string_view, sizeof...(Layers)> names{Layers::name...};
  std::array<std::string, sizeof...(Layers)> out;
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = std::string(names[i]) + "_" + std::to_string(numbers[i]);
  return out;
}
}  // namespace detail

}  // namespace partrain
