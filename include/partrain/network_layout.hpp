// The compile-time layout of a chain of layers taking input shape In (a network's, or a
// residual block's body): each layer's run-time part (impl), where its parameters and state
// lie in the flat buffers, the parameter tensors, the first layer that trains, how far a
// population-statistics pass runs, and the counts a user reads.
#pragma once

#include <array>
#include <cstddef>
#include <tuple>
#include <utility>

#include "partrain/layers/contract.hpp"
#include "partrain/layers/layer.hpp"
#include "partrain/network_traits.hpp"
#include "partrain/parameter_ref.hpp"

namespace partrain::detail {

/// A tensor of a network's flat buffer: the layer that owns it, its spec and where it starts.
struct placed_tensor {
  std::size_t layer = 0;
  tensor_spec spec;
  std::size_t at = 0;
};

/// What a layer's impl I adds to the chain's counts: the activations it keeps inside (a
/// residual block's) per image, and its forward floating-point operations per image, as
/// the impl states them or, by default, 2 per multiply-add of its first parameter tensor
/// (its weights) or 1 per output element.
template <class I>
constexpr std::size_t inner_activations() {
  if constexpr (requires { I::inner_activation_count; }) return I::inner_activation_count;
  else return 0;
}
template <class I, class Out>
constexpr double layer_flops() {
  if constexpr (requires { I::flops_per_image; }) return I::flops_per_image;
  else if constexpr (I::parameters.size() > 0)
    return double(Out::size) * 2.0 * double(I::parameters[0].size()) / Out::channels;
  else return double(Out::size);
}

template <element_type T, class In, class... Layers>
struct network_layout {
  using layer_types = type_list<Layers...>;
  static constexpr std::size_t depth = sizeof...(Layers);
  template <std::size_t I>
  using shape_at = typename shape_chain<In, layer_types, I>::type;

  template <class Seq>
  struct impl_tuple;
  template <std::size_t... I>
  struct impl_tuple<std::index_sequence<I...>> {
    using type = std::tuple<typename Layers::template impl<shape_at<I>, T>...>;
    static_assert((check_layer_impl<typename Layers::template impl<shape_at<I>, T>, T>() && ...));
    static_assert(
        (check_population_statistics<Layers, typename Layers::template impl<shape_at<I>, T>, T>() && ...));
  };
  using impls = typename impl_tuple<std::make_index_sequence<depth>>::type;
  template <std::size_t I>
  using impl_at = std::tuple_element_t<I, impls>;

  template <class Member>
  static constexpr auto offsets(Member member) {
    std::array<std::size_t, depth + 1> o{};
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((o[I + 1] = o[I] + total_size(member.template operator()<impl_at<I>>())), ...);
    }(std::make_index_sequence<depth>{});
    return o;
  }
  static constexpr auto param_offset = offsets([]<class L>() { return L::parameters; });
  static constexpr auto state_offset = offsets([]<class L>() { return L::states; });

  // Every parameter (or state) tensor in layer order, with its place in the flat buffer: one
  // table to loop over, so a visit compiles to one loop, not one copy per layer.
  template <bool Parameters, class L>
  static constexpr const auto& specs_of() {
    if constexpr (Parameters) return L::parameters;
    else return L::states;
  }
  template <bool Parameters>
  static constexpr auto placed() {
    constexpr std::size_t count = [] {
      std::size_t c = 0;
      [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((c += specs_of<Parameters, impl_at<I>>().size()), ...);
      }(std::make_index_sequence<depth>{});
      return c;
    }();
    std::array<placed_tensor, count> out{};
    std::size_t k = 0;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((
           [&] {
             std::size_t at = (Parameters ? param_offset : state_offset)[I];
             for (const auto& spec : specs_of<Parameters, impl_at<I>>()) {
               out[k++] = {I, spec, at};
               at += spec.size();
             }
           }()),
       ...);
    }(std::make_index_sequence<depth>{});
    return out;
  }
  static constexpr auto parameter_tensors = placed<true>();
  static constexpr auto state_tensors = placed<false>();

  // Layers a population-statistics pass runs: up to the last one that keeps statistics.
  static constexpr std::size_t population_depth = [] {
    std::size_t end = 0;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((end = partrain::keeps_population_statistics<Layers> ? I + 1 : end), ...);
    }(std::make_index_sequence<depth>{});
    return end;
  }();

  static constexpr std::size_t first_trainable = [] {
    std::size_t first = depth;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((first = (first == depth && impl_at<I>::parameters.size() > 0) ? I : first), ...);
    }(std::make_index_sequence<depth>{});
    return first;
  }();

  /// Number of trainable values, number of state values, and activation values per image.
  static constexpr std::size_t parameter_count = param_offset[depth];
  static constexpr std::size_t state_count = state_offset[depth];
  static constexpr std::size_t activation_count = [] {
    std::size_t s = 0;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((s += shape_at<I + 1>::size + inner_activations<impl_at<I>>()), ...);
    }(std::make_index_sequence<depth>{});
    return s;
  }();
  /// The flat buffer's parameter tensors in layer order, for optimizers, L2 and clipping.
  static constexpr auto parameter_slots = [] {
    std::array<parameter_slot, parameter_tensors.size()> slots{};
    std::size_t k = 0;
    for (const auto& t : parameter_tensors) slots[k++] = {t.at, t.spec.size(), t.spec.l2};
    return slots;
  }();
  /// Forward-pass floating-point operations per image (layer_flops). A training step costs about 3x.
  static constexpr double flops_per_image = [] {
    double f = 0;
    [&]<std::size_t... I>(std::index_sequence<I...>) { ((f += layer_flops<impl_at<I>, shape_at<I + 1>>()), ...); }(
        std::make_index_sequence<depth>{});
    return f;
  }();
};

}  // namespace partrain::detail
