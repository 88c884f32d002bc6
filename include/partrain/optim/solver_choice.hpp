// A solver chosen at run time — sgdm, adam or rmsprop — behind one type: a search that
// treats the solver as a value instantiates train_network once per network, not once per
// network and solver (3 architectures x 3 solver types would be 9 instantiations).
#pragma once

#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>

#include "partrain/core/error.hpp"
#include "partrain/core/hyperparameters.hpp"
#include "partrain/optim/adam.hpp"
#include "partrain/optim/rmsprop.hpp"
#include "partrain/optim/sgdm.hpp"

namespace partrain::optim {

/// One of the built-in solvers, with its hyper-parameters. Trains bit for bit as the solver
/// it holds; records, checkpoints and experiment files name that solver ("adam"), not this.
struct solver_choice {
  using alternatives = std::variant<sgdm, adam, rmsprop>;
  static constexpr std::string_view name = "solver_choice";
  /// No single default (sgdm's is 0.01, adam's and rmsprop's 0.001): training_options'
  /// initial_learn_rate must be set; validate() says so otherwise.
  static constexpr double default_learn_rate = std::numeric_limits<double>::quiet_NaN();
  static constexpr auto hyperparameters() { return std::tuple{}; }

  alternatives chosen{sgdm{}};

  solver_choice() = default;
  solver_choice(sgdm s) : chosen(s) {}
  solver_choice(adam s) : chosen(s) {}
  solver_choice(rmsprop s) : chosen(s) {}

  /// The solver called `solver_name` with its default hyper-parameters; config_error
  /// naming the known ones otherwise.
  static solver_choice named(std::string_view solver_name) {
    std::optional<solver_choice> found;
    auto try_one = [&](auto s) {
      if (s.name == solver_name) found = solver_choice(s);
    };
    try_one(sgdm{}), try_one(adam{}), try_one(rmsprop{});
    PARTRAIN_CHECK(found.has_value(), config_error, "[partrain::optim::solver_choice] no solver named '", solver_name,
                   "'; expected sgdm, adam or rmsprop");
    return *found;
  }

  std::string_view chosen_name() const {
    return std::visit([](const auto& s) { return s.name; }, chosen);
  }
  double chosen_default_learn_rate() const {
    return std::visit([](const auto& s) { return s.default_learn_rate; }, chosen);
  }
  /// f(name, value) for each hyper-parameter of the chosen solver (records list them).
  template <class F>
  void for_each_hyperparameter(F&& f) const {
    std::visit([&](const auto& s) { partrain::for_each_hyperparameter(s, f); }, chosen);
  }
  template <class F>
  void for_each_hyperparameter(F&& f) {
    std::visit([&](auto& s) { partrain::for_each_hyperparameter(s, f); }, chosen);
  }

  /// The chosen solver's state; made for a choice (training_run does that, through
  /// make_solver_state) or, from a memory space alone, sgdm's.
  template <class Net>
  struct state {
    using alternatives = std::variant<sgdm::state<Net>, adam::state<Net>, rmsprop::state<Net>>;
    explicit state(const memory_space& space = host_memory) : state(solver_choice{}, space) {}
    state(const solver_choice& s, const memory_space& space)
        : alternative(std::visit(
              [&](const auto& solver) -> alternatives {
                return typename std::remove_cvref_t<decltype(solver)>::template state<Net>(space);
              },
              s.chosen)) {}
    alternatives alternative;
    template <class F>
    void for_each_field(F&& f) {
      std::visit([&](auto& s) { s.for_each_field(f); }, alternative);
    }
  };

  template <class Net>
  void step(context& ctx, state<Net>& s, std::span<typename Net::value_type> w,
            std::span<const typename Net::value_type> g, double lr, const int* cancel = nullptr) const {
    PARTRAIN_CHECK(s.alternative.index() == chosen.index(), config_error,
                   "[partrain::optim::solver_choice] the state was made for another solver than '", chosen_name(),
                   "' (make it with make_solver_state)");
    std::visit(
        [&](const auto& solver) {
          using S = std::remove_cvref_t<decltype(solver)>;
          solver.step(ctx, std::get<typename S::template state<Net>>(s.alternative), w, g, lr, cancel);
        },
        chosen);
  }
  void validate() const {
    std::visit([](const auto& s) { s.validate(); }, chosen);
  }
};

}  // namespace partrain::optim
