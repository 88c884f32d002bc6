// The bodies of experiment/strategy.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/experiment.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/experiment/strategy.hpp"

namespace partrain::experiment::detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL bool exists(const parameter& p, const std::map<std::string, value>& chosen) {
  if (!p.condition) return true;
  const auto it = chosen.find(p.condition->parameter);
  return it != chosen.end() && it->second == p.condition->equals;
}

PARTRAIN_DECL double unit(std::uint64_t seed, std::size_t trial, std::uint32_t purpose) {
  const auto bits = random_bits(seed, std::uint32_t(trial), std::uint32_t(trial >> 32), purpose);
  const std::uint64_t word = (std::uint64_t(bits[0]) << 21) ^ bits[1];
  return double(word & ((std::uint64_t(1) << 53) - 1)) * 0x1p-53;
}

PARTRAIN_DECL std::uint64_t trial_seed(std::uint64_t seed, std::size_t index) {
  const auto bits = random_bits(seed, std::uint32_t(index), std::uint32_t(index >> 32), 0x73656564u);
  return (std::uint64_t(bits[0]) << 32) | bits[1];
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::experiment::detail

namespace partrain::experiment {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL trial_plan::trial_plan(search_space space, strategy how) : space_(std::move(space)), how_(how) {
  if (const auto* e = std::get_if<exhaustive>(&how_)) {
    for (const parameter& p : space_.parameters())
      PARTRAIN_CHECK(!detail::is_range(p), config_error, "[partrain::experiment::exhaustive] parameter '", p.name,
                     "' is a range of real numbers, which cannot be swept; give it as a choice, or use "
                     "random_sampling or grid_random");
    grid_ = detail::grid(space_, [](const parameter&) { return true; });
    seed_ = e->seed;
  } else {
    const std::size_t n = std::visit([](const auto& s) -> std::size_t {
      if constexpr (requires { s.num_samples; }) return s.num_samples;
      else return 1;
    }, how_);
    PARTRAIN_CHECK(n >= 1, config_error, "[partrain::experiment] num_samples is ", n, "; expected at least 1");
    samples_ = n;
    seed_ = std::visit([](const auto& s) { return s.seed; }, how_);
    if (std::holds_alternative<grid_random>(how_))
      grid_ = detail::grid(space_, [](const parameter& p) { return p.is_choice(); });
  }
}

PARTRAIN_DECL std::size_t trial_plan::size() const {
  if (std::holds_alternative<exhaustive>(how_)) return grid_.size();
  if (std::holds_alternative<grid_random>(how_)) return grid_.size() * samples_;
  return samples_;
}

PARTRAIN_DECL trial trial_plan::at(std::size_t index) const {
  PARTRAIN_CHECK(index < size(), config_error, "[partrain::experiment::trial_plan] trial index ", index,
                 " is out of range; the search has ", size(), " trials");
  trial t{index, 0, detail::trial_seed(seed_, index), {}};
  if (std::holds_alternative<random_sampling>(how_)) {
    const double u = detail::unit(seed_, index, 0);
    t.architecture = std::min(space_.architectures() - 1, std::size_t(u * double(space_.architectures())));
    detail::draw(space_, [](const parameter&) { return true; }, seed_, index, t.values);
    return t;
  }
  const bool sampled = std::holds_alternative<grid_random>(how_);
  const detail::grid_point& g = grid_[sampled ? index / samples_ : index];
  t.architecture = g.architecture, t.values = g.values;
  if (sampled) detail::draw(space_, [](const parameter& p) { return !p.is_choice(); }, seed_, index, t.values);
  return t;
}

PARTRAIN_DECL std::string trial_plan::describe_strategy() const {
  if (const auto* e = std::get_if<exhaustive>(&how_)) return partrain::concat_text("exhaustive (seed ", e->seed, ")");
  const char* name = std::holds_alternative<grid_random>(how_) ? "grid_random" : "random_sampling";
  return partrain::concat_text(name, " (num_samples ", samples_, ", seed ", seed_, ")");
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::experiment
