// The bodies of train/classify.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/train.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <cstddef>

#include "partrain/train/classify.hpp"

namespace partrain {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL double accuracy_fraction(const predictions& p) {
  if (p.size() == 0) return 0;
  std::size_t correct = 0;
  for (std::size_t i = 0; i < p.size(); ++i) correct += p.predicted[i] == p.truth[i];
  return double(correct) / double(p.size());
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain
