// The bodies of experiment/search_space.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/experiment.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/experiment/search_space.hpp"

namespace partrain::experiment {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::string to_string(const value& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using X = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<X, std::string>) return x;
        else if constexpr (std::is_same_v<X, bool>) return x ? "true" : "false";
        else if constexpr (std::is_same_v<X, double>) {
          char buf[32];
          return std::string(buf, std::to_chars(buf, buf + sizeof buf, x).ptr);
        } else return std::to_string(x);
      },
      v);
}

PARTRAIN_DECL search_space& search_space::add(std::string name, domain values, std::optional<only_when> condition) {
  const std::string where = "[partrain::experiment::search_space] parameter '" + name + "'";
  PARTRAIN_CHECK(!name.empty() && name != "architecture" && find(name) == nullptr, config_error, where,
                 name.empty() ? ": a parameter needs a name" : " is defined twice (or is the reserved 'architecture')");
  const bool plain = std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
  PARTRAIN_CHECK(plain, config_error, where, ": a name has letters, digits, '_', '-' and '.' only (it names files "
                 "and CSV columns)");
  check_domain(where, values);
  if (condition) {
    const parameter* parent = find(condition->parameter);
    PARTRAIN_CHECK(parent != nullptr, config_error, where, " exists only when '", condition->parameter,
                   "' is ", to_string(condition->equals), ", but no such parameter was added before it");
    PARTRAIN_CHECK(can_take(*parent, condition->equals), config_error, where, " exists only when '",
                   condition->parameter, "' is ", to_string(condition->equals), ", a value '",
                   condition->parameter, "' never takes");
  }
  parameters_.push_back({std::move(name), std::move(values), std::move(condition)});
  return *this;
}

PARTRAIN_DECL const parameter* search_space::find(std::string_view name) const {
  for (const parameter& p : parameters_)
    if (p.name == name) return &p;
  return nullptr;
}

PARTRAIN_DECL std::string search_space::describe() const {
  std::string out = "architecture (" + std::to_string(architectures_) + ")";
  for (const parameter& p : parameters_) {
    out += ", " + p.name;
    if (p.condition) out += " (only when " + p.condition->parameter + " is " + to_string(p.condition->equals) + ")";
    out += ": " + std::visit([](const auto& d) { return describe(d); }, p.values);
  }
  return out;
}

PARTRAIN_DECL std::string search_space::describe(const choice& c) {
  std::string out = "choice of {";
  for (std::size_t i = 0; i < c.options.size(); ++i) out += (i ? ", " : "") + to_string(c.options[i]);
  return out + "}";
}

PARTRAIN_DECL void search_space::check_domain(const std::string& where, const domain& values) {
  if (const auto* c = std::get_if<choice>(&values))
    PARTRAIN_CHECK(!c->options.empty(), config_error, where, " is a choice of nothing; give at least one value");
  if (const auto* u = std::get_if<uniform>(&values))
    PARTRAIN_CHECK(std::isfinite(u->low) && std::isfinite(u->high) && u->low <= u->high, config_error, where,
                   ": uniform range [", u->low, ", ", u->high, "]; expected finite bounds with low <= high");
  if (const auto* u = std::get_if<log_uniform>(&values))
    PARTRAIN_CHECK(u->low > 0 && std::isfinite(u->high) && u->low <= u->high, config_error, where,
                   ": log-uniform range [", u->low, ", ", u->high,
                   "]; expected 0 < low <= high (a log range cannot reach 0)");
  if (const auto* i = std::get_if<integer>(&values))
    PARTRAIN_CHECK(i->low <= i->high, config_error, where, ": integer range [", i->low, ", ", i->high,
                   "]; expected low <= high");
}

PARTRAIN_DECL bool search_space::can_take(const parameter& p, const value& v) {
  if (const auto* c = std::get_if<choice>(&p.values)) {
    for (const value& o : c->options)
      if (o == v) return true;
    return false;
  }
  return true;  // a range: any number in it may turn up
}

PARTRAIN_DECL std::string trial::describe() const {
  std::string out = "architecture " + std::to_string(architecture);
  for (const auto& [k, v] : values) out += ", " + k + "=" + to_short_string(v);
  return out;
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::experiment
