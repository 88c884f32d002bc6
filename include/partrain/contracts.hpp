// The written contracts of partrain's extension points: what a layer, a solver and a
// learn-rate schedule must provide. Each is a concept (to test a type) and a check whose
// static_asserts name what is missing ("not a layer: it has no output_shape<In>"), which
// network<...>, training_options and train_network run on the types they are given.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "partrain/backend/context.hpp"
#include "partrain/core/hyperparameters.hpp"
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

namespace detail {
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
}  // namespace detail

// ---------------------------------------------------------------------------------- schedule
namespace schedule {
/// Where training is when a learn rate is asked for. epoch and iteration are 1-based.
struct point {
  int epoch = 1;
  int iteration = 1;
  int iterations_per_epoch = 1;
  int max_epochs = 1;
};

/// A learn-rate schedule: a name, s(initial learn rate, point) -> the iteration's learn
/// rate, validate() (throws config_error naming a bad field), and its hyper-parameters.
template <class S>
concept learn_rate_schedule = requires(const S& s, double lr, point p) {
  { s(lr, p) } -> std::convertible_to<double>;
  { S::name } -> std::convertible_to<std::string_view>;
  s.validate();
  requires describes_hyperparameters<S>;
};
}  // namespace schedule

namespace detail {
template <class S>
constexpr bool check_schedule() {
  static_assert(requires { S::name; }, "not a learn-rate schedule: it has no `static constexpr std::string_view name`");
  static_assert(requires(const S& s, double lr, schedule::point p) { double(s(lr, p)); },
                "not a learn-rate schedule: it has no `double operator()(double initial, schedule::point) const`");
  static_assert(requires(const S& s) { s.validate(); }, "not a learn-rate schedule: it has no `void validate() const`");
  static_assert(describes_hyperparameters<S>,
                "not a learn-rate schedule: it has no `static constexpr auto hyperparameters()` "
                "(return std::tuple{} when it has none)");
  return schedule::learn_rate_schedule<S>;
}
}  // namespace detail

// ---------------------------------------------------------------------------------- solver
/// A solver for networks of type Net: a name and default learn rate, per-run state<Net>
/// (made from a memory space), step(ctx, state, w, g, lr, cancel) — which must leave w and
/// the per-parameter state (velocities, moments) as they are when *cancel (an int in the
/// network's memory, when not null) is nonzero at the time the update runs: that is how a
/// GPU undoes the updates queued behind a diverged iteration; a host-side step counter may
/// still advance — validate(), and its hyper-parameters.
template <class S, class Net>
concept solver_for = requires(const S& s, context& ctx, typename S::template state<Net>& st,
                              std::span<typename Net::value_type> w, std::span<const typename Net::value_type> g,
                              double lr, const int* cancel, const memory_space& m) {
  { S::name } -> std::convertible_to<std::string_view>;
  { S::default_learn_rate } -> std::convertible_to<double>;
  requires std::constructible_from<typename S::template state<Net>, const memory_space&>;
  s.step(ctx, st, w, g, lr, cancel);
  s.validate();
  requires describes_hyperparameters<S>;
};

/// The name records and checkpoints give a solver: its own, or — for one chosen at run time
/// (optim::solver_choice) — the chosen one's.
template <class S>
std::string_view solver_name(const S& s) {
  if constexpr (requires { s.chosen_name(); }) return s.chosen_name();
  else return S::name;
}

/// A run's solver state in memory space m: made for the solver when its state needs to know
/// it (a solver chosen at run time), else from m alone.
template <class Net, class S>
typename S::template state<Net> make_solver_state(const S& s, const memory_space& m) {
  using state = typename S::template state<Net>;
  if constexpr (std::constructible_from<state, const S&, const memory_space&>) return state(s, m);
  else return state(m);
}

namespace detail {
template <class S, class Net>
constexpr bool check_solver() {
  using T = typename Net::value_type;
  static_assert(requires { S::name; }, "not a solver: it has no `static constexpr std::string_view name`");
  static_assert(requires { double(S::default_learn_rate); },
                "not a solver: it has no `static constexpr double default_learn_rate`");
  static_assert(requires { typename S::template state<Net>; },
                "not a solver: it has no `template <class Net> struct state` (its per-run state)");
  if constexpr (requires { typename S::template state<Net>; }) {
    static_assert(std::constructible_from<typename S::template state<Net>, const memory_space&>,
                  "not a solver: its state<Net> cannot be made from a memory_space");
    static_assert(requires(const S& s, context& c, typename S::template state<Net>& st, std::span<T> w,
                           std::span<const T> g, const int* cancel) {
                    requires requires { s.step(c, st, w, g, 0.0); } || requires { s.step(c, st, w, g, 0.0, cancel); };
                  },
                  "not a solver: it has no step(context&, state<Net>&, std::span<T> w, std::span<const T> g, "
                  "double lr, const int* cancel) const");
    static_assert(requires(const S& s, context& c, typename S::template state<Net>& st, std::span<T> w,
                           std::span<const T> g, const int* cancel) { s.step(c, st, w, g, 0.0, cancel); },
                  "not a solver: its step takes no cancel flag (a last parameter `const int* cancel`: when "
                  "*cancel is nonzero the update must change nothing — a GPU's divergence handling needs it)");
  }
  static_assert(requires(const S& s) { s.validate(); }, "not a solver: it has no `void validate() const`");
  static_assert(describes_hyperparameters<S>,
                "not a solver: it has no `static constexpr auto hyperparameters()` (return std::tuple{} when it "
                "has none)");
  return solver_for<S, Net>;
}
}  // namespace detail

}  // namespace partrain
