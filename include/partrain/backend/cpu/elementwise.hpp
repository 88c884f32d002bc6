// Elementwise work on the CPU: one loop that runs the same functors the GPU will run.
#pragma once

#include <cstddef>

namespace partrain::backend::cpu {

/// Calls f(i) for i in [0, n): the CPU counterpart of a grid-stride kernel.
template <class F>
void for_each_index(std::size_t n, F f) {
  for (std::size_t i = 0; i < n; ++i) f(i);
}

}  // namespace partrain::backend::cpu
