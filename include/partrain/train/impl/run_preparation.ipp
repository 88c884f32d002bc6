// The bodies of train/run_preparation.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/train.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "partrain/core/random.hpp"
#include "partrain/train/run_preparation.hpp"

namespace partrain::detail {
inline namespace PARTRAIN_ABI_NAMESPACE {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL void shuffle_indices(std::vector<std::size_t>& order, random_engine& rng) {
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace partrain::detail
