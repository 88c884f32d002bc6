// The written contract of a layer, beside the layers: what a layer type and its run-time
// part must provide. Each is a concept (to test a type) and a check whose static_asserts
// name what is missing ("not a layer: it has no output_shape<In>"), which network<...> runs
// on the types it is given. (optim/contracts.hpp has the solver's and the schedule's.)
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "partrain/backend/context.hpp"
#include "partrain/core/memory.hpp"
#include "partrain/core/shape.hpp"
#include "partrain/layers/layer.hpp"

namespace partrain {

// ---------------------------------------------------------------------------------- layer
/// The buffers of one layer for one batch, in the context's memory. forward reads x,
/// params, state and writes y; backward reads x, y, dy, params, state and writes dparams
/// (overwritten) and dx (when not null: only when an earlier layer, or the caller, needs it).
template <class T>
struct layer_buffers {
  int n = 0;                  ///< images in the batch
  const T* x = nullptr;       ///< input, n x In
  T* y = nullptr;             ///< output, n x Out (read-only in backward)
  const T* dy = nullptr;      ///< backward: gradient of the output
  T* dx = nullptr;            ///< backward: gradient of the input, or null
  const T* params = nullptr;  ///< the layer's parameters, laid out as impl::parameters
  T* dparams = nullptr;       ///< backward: their gradients
  T* state = nullptr;         ///< the layer's state, laid out as impl::states
};

/// The type-level part of a layer L on input shape In: a name ("conv2d", for labels such as
/// conv2d_2), its description (str()), its output shape, and the run-time part impl<In, T>.
/// Optional: `static constexpr bool uses_randomness` (its forward draws random numbers, so
/// a recorded step cannot be replayed) and `keeps_population_statistics` (impl has
/// reset_population() and finish_population(state) for MATLAB's population statistics).
template <class L, class In>
concept layer = requires {
  { L::name } -> std::convertible_to<std::string_view>;
  { L::str() } -> std::convertible_to<std::string>;
  typename L::template output_shape<In>;
  typename L::template impl<In, float>;
};

/// The run-time part of a layer: its parameter and state tensors (arrays of tensor_spec),
/// forward(ctx, buffers, mode) and backward(ctx, buffers).
template <class I, class T>
concept layer_impl = requires(I& impl, context& ctx, const layer_buffers<T>& b, mode m) {
  { I::parameters.size() } -> std::convertible_to<std::size_t>;
  { I::states.size() } -> std::convertible_to<std::size_t>;
  { I::parameters[0] } -> std::convertible_to<tensor_spec>;
  impl.forward(ctx, b, m);
  impl.backward(ctx, b);
};

/// Whether layer L draws random numbers in training, or keeps population statistics.
template <class L>
inline constexpr bool uses_randomness = requires { requires bool(L::uses_randomness); };
template <class L>
inline constexpr bool keeps_population_statistics = requires { requires bool(L::keeps_population_statistics); };

template <class L, class In>
constexpr bool check_layer_type() {
  static_assert(requires { L::name; }, "not a layer: it has no `static constexpr std::string_view name`");
  static_assert(requires { L::str(); }, "not a layer: it has no `static std::string str()`");
  static_assert(requires { typename L::template output_shape<In>; }, "not a layer: it has no output_shape<In>");
  static_assert(requires { typename L::template impl<In, float>; }, "not a layer: it has no impl<In, T>");
  return layer<L, In>;
}
template <class I, class T>
constexpr bool check_layer_impl() {
  static_assert(requires { I::parameters.size(); I::states.size(); },
                "not a layer: its impl has no `parameters` and `states` (std::array<tensor_spec, N>)");
  static_assert(requires(I& i, context& c, const layer_buffers<T>& b, mode m) { i.forward(c, b, m); },
                "not a layer: its impl has no forward(context&, const layer_buffers<T>&, mode)");
  static_assert(requires(I& i, context& c, const layer_buffers<T>& b) { i.backward(c, b); },
                "not a layer: its impl has no backward(context&, const layer_buffers<T>&)");
  return true;
}
template <class L, class I, class T>
constexpr bool check_population_statistics() {
  if constexpr (keeps_population_statistics<L>)
    static_assert(requires(I& i, T* s) { i.reset_population(), i.finish_population(s); },
                  "not a layer: keeps_population_statistics is true but its impl has no reset_population() "
                  "and finish_population(T* state)");
  return true;
}
/// Checks each layer in order, its type-level part before asking it for its output shape.
template <class In, class L, class... Rest>
constexpr bool check_layers() {
  constexpr bool ok = check_layer_type<L, In>();
  if constexpr (!ok) return false;
  else if constexpr (sizeof...(Rest) == 0) return true;
  else return check_layers<typename L::template output_shape<In>, Rest...>();
}
/// check_layers from the first layer's image shape (image_input's shape_type; a network
/// without one fails its own check first).
template <class First, class... Rest>
constexpr bool check_network_layers() {
  if constexpr (requires { typename First::shape_type; })
    return check_layers<typename First::shape_type, First, Rest...>();
  else
    return true;
}

}  // namespace partrain
