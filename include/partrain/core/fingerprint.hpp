// A 64-bit fingerprint of data fed in pieces: how workers recognise that they train on the
// same images without comparing them (MurmurHash3's 64-bit mixing; not cryptographic).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

namespace partrain {

/// Equal sequences of pieces give equal values; different ones collide with probability
/// about 2^-64. Piece boundaries count: add("ab"), add("c") differs from add("a"), add("bc").
class fingerprint {
 public:
  fingerprint& add(const void* bytes, std::size_t count) {
    mix(count);
    const auto* p = static_cast<const unsigned char*>(bytes);
    std::size_t i = 0;
    for (; i + 8 <= count; i += 8) {
      std::uint64_t word;
      std::memcpy(&word, p + i, 8);
      mix(word);
    }
    if (i < count) {
      std::uint64_t tail = 0;
      std::memcpy(&tail, p + i, count - i);
      mix(tail);
    }
    return *this;
  }
  template <class T>
    requires std::is_trivially_copyable_v<T>
  fingerprint& add(std::span<const T> values) {
    return add(values.data(), values.size_bytes());
  }
  template <class T>
    requires std::is_trivially_copyable_v<T>
  fingerprint& add_value(const T& value) {
    return add(&value, sizeof value);
  }

  std::uint64_t value() const {
    std::uint64_t h = h_ ^ words_;
    h ^= h >> 33, h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33, h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
  void mix(std::uint64_t k) {
    k *= 0x87c37b91114253d5ULL, k = rotl(k, 31), k *= 0x4cf5ad432745937fULL;
    h_ ^= k, h_ = rotl(h_, 27) * 5 + 0x52dce729;
    ++words_;
  }
  std::uint64_t h_ = 0x9e3779b97f4a7c15ULL;
  std::uint64_t words_ = 0;
};

}  // namespace partrain
