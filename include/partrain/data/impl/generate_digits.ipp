// The bodies of data/generate_digits.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/data.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numbers>

#include "partrain/core/error.hpp"
#include "partrain/core/random.hpp"
#include "partrain/data/detail/stb_truetype.hpp"
#include "partrain/data/generate_digits.hpp"
#include "partrain/data/image_io.hpp"

namespace partrain::data {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::vector<std::filesystem::path> default_digit_fonts() {
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

}  // namespace PARTRAIN_MODE_NAMESPACE

namespace detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL void box_blur(std::vector<float>& f, int w, int h, int r) {
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

PARTRAIN_DECL std::array<digit_glyph, 10> load_digit_glyphs(const std::filesystem::path& file) {
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

PARTRAIN_DECL decoded_image render_digit(const std::vector<std::array<digit_glyph, 10>>& fonts,
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

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace detail

inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL digit_set_summary generate_digits(const std::filesystem::path& dir, const digit_options& o) {
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

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::data
