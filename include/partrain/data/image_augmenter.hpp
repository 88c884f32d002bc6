// data::image_augmenter: random geometric augmentation with MATLAB's imageDataAugmenter
// options. A draw is a pure function of (seed, epoch, image index) through Philox, and the
// per-pixel warp is a plain host/device function, so the CPU and a GPU produce the same images.
#pragma once

#include <math.h>

#include <cmath>
#include <cstdint>
#include <numbers>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/random.hpp"

namespace partrain::data {

/// A closed range [min, max] sampled uniformly; min == max is a constant.
struct interval {
  float min = 0, max = 0;
  bool operator==(const interval&) const = default;
};

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Random transforms applied about the image centre, in this order: reflection, scale,
/// shear, rotation, translation; bilinear sampling, same output size, fill_value outside.
/// Angles are degrees (rotation counter-clockwise as displayed), translation is pixels
/// (+x right, +y down), scale is a factor. rand_scale, when not {1, 1}, overrides
/// rand_x_scale / rand_y_scale (as MATLAB does).
struct image_augmenter {
  float fill_value = 0;
  interval rand_rotation{0, 0};
  interval rand_scale{1, 1};
  interval rand_x_scale{1, 1}, rand_y_scale{1, 1};
  interval rand_x_shear{0, 0}, rand_y_shear{0, 0};
  bool rand_x_reflection = false, rand_y_reflection = false;
  interval rand_x_translation{0, 0}, rand_y_translation{0, 0};
  std::uint64_t seed = 0;  ///< keys every draw with (epoch, image index)

  /// Throws config_error naming the option when a range is reversed or out of its domain.
  void validate() const;
  bool is_identity() const { return *this == image_augmenter{.fill_value = fill_value, .seed = seed}; }
  bool operator==(const image_augmenter&) const = default;
};

}  // namespace PARTRAIN_MODE_NAMESPACE

/// An affine map u = m * v + t between pixel-centre coordinates (pixel i spans [i, i+1)).
struct affine2d {
  float m00 = 1, m01 = 0, m10 = 0, m11 = 1, tx = 0, ty = 0;

  PARTRAIN_HOST_DEVICE constexpr float x(float vx, float vy) const { return m00 * vx + m01 * vy + tx; }
  PARTRAIN_HOST_DEVICE constexpr float y(float vx, float vy) const { return m10 * vx + m11 * vy + ty; }
  /// (a * b)(v) = a(b(v)).
  friend PARTRAIN_HOST_DEVICE constexpr affine2d operator*(const affine2d& a, const affine2d& b) {
    return {a.m00 * b.m00 + a.m01 * b.m10, a.m00 * b.m01 + a.m01 * b.m11, a.m10 * b.m00 + a.m11 * b.m10,
            a.m10 * b.m01 + a.m11 * b.m11, a.x(b.tx, b.ty),                 a.y(b.tx, b.ty)};
  }
  PARTRAIN_HOST_DEVICE constexpr affine2d inverse() const {
    const float det = m00 * m11 - m01 * m10;
    const float i00 = m11 / det, i01 = -m01 / det, i10 = -m10 / det, i11 = m00 / det;
    return {i00, i01, i10, i11, -(i00 * tx + i01 * ty), -(i10 * tx + i11 * ty)};
  }
};

inline namespace PARTRAIN_MODE_NAMESPACE {

/// The random forward transform (about the centre of a height x width image) for image
/// `index` in `epoch`. Each option has its own fixed draw, so enabling one leaves the others'
/// values unchanged; options that are off use exact identity values.
PARTRAIN_DECL affine2d draw_transform(const image_augmenter& a, std::uint64_t epoch, std::uint64_t index, int height,
                                      int width);

}  // namespace PARTRAIN_MODE_NAMESPACE

/// Everything one output pixel needs: source image (8-bit HWC), output extents, the map
/// from output pixel centres to source coordinates, fill value and channel conversion.
struct warp_params {
  const std::uint8_t* src = nullptr;
  int src_h = 0, src_w = 0, src_c = 1;
  int dst_h = 0, dst_w = 0, dst_c = 1;  ///< dst_c != src_c: 1 -> 3 replicates, 3 -> 1 is rgb2gray
  affine2d to_src;                      ///< output pixel-centre coordinates -> source coordinates
  float fill = 0;
};

/// Bilinear sample of source channel c at source coordinates (u, v); outside taps read fill.
PARTRAIN_HOST_DEVICE inline float sample_bilinear(const warp_params& p, float u, float v, int c) {
  const float fx = u - 0.5f, fy = v - 0.5f;
  const float x0f = floorf(fx), y0f = floorf(fy);
  const float wx = fx - x0f, wy = fy - y0f;
  if (x0f < -2.f || y0f < -2.f || x0f > float(p.src_w) || y0f > float(p.src_h)) return p.fill;
  const int x0 = int(x0f), y0 = int(y0f);
  auto tap = [&](int y, int x) {
    return (x < 0 || y < 0 || x >= p.src_w || y >= p.src_h) ? p.fill
                                                          : float(p.src[(y * p.src_w + x) * p.src_c + c]);
  };
  const float top = (1 - wx) * tap(y0, x0) + wx * tap(y0, x0 + 1);
  const float bottom = (1 - wx) * tap(y0 + 1, x0) + wx * tap(y0 + 1, x0 + 1);
  return (1 - wy) * top + wy * bottom;
}

/// Output value at (channel c, row y, column x): a pure function, usable in a CUDA kernel.
PARTRAIN_HOST_DEVICE inline float warp_pixel(const warp_params& p, int c, int y, int x) {
  const float ox = float(x) + 0.5f, oy = float(y) + 0.5f;
  const float u = p.to_src.x(ox, oy), v = p.to_src.y(ox, oy);
  if (p.src_c == p.dst_c) return sample_bilinear(p, u, v, c);
  if (p.src_c == 1) return sample_bilinear(p, u, v, 0);  // gray2rgb
  return 0.298936021293775f * sample_bilinear(p, u, v, 0) + 0.587043074451121f * sample_bilinear(p, u, v, 1) +
         0.114020904255103f * sample_bilinear(p, u, v, 2);  // rgb2gray
}

}  // namespace partrain::data

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/data/impl/image_augmenter.ipp"
#endif
