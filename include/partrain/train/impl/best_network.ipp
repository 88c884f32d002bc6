// The bodies of train/best_network.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/train.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/train/best_network.hpp"

namespace partrain::detail {
inline namespace PARTRAIN_ABI_NAMESPACE {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL bool best_record::offer(double loss, int iteration) {
  if (!(loss < loss_)) {
    ++without_improvement_;
    return false;
  }
  loss_ = loss, iteration_ = iteration, without_improvement_ = 0;
  return true;
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace partrain::detail
