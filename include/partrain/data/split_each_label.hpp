// data::split_each_label: splits a datastore into parts with given proportions or counts of
// each label (MATLAB's splitEachLabel), randomized with an explicit seed by default.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/random.hpp"
#include "partrain/data/image_datastore.hpp"

namespace partrain::data {

struct split_options {
  std::uint64_t seed = 0;   ///< which random split (randomize only)
  bool randomize = true;    ///< false: take each label's files in order, as MATLAB does by default
  bool allow_empty = false; ///< true: a part may get no image of a label (otherwise an error)
};

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Splits `ds` into parts.size() + 1 datastores: part k gets parts[k] of each label, the last
/// gets the rest. Values < 1 are proportions of each label, values >= 1 whole counts; all of
/// one kind. Part boundaries are floor(n * cumulative proportion) (or cumulative counts).
/// Each part keeps ds's order and class list. Throws config_error for invalid values (not
/// positive, proportions summing over 1, fractional counts, mixed kinds), data_error when a
/// label has fewer images than the counts ask for, or when a part would get no image of a
/// label (unless allow_empty).
PARTRAIN_DECL std::vector<image_datastore> split_each_label(const image_datastore& ds, std::span<const double> parts,
                                                            split_options opt = {});

}  // namespace PARTRAIN_MODE_NAMESPACE

namespace detail {
template <std::size_t N>
std::array<image_datastore, N + 1> split_array(const image_datastore& ds, std::array<double, N> p, split_options opt) {
  auto parts = split_each_label(ds, std::span<const double>(p), opt);
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<image_datastore, N + 1>{std::move(parts[I])...};
  }(std::make_index_sequence<N + 1>{});
}
}  // namespace detail

/// `auto [train, rest] = split_each_label(ds, 0.8, {.seed = 42});`
inline std::array<image_datastore, 2> split_each_label(const image_datastore& ds, double p1, split_options opt = {}) {
  return detail::split_array<1>(ds, {p1}, opt);
}
/// `auto [train, val, test] = split_each_label(ds, 0.8, 0.1, {.seed = 42});`
inline std::array<image_datastore, 3> split_each_label(const image_datastore& ds, double p1, double p2,
                                                       split_options opt = {}) {
  return detail::split_array<2>(ds, {p1, p2}, opt);
}
inline std::array<image_datastore, 4> split_each_label(const image_datastore& ds, double p1, double p2, double p3,
                                                       split_options opt = {}) {
  return detail::split_array<3>(ds, {p1, p2, p3}, opt);
}

}  // namespace partrain::data

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/data/impl/split_each_label.ipp"
#endif
