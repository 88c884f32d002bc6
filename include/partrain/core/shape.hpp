// Compile-time image shapes (channels, height, width) and runtime tensor extents.
#pragma once

#include <concepts>
#include <cstddef>
#include <string>

namespace partrain {

/// The per-image shape C x H x W of an activation, known at compile time.
template <int C, int H, int W>
struct shape {
  static_assert(C > 0 && H > 0 && W > 0, "partrain::shape: every extent must be positive");
  static constexpr int channels = C;
  static constexpr int height = H;
  static constexpr int width = W;
  static constexpr std::size_t size = std::size_t(C) * H * W;
};

template <class S>
concept static_shape = requires {
  { S::channels } -> std::convertible_to<int>;
  { S::height } -> std::convertible_to<int>;
  { S::width } -> std::convertible_to<int>;
  { S::size } -> std::convertible_to<std::size_t>;
};

/// Runtime extents of a batch in NCHW layout.
struct dims {
  int n = 0, c = 0, h = 0, w = 0;
  constexpr std::size_t size() const { return std::size_t(n) * c * h * w; }
  constexpr std::size_t image_size() const { return std::size_t(c) * h * w; }
  constexpr bool operator==(const dims&) const = default;
  std::string str() const {
    return "(" + std::to_string(n) + "," + std::to_string(c) + "," + std::to_string(h) + "," +
           std::to_string(w) + ")";
  }
};

/// The extents of a batch of n images of shape S.
template <static_shape S>
constexpr dims batch_dims(int n) {
  return {n, S::channels, S::height, S::width};
}

/// "28x28x1" — MATLAB's H x W x C order, used in messages.
template <static_shape S>
std::string shape_string() {
  return std::to_string(S::height) + "x" + std::to_string(S::width) + "x" +
         std::to_string(S::channels);
}

}  // namespace partrain
