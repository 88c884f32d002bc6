// Counter-based random numbers (Philox4x32-10, Salmon et al., SC'11): a draw is a pure
// function of (key, counter), so results do not depend on thread count or device.
#pragma once

#include <array>
#include <cstdint>
#include <limits>

#include "partrain/config.hpp"

namespace partrain {

/// Four 32-bit random words for (key, counter).
PARTRAIN_HOST_DEVICE constexpr std::array<std::uint32_t, 4> philox4x32(
    std::uint64_t key, std::array<std::uint32_t, 4> ctr) {
  std::uint32_t k0 = std::uint32_t(key), k1 = std::uint32_t(key >> 32);
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = std::uint64_t(0xD2511F53u) * ctr[0];
    const std::uint64_t p1 = std::uint64_t(0xCD9E8D57u) * ctr[2];
    ctr = {std::uint32_t(p1 >> 32) ^ ctr[1] ^ k0, std::uint32_t(p1), std::uint32_t(p0 >> 32) ^ ctr[3] ^ k1,
           std::uint32_t(p0)};
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return ctr;
}

/// Uniform in [0, 1) from one 32-bit word (24 significant bits, exact in float).
PARTRAIN_HOST_DEVICE constexpr float uniform01(std::uint32_t bits) {
  return float(bits >> 8) * (1.0f / 16777216.0f);
}

/// The draw for stream (a, b) at position i: the same on every thread and device.
/// `a`/`b` identify the purpose (e.g. epoch and image index), `i` the draw within it.
PARTRAIN_HOST_DEVICE constexpr std::array<std::uint32_t, 4> random_bits(std::uint64_t seed,
                                                                        std::uint32_t a,
                                                                        std::uint32_t b,
                                                                        std::uint32_t i) {
  return philox4x32(seed, {i, a, b, 0x7061u});
}

/// A sequential generator over the Philox stream `seed`; satisfies
/// std::uniform_random_bit_generator, so it works with <random> distributions.
class random_engine {
 public:
  using result_type = std::uint32_t;
  explicit constexpr random_engine(std::uint64_t seed = 0, std::uint32_t stream = 0)
      : seed_(seed), stream_(stream) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
  constexpr result_type operator()() {
    if (lane_ == 4) {
      block_ = philox4x32(seed_, {std::uint32_t(counter_), std::uint32_t(counter_ >> 32), stream_, 0x656eu});
      ++counter_;
      lane_ = 0;
    }
    return block_[lane_++];
  }
  /// Uniform in [lo, hi).
  constexpr double uniform(double lo, double hi) {
    const std::uint64_t bits = (std::uint64_t((*this)()) << 21) ^ (*this)();
    return lo + (hi - lo) * double(bits & ((std::uint64_t(1) << 53) - 1)) * 0x1p-53;
  }
  std::uint64_t seed() const { return seed_; }
  /// Words drawn so far; seek(draws()) on an engine of the same seed and stream continues
  /// the sequence exactly (what a checkpoint stores).
  constexpr std::uint64_t draws() const { return counter_ * 4 - std::uint64_t(4 - lane_); }
  constexpr void seek(std::uint64_t draws) {
    counter_ = draws / 4, lane_ = 4;
    if (draws % 4 == 0) return;
    (*this)();
    lane_ = int(draws % 4);
  }

 private:
  std::uint64_t seed_;
  std::uint32_t stream_;
  std::uint64_t counter_ = 0;
  std::array<std::uint32_t, 4> block_{};
  int lane_ = 4;
};

}  // namespace partrain
