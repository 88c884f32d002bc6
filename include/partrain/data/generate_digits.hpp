// The digit data set generator (stand-in for MATLAB's DigitDataset): renders 28x28 grayscale
// digits 0-9 from the system's TrueType fonts with random font, size, rotation, slant, shift,
// stroke weight and noise, and writes them as PNG files into <dir>/0/ ... <dir>/9/.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <numbers>
#include <string>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/random.hpp"
#include "partrain/data/image_io.hpp"

namespace partrain::data {

/// How the digits are drawn. Every random choice is a pure function of (seed, digit, index),
/// so a set is reproducible given the same font files.
struct digit_options {
  std::uint64_t seed = 0;
  int count_per_class = 1000;
  int image_size = 28;                          ///< square images, in pixels
  std::vector<std::filesystem::path> font_files{};///< empty: default_digit_fonts()
  float min_height = 14.f, max_height = 22.f;   ///< digit height in pixels (uniform)
  float max_rotation = 12.f;                    ///< degrees, uniform in +-max
  float max_slant = 0.15f;                      ///< horizontal shear, uniform in +-max
  float max_shift = 2.5f;                       ///< pixels, uniform in +-max on each axis
  float min_stroke = 0.2f, max_stroke = 0.6f;   ///< ink threshold (low = bold), uniform
  float max_noise = 12.f;                       ///< gaussian noise sigma in gray levels, uniform in [0, max]
};

/// What generate_digits wrote.
struct digit_set_summary {
  std::size_t images = 0;
  std::vector<std::filesystem::path> fonts;  ///< the fonts used, in the order drawn from
};

inline namespace PARTRAIN_MODE_NAMESPACE {

/// The TrueType files of Debian's fonts-dejavu-core, fonts-liberation and fonts-freefont-ttf
/// that hold glyphs for 0-9, sorted by path: under /usr/share/fonts/truetype, or under
/// $PARTRAIN_FONT_DIR when set. Throws config_error when there are none.
PARTRAIN_DECL std::vector<std::filesystem::path> default_digit_fonts();

}  // namespace PARTRAIN_MODE_NAMESPACE

namespace detail {

/// A digit's ink coverage at a reference size, blurred so a threshold sets the stroke weight.
struct digit_glyph {
  int w = 0, h = 0;
  float cx = 0, cy = 0, peak = 1;  ///< bounding-box centre, largest blurred value
  std::vector<float> field;
  float sample(float x, float y) const {  // bilinear, 0 outside; x, y in pixel-centre units
    x -= 0.5f, y -= 0.5f;
    const int x0 = int(std::floor(x)), y0 = int(std::floor(y));
    const float fx = x - x0, fy = y - y0;
    auto at = [&](int yy, int xx) {
      return (xx < 0 || yy < 0 || xx >= w || yy >= h) ? 0.f : field[std::size_t(yy) * w + xx];
    };
    return (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) +
           fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
  }
};

inline constexpr float digit_reference_height = 48.f;  // '0' is this tall in the cached fields

/// Uniform in [lo, hi) from one random word.
inline float draw(std::uint32_t bits, float lo, float hi) { return lo + (hi - lo) * uniform01(bits); }

inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL void box_blur(std::vector<float>& f, int w, int h, int r);

/// Rasterises 0-9 of one font file. Throws data_error naming the file when it is not a font
/// or lacks a digit.
PARTRAIN_DECL std::array<digit_glyph, 10> load_digit_glyphs(const std::filesystem::path& file);

/// Renders image `index` of digit `d`.
PARTRAIN_DECL decoded_image render_digit(const std::vector<std::array<digit_glyph, 10>>& fonts,
                                         const digit_options& o, int d, int index);

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace detail

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Writes o.count_per_class images of each digit 0-9 as <dir>/<d>/image<k>.png (k zero-padded),
/// creating the folders; existing files of the same names are replaced.
/// Throws config_error for invalid options, data_error for a bad font, io_error when a file
/// cannot be written.
PARTRAIN_DECL digit_set_summary generate_digits(const std::filesystem::path& dir, const digit_options& o = {});

}  // namespace PARTRAIN_MODE_NAMESPACE

}  // namespace partrain::data

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/data/impl/generate_digits.ipp"
#endif
