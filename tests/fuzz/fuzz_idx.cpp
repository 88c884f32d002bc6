// libFuzzer target: data::parse_idx (plain and gzip) must parse or throw data_error.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "partrain/data/idx_datastore.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto a = partrain::data::parse_idx({data, size}, "fuzz", std::size_t(1) << 24);
    std::size_t n = 1;
    const bool empty = std::find(a.extents.begin(), a.extents.end(), 0u) != a.extents.end();
    for (auto e : a.extents)
      if (!empty && __builtin_mul_overflow(n, std::size_t(e), &n)) __builtin_trap();
    if (empty) n = 0;
    if (n != a.values.size()) __builtin_trap();
  } catch (const partrain::data_error&) {
  }
  return 0;
}
