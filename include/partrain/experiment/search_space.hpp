// A search space: a type_list of architectures times named hyper-parameters (choices,
// uniform and log-uniform ranges, integers), some of which exist only when another has a
// given value (momentum only for sgdm); and a trial: an architecture plus named, typed
// values, handed to the code that trains it.
#pragma once

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/type_list.hpp"

namespace partrain::experiment {

/// A hyper-parameter's value: a number, an integer, a word or a switch.
using value = std::variant<double, std::int64_t, std::string, bool>;

inline namespace PARTRAIN_MODE_NAMESPACE {

/// "0.001", "64", "adam", "true"; a number in the fewest digits that read back as the same
/// double (files and records hold it exactly).
PARTRAIN_DECL std::string to_string(const value& v);

}  // namespace PARTRAIN_MODE_NAMESPACE

/// The same with numbers to 6 significant digits, for tables and messages.
inline std::string to_short_string(const value& v) {
  if (const auto* x = std::get_if<double>(&v)) return partrain::concat_text(*x);
  return to_string(v);
}

/// One of these values (MATLAB's sweep over a list; Ray Tune's tune.choice / grid_search).
struct choice {
  std::vector<value> options;
  choice(std::initializer_list<value> o) : options(o) {}
  explicit choice(std::vector<value> o) : options(std::move(o)) {}
};
/// A number drawn uniformly from [low, high].
struct uniform {
  double low, high;
};
/// A number whose logarithm is uniform in [log low, log high] (learn rates); low > 0.
struct log_uniform {
  double low, high;
};
/// An integer drawn uniformly from [low, high], both included.
struct integer {
  std::int64_t low, high;
};
using domain = std::variant<choice, uniform, log_uniform, integer>;

/// A parameter that exists only when an earlier one has a given value.
struct only_when {
  std::string parameter;
  value equals;
};

/// One named hyper-parameter of a space.
struct parameter {
  std::string name;
  domain values;
  std::optional<only_when> condition;

  bool is_choice() const { return std::holds_alternative<choice>(values); }
};

inline namespace PARTRAIN_MODE_NAMESPACE {

/// The architectures (a type_list; a trial gets the index of one) and the hyper-parameters
/// of a search, in the order they were added. Checked as they are added: config_error
/// naming the parameter for a duplicate name, an empty choice, a range with low > high, a
/// log range that reaches 0, or a condition on a parameter not added before it (or on a
/// value it cannot take).
class search_space {
 public:
  /// A space over the architectures of `Architectures` (a type_list).
  template <class Architectures>
  static search_space over() {
    static_assert(Architectures::size > 0, "search_space::over<type_list<...>>: give at least one architecture");
    return search_space(Architectures::size);
  }

  search_space& add(std::string name, domain values, std::optional<only_when> condition = std::nullopt);

  std::size_t architectures() const { return architectures_; }
  const std::vector<parameter>& parameters() const { return parameters_; }
  const parameter* find(std::string_view name) const;
  /// "architecture (3), solver: choice of 3, initial_learn_rate: log-uniform [0.0001, 0.1], momentum (only when
  /// solver is sgdm): uniform [0.8, 0.99]": what the space is, for messages and records.
  std::string describe() const;

 private:
  explicit search_space(std::size_t architectures) : architectures_(architectures) {}

  static std::string describe(const choice& c);
  static std::string describe(const uniform& u) { return partrain::concat_text("uniform [", u.low, ", ", u.high, "]"); }
  static std::string describe(const log_uniform& u) {
    return partrain::concat_text("log-uniform [", u.low, ", ", u.high, "]");
  }
  static std::string describe(const integer& i) { return partrain::concat_text("integer [", i.low, ", ", i.high, "]"); }

  static void check_domain(const std::string& where, const domain& values);
  static bool can_take(const parameter& p, const value& v);

  std::size_t architectures_;
  std::vector<parameter> parameters_;
};

/// One trial of a search: its 0-based index, the architecture's index in the type_list,
/// its seed, and the values of the parameters that exist for it.
struct trial {
  std::size_t index = 0;
  std::size_t architecture = 0;
  std::uint64_t seed = 0;
  std::map<std::string, value> values;

  bool has(std::string_view name) const { return values.count(std::string(name)) > 0; }

  /// The value of `name` as T: double (from a number or an integer), std::int64_t or int
  /// (from an integer), std::string, bool. Throws config_error naming the trial and the
  /// parameter when it has no such value (not in the space, or not for this trial's choices)
  /// or the value is of another kind.
  template <class T>
  T get(std::string_view name) const {
    const auto it = values.find(std::string(name));
    if (it == values.end()) {
      std::string defined;
      for (const auto& [k, v] : values) defined += (defined.empty() ? "" : ", ") + k;
      fail<config_error>("[partrain::experiment::trial] trial ", index, " has no value '", name,
                         "' (the space does not define it, or not for this trial's choices); it has: ",
                         defined.empty() ? "none" : defined);
    }
    const value& v = it->second;
    if constexpr (std::is_same_v<T, double>) {
      if (const auto* i = std::get_if<std::int64_t>(&v)) return double(*i);
    }
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      if (const auto* i = std::get_if<std::int64_t>(&v)) return T(*i);
    } else {
      if (const auto* x = std::get_if<T>(&v)) return *x;
    }
    fail<config_error>("[partrain::experiment::trial] trial ", index, ": '", name, "' is ", to_short_string(v),
                       ", not of the kind asked for");
  }

  /// "architecture 1, initial_learn_rate=0.0031, solver=adam".
  std::string describe() const;
};

}  // namespace PARTRAIN_MODE_NAMESPACE

}  // namespace partrain::experiment

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/experiment/impl/search_space.ipp"
#endif
