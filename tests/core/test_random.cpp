#include <doctest/doctest.h>

#include <cmath>

#include "partrain/core/random.hpp"

using namespace partrain;

TEST_CASE("philox4x32-10 matches the Random123 known-answer vectors") {
  // Known-answer tests from Random123's kat_vectors (philox4x32_10).
  // key is (k0, k1) = low/high 32 bits of the 64-bit key.
  auto r0 = philox4x32(0, {0, 0, 0, 0});
  CHECK(r0 == std::array<std::uint32_t, 4>{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u});
  auto r1 = philox4x32(0xffffffffffffffffull, {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu});
  CHECK(r1 == std::array<std::uint32_t, 4>{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu});
  auto r2 = philox4x32(0x299f31d0a4093822ull, {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u});
  CHECK(r2 == std::array<std::uint32_t, 4>{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u});
}

TEST_CASE("random_engine is reproducible and uniform") {
  random_engine a(42), b(42), c(43);
  bool differs = false;
  double sum = 0;
  for (int i = 0; i < 10000; ++i) {
    auto x = a(), y = b(), z = c();
    CHECK(x == y);
    differs |= x != z;
    sum += uniform01(x);
  }
  CHECK(differs);
  CHECK(std::abs(sum / 10000 - 0.5) < 0.02);
}
