// Search strategies: which trials a search_space gives. Trial i's values are a function of
// (space, strategy, i) alone — never of how many workers run the trials or in which order
// they finish — so a search reruns, resumes and spreads over machines unchanged.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/random.hpp"
#include "partrain/core/type_list.hpp"
#include "partrain/experiment/search_space.hpp"

namespace partrain::experiment {

/// Every combination (MATLAB's exhaustive sweep): architectures x each choice's values x
/// each integer in its range; a parameter that exists only for some choices multiplies only
/// those. Ranges of real numbers cannot be swept: config_error naming the parameter.
struct exhaustive {
  std::uint64_t seed = 0;  ///< the trials' seeds derive from it
};
/// num_samples trials, each parameter drawn at random (architecture and choices uniformly).
struct random_sampling {
  std::size_t num_samples = 1;
  std::uint64_t seed = 0;
};
/// Every combination of the architectures and choices, each with num_samples random draws
/// of the ranges (Ray Tune's grid_search inside a search space with num_samples).
struct grid_random {
  std::size_t num_samples = 1;
  std::uint64_t seed = 0;
};
using strategy = std::variant<exhaustive, random_sampling, grid_random>;

namespace detail {
// A point of the grid: the architecture and the values of the gridded parameters.
struct grid_point {
  std::size_t architecture = 0;
  std::map<std::string, value> values;
};

inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL bool exists(const parameter& p, const std::map<std::string, value>& chosen);

}  // namespace PARTRAIN_MODE_NAMESPACE

// The grid over the architectures and the parameters `gridded` says, in declaration order
// (the first parameter varies slowest).
template <class Gridded>
std::vector<grid_point> grid(const search_space& space, Gridded gridded) {
  std::vector<grid_point> points;
  for (std::size_t a = 0; a < space.architectures(); ++a) points.push_back({a, {}});
  for (const parameter& p : space.parameters()) {
    if (!gridded(p)) continue;
    std::vector<value> options;
    if (const auto* c = std::get_if<choice>(&p.values)) options = c->options;
    else if (const auto* i = std::get_if<integer>(&p.values))
      for (std::int64_t v = i->low; v <= i->high; ++v) options.push_back(v);
    std::vector<grid_point> next;
    for (grid_point& g : points) {
      if (!exists(p, g.values)) {
        next.push_back(std::move(g));
        continue;
      }
      for (const value& v : options) {
        grid_point more = g;
        more.values[p.name] = v;
        next.push_back(std::move(more));
      }
    }
    points = std::move(next);
  }
  return points;
}

inline namespace PARTRAIN_MODE_NAMESPACE {

// A uniform double in [0, 1) for (seed, trial, purpose): the same on every machine.
PARTRAIN_DECL double unit(std::uint64_t seed, std::size_t trial, std::uint32_t purpose);

}  // namespace PARTRAIN_MODE_NAMESPACE

// Draws the parameters `drawn` says for trial `index` (those that exist given the values
// already there), in declaration order; parameter k draws from stream k + 1.
template <class Drawn>
void draw(const search_space& space, Drawn drawn, std::uint64_t seed, std::size_t index,
          std::map<std::string, value>& values) {
  for (std::size_t k = 0; k < space.parameters().size(); ++k) {
    const parameter& p = space.parameters()[k];
    if (!drawn(p) || !exists(p, values)) continue;
    const double u = unit(seed, index, std::uint32_t(k + 1));
    std::visit(
        [&](const auto& d) {
          using Dom = std::decay_t<decltype(d)>;
          if constexpr (std::is_same_v<Dom, choice>)
            values[p.name] = d.options[std::min(d.options.size() - 1, std::size_t(u * double(d.options.size())))];
          else if constexpr (std::is_same_v<Dom, uniform>) values[p.name] = d.low + (d.high - d.low) * u;
          else if constexpr (std::is_same_v<Dom, log_uniform>)
            values[p.name] = std::exp(std::log(d.low) + (std::log(d.high) - std::log(d.low)) * u);
          else
            values[p.name] = std::int64_t(std::min<double>(double(d.high), std::floor(double(d.low) +
                                                                                     u * double(d.high - d.low + 1))));
        },
        p.values);
  }
}

inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::uint64_t trial_seed(std::uint64_t seed, std::size_t index);

}  // namespace PARTRAIN_MODE_NAMESPACE

inline bool is_range(const parameter& p) {
  return std::holds_alternative<uniform>(p.values) || std::holds_alternative<log_uniform>(p.values);
}
}  // namespace detail

inline namespace PARTRAIN_MODE_NAMESPACE {

/// The trials of `space` under `how`, each a function of (space, how, its index) alone.
/// Throws config_error for num_samples < 1, or exhaustive over a range of real numbers.
class trial_plan {
 public:
  trial_plan(search_space space, strategy how);

  /// How many trials the search has.
  std::size_t size() const;

  /// Trial `index` (0-based, below size()).
  trial at(std::size_t index) const;

  const search_space& space() const { return space_; }
  /// "random_sampling (num_samples 24, seed 1)": the strategy, for records and messages.
  std::string describe_strategy() const;

 private:
  search_space space_;
  strategy how_;
  std::vector<detail::grid_point> grid_;
  std::size_t samples_ = 0;
  std::uint64_t seed_ = 0;
};

}  // namespace PARTRAIN_MODE_NAMESPACE

/// What an adaptive strategy (Bayesian optimisation, say) offers a search loop: ask for the
/// next trial — nullopt when it has no more — and tell it a finished trial's metric. The
/// fixed strategies above need no telling; plan_strategy gives them this shape.
template <class S>
concept ask_tell_strategy = requires(S& s, const trial& t, double metric) {
  { s.ask() } -> std::same_as<std::optional<trial>>;
  s.tell(t, metric);
};

/// A trial_plan as an ask/tell strategy: trials in index order; what it is told changes nothing.
class plan_strategy {
 public:
  explicit plan_strategy(trial_plan plan) : plan_(std::move(plan)) {}
  std::optional<trial> ask() {
    if (next_ >= plan_.size()) return std::nullopt;
    return plan_.at(next_++);
  }
  void tell(const trial&, double) {}

 private:
  trial_plan plan_;
  std::size_t next_ = 0;
};
static_assert(ask_tell_strategy<plan_strategy>);

/// Calls f.template operator()<Net>(t) with Net the trial's architecture in `Architectures`
/// (the type_list the space was made over); every Net's call must return the same type,
/// which with_architecture returns by value.
template <class Architectures, class F>
auto with_architecture(const trial& t, F&& f) {
  PARTRAIN_CHECK(t.architecture < Architectures::size, config_error, "[partrain::experiment::with_architecture] trial ",
                 t.index, " has architecture ", t.architecture, " but the list has ", Architectures::size);
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    using result = decltype(f.template operator()<type_at<0, Architectures>>(t));
    if constexpr (std::is_void_v<result>) {
      ((t.architecture == I ? (f.template operator()<type_at<I, Architectures>>(t), 0) : 0), ...);
    } else {
      std::optional<result> out;
      ((t.architecture == I ? (out.emplace(f.template operator()<type_at<I, Architectures>>(t)), 0)
                            : 0),
       ...);
      return result(std::move(*out));  // by value: `out` ends here
    }
  }(std::make_index_sequence<Architectures::size>{});
}

}  // namespace partrain::experiment

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/experiment/impl/strategy.ipp"
#endif
