// A JPEG's EXIF orientation (tag 0x0112 of the APP1 "Exif" segment's first IFD) and the
// turn or flip that shows the image upright, as cameras and browsers mean it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "partrain/data/image_io.hpp"

namespace partrain::data::detail {

/// The orientation of a JPEG (1..8), 1 when it has none or it cannot be read: a damaged
/// EXIF block does not make the image unreadable.
inline int jpeg_orientation(std::span<const std::uint8_t> b) {
  auto u16 = [&](std::size_t k, bool big) {
    return k + 2 > b.size() ? 0u : big ? unsigned(b[k]) << 8 | b[k + 1] : unsigned(b[k + 1]) << 8 | b[k];
  };
  auto u32 = [&](std::size_t k, bool big) {
    return big ? std::size_t(u16(k, big)) << 16 | u16(k + 2, big) : std::size_t(u16(k + 2, big)) << 16 | u16(k, big);
  };
  std::size_t i = 2;  // after SOI; the APPn segments come first
  while (i + 4 <= b.size() && b[i] == 0xFF && b[i + 1] >= 0xE0 && b[i + 1] <= 0xEF) {
    const std::size_t len = u16(i + 2, true), body = i + 4;
    if (b[i + 1] == 0xE1 && len >= 16 && body + 6 <= b.size() && b[body] == 'E' && b[body + 1] == 'x' &&
        b[body + 2] == 'i' && b[body + 3] == 'f' && b[body + 4] == 0 && b[body + 5] == 0) {
      const std::size_t tiff = body + 6, end = std::min(b.size(), i + 2 + len);
      if (tiff + 8 > end || (b[tiff] != 'M' && b[tiff] != 'I')) return 1;
      const bool big = b[tiff] == 'M';
      const std::size_t ifd = tiff + u32(tiff + 4, big);
      if (ifd + 2 > end || ifd < tiff) return 1;
      for (std::size_t e = 0, n = u16(ifd, big); e < n && ifd + 2 + 12 * (e + 1) <= end; ++e) {
        const std::size_t at = ifd + 2 + 12 * e;
        if (u16(at, big) == 0x0112 && u16(at + 2, big) == 3) {  // SHORT
          const unsigned o = u16(at + 8, big);
          return o >= 1 && o <= 8 ? int(o) : 1;
        }
      }
      return 1;
    }
    i += 2 + len;
  }
  return 1;
}

/// The image as it is meant to be seen, given its EXIF orientation (1..8).
inline decoded_image apply_orientation(decoded_image img, int orientation) {
  if (orientation <= 1 || orientation > 8) return img;
  const bool swap = orientation >= 5;  // 5..8 turn by a quarter: height and width swap
  decoded_image out{swap ? img.width : img.height, swap ? img.height : img.width, img.channels,
                    std::vector<std::uint8_t>(img.pixels.size())};
  const int h = img.height, w = img.width, c = img.channels;
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x) {
      int sy = y, sx = x;  // the stored pixel shown at (y, x)
      switch (orientation) {
        case 2: sx = w - 1 - x; break;                      // mirrored
        case 3: sy = h - 1 - y, sx = w - 1 - x; break;      // half a turn
        case 4: sy = h - 1 - y; break;                      // flipped
        case 5: sy = x, sx = y; break;                      // transposed
        case 6: sy = h - 1 - x, sx = y; break;              // turned clockwise to show
        case 7: sy = h - 1 - x, sx = w - 1 - y; break;      // transversed
        case 8: sy = x, sx = w - 1 - y; break;              // turned anticlockwise to show
      }
      for (int k = 0; k < c; ++k)
        out.pixels[(std::size_t(y) * out.width + x) * c + k] = img.pixels[(std::size_t(sy) * w + sx) * c + k];
    }
  return out;
}

}  // namespace partrain::data::detail
