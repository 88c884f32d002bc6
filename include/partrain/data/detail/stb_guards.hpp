// Checks run on encoded image bytes before stb_image sees them: each rejects a class of
// malformed file on which stb_image 2.27 reads or writes outside what the file defines.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "partrain/core/error.hpp"

namespace partrain::data::detail {

/// The JPEG segments stb would act on, from SOI (b[0..1] = FF D8) to EOI. Rejects:
/// - a DHT segment declaring more than 256 codes in a table (stb writes past its tables;
///   found by tests/fuzz);
/// - a scan that uses a Huffman or quantization table that no earlier DHT or DQT segment
///   defined: stb would decode with whatever the allocator's memory held (uninitialised
///   reads, then a crash or a silently wrong image). The JPEG standard requires tables to be
///   defined before the first scan that uses them.
/// A baseline scan uses its components' DC and AC tables; a progressive scan its DC tables
/// when it starts at coefficient 0 (first pass only) and its AC tables otherwise; every scan
/// its components' quantization tables (named by the frame header, SOF).
inline void check_jpeg_segments(std::span<const std::uint8_t> b, const std::string& name) {
  auto get = [&](std::size_t k) { return k < b.size() ? b[k] : std::uint8_t(0); };  // as stb: 0 past the end
  bool defined[2][4] = {};  // [DC = 0, AC = 1][table id]
  bool quantization[4] = {};
  std::uint8_t frame_tq[256] = {};  // quantization table of each component id, from SOF
  bool progressive = false;
  auto reject = [&](const char* kind, int table) {
    fail<data_error>("[partrain::data::decode_image] '", name, "': corrupt JPEG (a scan uses ", kind, " table ",
                     table, ", which no earlier ", kind[0] == 'q' ? "DQT" : "DHT", " segment defines)");
  };
  std::size_t i = 2;
  while (i + 4 <= b.size()) {
    if (b[i] != 0xFF) {  // entropy-coded data: skip to the next marker
      ++i;
      continue;
    }
    const std::uint8_t m = b[i + 1];
    if (m == 0x00 || m == 0xFF || (m >= 0xD0 && m <= 0xD8) || m == 0x01) {  // stuffing, fill, RSTn, SOI, TEM
      ++i;
      continue;
    }
    if (m == 0xD9) return;  // EOI
    const std::size_t len = std::size_t(b[i + 2]) << 8 | b[i + 3];
    if (m == 0xC0 || m == 0xC1 || m == 0xC2) {  // SOF: P, Y, X, count, (component, H << 4 | V, Tq) each
      progressive = m == 0xC2;
      for (std::size_t c = 0, count = get(i + 9); c < count; ++c) frame_tq[get(i + 10 + 3 * c)] = get(i + 12 + 3 * c);
    }
    if (m == 0xDB)  // DQT: tables of (precision << 4 | id, 64 or 128 values)
      for (std::size_t t = i + 4; t < i + 2 + len && t < b.size(); t += (get(t) >> 4) ? 129 : 65)
        if ((get(t) & 15) <= 3) quantization[get(t) & 15] = true;
    if (m == 0xC4) {  // DHT: tables of (class << 4 | id, 16 counts, symbols)
      std::size_t t = i + 4;
      for (long left = long(len) - 2; left > 0 && t < b.size();) {
        const std::uint8_t class_id = get(t);
        std::size_t codes = 0;
        for (std::size_t k = 1; k <= 16; ++k) codes += get(t + k);
        PARTRAIN_CHECK(codes <= 256, data_error, "[partrain::data::decode_image] '", name,
                       "': corrupt JPEG (a Huffman table declares ", codes, " codes; at most 256)");
        if ((class_id >> 4) <= 1 && (class_id & 15) <= 3) defined[class_id >> 4][class_id & 15] = true;
        t += 17 + codes;
        left -= long(17 + codes);
      }
    }
    if (m == 0xDA) {  // SOS: count, (component, DC << 4 | AC) per component, Ss, Se, Ah << 4 | Al
      const std::size_t count = get(i + 4);
      const std::uint8_t first = get(i + 5 + 2 * count), refine = get(i + 7 + 2 * count) >> 4;
      const bool uses_dc = !progressive || (first == 0 && refine == 0);
      const bool uses_ac = !progressive || first > 0;
      for (std::size_t c = 0; c < count && c < 4; ++c) {  // ids above 3: stb rejects them itself
        const std::uint8_t dc = get(i + 6 + 2 * c) >> 4, ac = get(i + 6 + 2 * c) & 15, tq = frame_tq[get(i + 5 + 2 * c)];
        if (uses_dc && dc <= 3 && !defined[0][dc]) reject("DC Huffman", dc);
        if (uses_ac && ac <= 3 && !defined[1][ac]) reject("AC Huffman", ac);
        if (tq <= 3 && !quantization[tq]) reject("quantization", tq);
      }
    }
    i += 2 + len;
  }
}

/// The bytes of an encoded image as stb_image's reader callbacks. stb reads past the end of
/// its input as zeros and decodes on (a truncated TGA becomes a black image); `overrun`
/// records that it asked for bytes after all of them were delivered, or skipped past the end.
struct stb_reader {
  std::span<const std::uint8_t> bytes;
  std::size_t at = 0;
  bool overrun = false;

  static int read(void* user, char* out, int n) {
    auto& r = *static_cast<stb_reader*>(user);
    if (n > 0 && r.at == r.bytes.size()) r.overrun = true;
    const std::size_t count = std::min(std::size_t(n > 0 ? n : 0), r.bytes.size() - r.at);
    std::copy_n(r.bytes.begin() + std::ptrdiff_t(r.at), count, out);
    r.at += count;
    return int(count);
  }
  static void skip(void* user, int n) {
    auto& r = *static_cast<stb_reader*>(user);
    if (n > 0 && std::size_t(n) > r.bytes.size() - r.at) r.overrun = true;
    r.at = std::min(r.bytes.size(), r.at + std::size_t(n > 0 ? n : 0));
  }
  static int eof(void* user) {
    const auto& r = *static_cast<stb_reader*>(user);
    return r.at == r.bytes.size();
  }
};

/// stb_image 2.27 overflows int on PGM/PPM header numbers longer than 9 digits (found by
/// tests/fuzz); reject such headers first.
inline void check_pnm_header(std::span<const std::uint8_t> b, const std::string& name) {
  std::size_t i = 2;
  for (int field = 0; field < 3 && i < b.size(); ++field) {
    while (i < b.size() && (std::isspace(b[i]) || b[i] == '#')) {
      if (b[i] == '#')
        while (i < b.size() && b[i] != '\n' && b[i] != '\r') ++i;
      else
        ++i;
    }
    std::size_t digits = 0;
    for (; i < b.size() && b[i] >= '0' && b[i] <= '9'; ++i) ++digits;
    PARTRAIN_CHECK(digits <= 9, data_error, "[partrain::data::decode_image] '", name,
                   "': corrupt PGM/PPM header (a number with ", digits, " digits)");
  }
}

}  // namespace partrain::data::detail
