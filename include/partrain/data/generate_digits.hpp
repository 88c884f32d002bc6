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

#include "partrain/core/error.hpp"
#include "partrain/core/random.hpp"
#include "partrain/data/detail/stb_truetype.hpp"
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

/// The TrueType files of Debian's fonts-dejavu-core, fonts-liberation and fonts-freefont-ttf
/// that hold glyphs for 0-9, sorted by path: under /usr/share/fonts/truetype, or under
/// $PARTRAIN_FONT_DIR when set. Throws config_error when there are none.
inline std::vector<std::filesystem::path> default_digit_fonts() {
  std::vector<std::filesystem::path> out;
  const char* dir = std::getenv("PARTRAIN_FONT_DIR");
  const std::filesystem::path root = dir && *dir ? dir : "/usr/share/fonts/truetype";
  for (const char* family : {"dejavu", "liberation", "freefont"}) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(root / family, ec))
      if (e.path().extension() == ".ttf") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  PARTRAIN_CHECK(!out.empty(), config_error, "[partrain::data::default_digit_fonts] no .ttf files in '",
                 root.string(), "/{dejavu,liberation,freefont}'; install fonts-dejavu-core "
                 "fonts-liberation fonts-freefont-ttf or pass digit_options::font_files");
  return out;
}

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

inline void box_blur(std::vector<float>& f, int w, int h, int r) {
  std::vector<float> tmp(f.size());
  const float norm = 1.f / float(2 * r + 1);
  for (int y = 0; y < h; ++y)  // horizontal
    for (int x = 0; x < w; ++x) {
      float s = 0;
      for (int k = std::max(0, x - r); k <= std::min(w - 1, x + r); ++k) s += f[std::size_t(y) * w + k];
      tmp[std::size_t(y) * w + x] = s * norm;
    }
  for (int y = 0; y < h; ++y)  // vertical
    for (int x = 0; x < w; ++x) {
      float s = 0;
      for (int k = std::max(0, y - r); k <= std::min(h - 1, y + r); ++k) s += tmp[std::size_t(k) * w + x];
      f[std::size_t(y) * w + x] = s * norm;
    }
}

/// Rasterises 0-9 of one font file. Throws data_error naming the file when it is not a font
/// or lacks a digit.
inline std::array<digit_glyph, 10> load_digit_glyphs(const std::filesystem::path& file) {
  const auto bytes = read_file_bytes(file);
  stbtt_fontinfo font{};
  const int offset = bytes.empty() ? -1 : stbtt_GetFontOffsetForIndex(bytes.data(), 0);
  PARTRAIN_CHECK(offset >= 0 && stbtt_InitFont(&font, bytes.data(), offset), data_error,
                 "[partrain::data::generate_digits] '", file.string(), "': not a TrueType font");
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  PARTRAIN_CHECK(stbtt_FindGlyphIndex(&font, '0') != 0 && stbtt_GetCodepointBox(&font, '0', &x0, &y0, &x1, &y1) &&
                     y1 > y0,
                 data_error, "[partrain::data::generate_digits] '", file.string(), "': font has no glyph for '0'");
  const float scale = digit_reference_height / float(y1 - y0);
  constexpr int pad = 6, blur = 2;
  std::array<digit_glyph, 10> glyphs;
  for (int d = 0; d < 10; ++d) {
    PARTRAIN_CHECK(stbtt_FindGlyphIndex(&font, '0' + d) != 0, data_error, "[partrain::data::generate_digits] '",
                   file.string(), "': font has no glyph for '", d, "'");
    int gw = 0, gh = 0, xo = 0, yo = 0;
    unsigned char* bmp = stbtt_GetCodepointBitmap(&font, scale, scale, '0' + d, &gw, &gh, &xo, &yo);
    PARTRAIN_CHECK(bmp && gw > 0 && gh > 0, data_error, "[partrain::data::generate_digits] '", file.string(),
                   "': glyph '", d, "' renders empty");
    auto& g = glyphs[std::size_t(d)];
    g.w = gw + 2 * pad, g.h = gh + 2 * pad;
    g.field.assign(std::size_t(g.w) * g.h, 0.f);
    for (int y = 0; y < gh; ++y)
      for (int x = 0; x < gw; ++x) g.field[std::size_t(y + pad) * g.w + x + pad] = bmp[y * gw + x] / 255.f;
    stbtt_FreeBitmap(bmp, nullptr);
    box_blur(g.field, g.w, g.h, blur);
    box_blur(g.field, g.w, g.h, blur);
    g.cx = g.w / 2.f, g.cy = g.h / 2.f;
    g.peak = std::max(1e-3f, *std::max_element(g.field.begin(), g.field.end()));
  }
  return glyphs;
}

/// Uniform in [lo, hi) from one random word.
inline float draw(std::uint32_t bits, float lo, float hi) { return lo + (hi - lo) * uniform01(bits); }

/// Renders image `index` of digit `d`.
inline decoded_image render_digit(const std::vector<std::array<digit_glyph, 10>>& fonts,
                                  const digit_options& o, int d, int index) {
  const auto r0 = random_bits(o.seed, std::uint32_t(d), std::uint32_t(index), 0);
  const auto r1 = random_bits(o.seed, std::uint32_t(d), std::uint32_t(index), 1);
  const auto& g = fonts[r0[0] % fonts.size()][std::size_t(d)];
  const float s = draw(r0[1], o.min_height, o.max_height) / digit_reference_height;
  const float angle = draw(r0[2], -o.max_rotation, o.max_rotation) * std::numbers::pi_v<float> / 180.f;
  const float slant = draw(r0[3], -o.max_slant, o.max_slant);
  const float sx = draw(r1[0], -o.max_shift, o.max_shift), sy = draw(r1[1], -o.max_shift, o.max_shift);
  const float threshold = draw(r1[2], o.min_stroke, o.max_stroke) * g.peak, soft = 0.12f * g.peak;
  const float sigma = draw(r1[3], 0.f, o.max_noise);
  // glyph -> image is o = centre + shift + s * R * K * (p - c), K = [1 slant; 0 1]; sample the
  // inverse p = c + K^-1 R^T (o - centre - shift) / s.
  const float cs = std::cos(angle), sn = std::sin(angle), n = float(o.image_size);
  const float ox0 = n / 2 + sx, oy0 = n / 2 + sy;
  decoded_image img{o.image_size, o.image_size, 1, std::vector<std::uint8_t>(std::size_t(n * n))};
  std::array<std::uint32_t, 4> noise{};
  for (int y = 0; y < o.image_size; ++y)
    for (int x = 0; x < o.image_size; ++x) {
      float ink = 0;
      for (int sub = 0; sub < 4; ++sub) {  // 2x2 supersampling against aliasing
        const float dx = (x + 0.25f + 0.5f * float(sub & 1) - ox0) / s;
        const float dy = (y + 0.25f + 0.5f * float(sub >> 1) - oy0) / s;
        const float ry = -sn * dx + cs * dy, rx = cs * dx + sn * dy;
        const float v = g.sample(g.cx + rx - slant * ry, g.cy + ry);
        ink += std::clamp((v - threshold) / soft + 0.5f, 0.f, 1.f);
      }
      const int p = y * o.image_size + x;
      if (p % 4 == 0) noise = random_bits(o.seed, std::uint32_t(d), std::uint32_t(index), 16 + std::uint32_t(p / 4));
      const float u1 = std::max(uniform01(noise[std::size_t(p % 4)]), 1e-7f), u2 = uniform01(noise[std::size_t((p + 1) % 4)]);
      const float gauss = std::sqrt(-2.f * std::log(u1)) * std::cos(2 * std::numbers::pi_v<float> * u2);
      img.pixels[std::size_t(p)] = std::uint8_t(std::clamp(std::lround(ink * 0.25f * 255.f + sigma * gauss), 0l, 255l));
    }
  return img;
}

}  // namespace detail

/// Writes o.count_per_class images of each digit 0-9 as <dir>/<d>/image<k>.png (k zero-padded),
/// creating the folders; existing files of the same names are replaced.
/// Throws config_error for invalid options, data_error for a bad font, io_error when a file
/// cannot be written.
inline digit_set_summary generate_digits(const std::filesystem::path& dir, const digit_options& o = {}) {
  PARTRAIN_CHECK(o.count_per_class > 0 && o.count_per_class <= 1000000, config_error,
                 "[partrain::data::generate_digits] count_per_class = ", o.count_per_class, "; expected 1..1000000");
  PARTRAIN_CHECK(o.image_size >= 8 && o.image_size <= 1024, config_error,
                 "[partrain::data::generate_digits] image_size = ", o.image_size, "; expected 8..1024");
  PARTRAIN_CHECK(0 < o.min_height && o.min_height <= o.max_height && o.max_noise >= 0 && o.max_shift >= 0 &&
                     0 < o.min_stroke && o.min_stroke <= o.max_stroke && o.max_stroke < 1,
                 config_error, "[partrain::data::generate_digits] heights ", o.min_height, "..", o.max_height,
                 ", stroke ", o.min_stroke, "..", o.max_stroke, ", noise ", o.max_noise, ", shift ", o.max_shift,
                 "; expected 0 < min_height <= max_height, 0 < min_stroke <= max_stroke < 1, noise and shift >= 0");
  digit_set_summary summary;
  summary.fonts = o.font_files.empty() ? default_digit_fonts() : o.font_files;
  std::vector<std::array<detail::digit_glyph, 10>> fonts;
  for (const auto& f : summary.fonts) fonts.push_back(detail::load_digit_glyphs(f));
  const int digits = int(std::to_string(o.count_per_class - 1).size());
  for (int d = 0; d < 10; ++d) {
    const auto folder = dir / std::to_string(d);
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    PARTRAIN_CHECK(!ec, io_error, "[partrain::data::generate_digits] '", folder.string(),
                   "': cannot create folder (", ec.message(), ")");
    for (int k = 0; k < o.count_per_class; ++k) {
      char name[32];
      std::snprintf(name, sizeof name, "image%0*d.png", digits, k);
      write_png(folder / name, detail::render_digit(fonts, o, d, k));
      ++summary.images;
    }
  }
  return summary;
}

}  // namespace partrain::data
