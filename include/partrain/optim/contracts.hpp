// The written contracts of a solver and of a learn-rate schedule, beside the solvers: what
// each must provide, as a concept (to test a type) and a check whose static_asserts name
// what is missing ("not a solver: it has no `void validate() const`"), which
// training_options and train_network run on the types they are given.
#pragma once

#include <concepts>
#include <span>
#include <string_view>
#include <type_traits>

#include "partrain/backend/context.hpp"
#include "partrain/core/hyperparameters.hpp"
#include "partrain/core/memory.hpp"

namespace partrain {

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

}  // namespace partrain
