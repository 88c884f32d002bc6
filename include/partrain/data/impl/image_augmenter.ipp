// The bodies of data/image_augmenter.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/data.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <cmath>
#include <numbers>

#include "partrain/core/error.hpp"
#include "partrain/core/random.hpp"
#include "partrain/data/image_augmenter.hpp"

namespace partrain::data {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL void image_augmenter::validate() const {
  auto check = [](const char* name, interval r, float lo, float hi) {
    PARTRAIN_CHECK(std::isfinite(r.min) && std::isfinite(r.max) && r.min <= r.max && r.min >= lo && r.max <= hi,
                   config_error, "[partrain::data::image_augmenter] ", name, " = [", r.min, ", ", r.max,
                   "]; expected min <= max within [", lo, ", ", hi, "]");
  };
  constexpr float big = 1e6f;
  check("rand_rotation", rand_rotation, -360, 360);
  check("rand_scale", rand_scale, 1e-3f, 1e3f);
  check("rand_x_scale", rand_x_scale, 1e-3f, 1e3f);
  check("rand_y_scale", rand_y_scale, 1e-3f, 1e3f);
  check("rand_x_shear", rand_x_shear, -89.f, 89.f);
  check("rand_y_shear", rand_y_shear, -89.f, 89.f);
  check("rand_x_translation", rand_x_translation, -big, big);
  check("rand_y_translation", rand_y_translation, -big, big);
  PARTRAIN_CHECK(std::isfinite(fill_value), config_error, "[partrain::data::image_augmenter] fill_value = ",
                 fill_value, "; expected a finite value");
}

PARTRAIN_DECL affine2d draw_transform(const image_augmenter& a, std::uint64_t epoch, std::uint64_t index, int height,
                                      int width) {
  const auto r0 = random_bits(a.seed, std::uint32_t(epoch), std::uint32_t(index), 0);
  const auto r1 = random_bits(a.seed, std::uint32_t(epoch), std::uint32_t(index), 1);
  const auto r2 = random_bits(a.seed, std::uint32_t(epoch), std::uint32_t(index), 2);
  auto pick = [](interval r, std::uint32_t bits) { return r.min == r.max ? r.min : r.min + (r.max - r.min) * uniform01(bits); };
  constexpr float deg = std::numbers::pi_v<float> / 180.f;
  const float fx = a.rand_x_reflection && (r1[2] >> 31) ? -1.f : 1.f;
  const float fy = a.rand_y_reflection && (r1[3] >> 31) ? -1.f : 1.f;
  float sx = pick(a.rand_x_scale, r0[1]), sy = pick(a.rand_y_scale, r0[2]);
  if (a.rand_scale != interval{1, 1}) sx = sy = pick(a.rand_scale, r0[3]);
  const float shx = a.rand_x_shear == interval{} ? 0.f : std::tan(pick(a.rand_x_shear, r1[0]) * deg);
  const float shy = a.rand_y_shear == interval{} ? 0.f : std::tan(pick(a.rand_y_shear, r1[1]) * deg);
  const float angle = pick(a.rand_rotation, r0[0]) * deg;
  const float c = angle == 0 ? 1.f : std::cos(angle), s = angle == 0 ? 0.f : std::sin(angle);
  const float cx = float(width) / 2, cy = float(height) / 2;
  // In image coordinates (y down) a counter-clockwise rotation as displayed is [c s; -s c].
  const affine2d to_centre{1, 0, 0, 1, -cx, -cy};
  const affine2d reflect{fx, 0, 0, fy, 0, 0}, scale{sx, 0, 0, sy, 0, 0};
  const affine2d shear = affine2d{1, 0, shy, 1, 0, 0} * affine2d{1, shx, 0, 1, 0, 0};
  const affine2d rotate{c, s, -s, c, 0, 0};
  const affine2d back{1, 0, 0, 1, cx + pick(a.rand_x_translation, r2[0]), cy + pick(a.rand_y_translation, r2[1])};
  return back * rotate * shear * scale * reflect * to_centre;
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::data
