// Decoding and writing single images: PNG/JPEG/BMP/PGM/PPM/TGA in, PNG out (stb_image).
// Pixels are 8-bit, height x width x channels interleaved, 1 (gray) or 3 (RGB) channels.
#pragma once

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "partrain/core/error.hpp"
#include "partrain/data/detail/stb_image.hpp"

namespace partrain::data {

/// One decoded 8-bit image, pixels in HWC order (row-major, channels interleaved).
struct decoded_image {
  int height = 0, width = 0, channels = 0;
  std::vector<std::uint8_t> pixels;

  std::uint8_t at(int y, int x, int c = 0) const {
    return pixels[(std::size_t(y) * width + x) * channels + c];
  }
  /// "28x28x1", MATLAB's H x W x C order, for messages.
  std::string size_string() const {
    return std::to_string(height) + "x" + std::to_string(width) + "x" + std::to_string(channels);
  }
};

/// Largest image decode_image accepts (pixels), so a forged header cannot exhaust memory.
inline constexpr std::size_t max_image_pixels = std::size_t(1) << 26;

/// Reads a whole file. Throws io_error naming the file when it cannot be opened or read.
inline std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  PARTRAIN_CHECK(in.good(), io_error, "[partrain::data::read_file_bytes] '", file.string(),
                 "': cannot open for reading");
  const auto size = std::streamoff(in.tellg());
  std::vector<std::uint8_t> bytes(std::size_t(size > 0 ? size : 0));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(bytes.size()));
  PARTRAIN_CHECK(in.good() || bytes.empty(), io_error, "[partrain::data::read_file_bytes] '",
                 file.string(), "': read failed after ", in.gcount(), " of ", bytes.size(), " bytes");
  return bytes;
}

namespace detail {
/// stb_image 2.27 writes past its Huffman tables when a JPEG DHT segment declares more than
/// 256 codes (found by tests/fuzz); reject such files before stb sees them.
inline void check_jpeg_tables(std::span<const std::uint8_t> b, const std::string& name) {
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
    if (m == 0xC4) {  // DHT: tables of (class/id, 16 counts, symbols); as stb, bytes past the end read 0
      auto get = [&](std::size_t k) { return k < b.size() ? b[k] : std::uint8_t(0); };
      std::size_t t = i + 4;
      for (long left = long(len) - 2; left > 0 && t < b.size();) {
        std::size_t codes = 0;
        for (std::size_t k = 1; k <= 16; ++k) codes += get(t + k);
        PARTRAIN_CHECK(codes <= 256, data_error, "[partrain::data::decode_image] '", name,
                       "': corrupt JPEG (a Huffman table declares ", codes, " codes; at most 256)");
        t += 17 + codes;
        left -= long(17 + codes);
      }
    }
    i += 2 + len;
  }
}
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
}  // namespace detail

/// Decodes an encoded image held in memory; `name` is used in messages only.
/// Gray and gray+alpha give 1 channel, RGB and RGBA give 3 (alpha is dropped).
/// Throws data_error naming `name` when the bytes are empty, not an image of a supported
/// format, corrupt or truncated, or larger than max_pixels.
inline decoded_image decode_image(std::span<const std::uint8_t> bytes, const std::string& name,
                                  std::size_t max_pixels = max_image_pixels) {
  constexpr const char* formats = "PNG, JPEG, BMP, PGM/PPM or TGA";
  PARTRAIN_CHECK(!bytes.empty(), data_error, "[partrain::data::decode_image] '", name,
                 "': empty file; expected a ", formats, " image");
  PARTRAIN_CHECK(bytes.size() < std::size_t(1) << 31, data_error, "[partrain::data::decode_image] '",
                 name, "': ", bytes.size(), " bytes is too large for an image file");
  if (!bytes.empty() && bytes[0] == 0xFF) {  // stb reads FF..FF D8 as a JPEG start of image
    std::size_t j = 1;
    while (j < bytes.size() && bytes[j] == 0xFF) ++j;
    if (j < bytes.size() && bytes[j] == 0xD8) detail::check_jpeg_tables(bytes.subspan(j - 1), name);
  }
  if (bytes.size() >= 2 && bytes[0] == 'P' && (bytes[1] == '5' || bytes[1] == '6')) detail::check_pnm_header(bytes, name);
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int len = int(bytes.size());
  int w = 0, h = 0, comp = 0;
  if (!stbi_info_from_memory(data, len, &w, &h, &comp))
    fail<data_error>("[partrain::data::decode_image] '", name, "': not a readable ", formats,
                     " image (stb_image: ", stbi_failure_reason(), ")");
  PARTRAIN_CHECK(w > 0 && h > 0 && std::size_t(w) * std::size_t(h) <= max_pixels, data_error,
                 "[partrain::data::decode_image] '", name, "': image size ", h, "x", w,
                 " is outside 1..", max_pixels, " pixels");
  const int want = comp <= 2 ? 1 : 3;
  int got = 0;
  stbi_uc* pixels = nullptr;
  try {
    pixels = stbi_load_from_memory(data, len, &w, &h, &got, want);
  } catch (const detail::stb_assert_failure& e) {
    fail<data_error>("[partrain::data::decode_image] '", name, "': corrupt image (stb_image check failed: ",
                     e.what(), ")");
  }
  if (!pixels)
    fail<data_error>("[partrain::data::decode_image] '", name, "': corrupt or truncated image (stb_image: ",
                     stbi_failure_reason(), ")");
  decoded_image img{h, w, want, {}};
  img.pixels.assign(pixels, pixels + std::size_t(w) * h * want);
  stbi_image_free(pixels);
  return img;
}

/// Reads and decodes an image file. Throws io_error (unreadable) or data_error (see decode_image).
inline decoded_image read_image(const std::filesystem::path& file) {
  return decode_image(read_file_bytes(file), file.string());
}

/// Encodes an 8-bit image as PNG bytes. Throws shape_error when the image is inconsistent.
inline std::vector<std::uint8_t> encode_png(const decoded_image& img) {
  PARTRAIN_CHECK(img.height > 0 && img.width > 0 && img.channels >= 1 && img.channels <= 4 &&
                     img.pixels.size() == std::size_t(img.height) * img.width * img.channels,
                 shape_error, "[partrain::data::encode_png] image ", img.size_string(), " has ",
                 img.pixels.size(), " bytes; expected height*width*channels with 1..4 channels");
  std::vector<std::uint8_t> out;
  auto append = [](void* ctx, void* bytes, int n) {
    auto* v = static_cast<std::vector<std::uint8_t>*>(ctx);
    v->insert(v->end(), static_cast<std::uint8_t*>(bytes), static_cast<std::uint8_t*>(bytes) + n);
  };
  const int ok = stbi_write_png_to_func(append, &out, img.width, img.height, img.channels,
                                        img.pixels.data(), img.width * img.channels);
  PARTRAIN_CHECK(ok != 0, data_error, "[partrain::data::encode_png] stb_image_write failed for a ",
                 img.size_string(), " image");
  return out;
}

/// Writes bytes to a file, replacing it. Throws io_error naming the file on failure.
inline void write_file_bytes(const std::filesystem::path& file, std::span<const std::uint8_t> bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  PARTRAIN_CHECK(out.good(), io_error, "[partrain::data::write_file_bytes] '", file.string(),
                 "': cannot open for writing");
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  out.close();
  PARTRAIN_CHECK(!out.fail(), io_error, "[partrain::data::write_file_bytes] '", file.string(),
                 "': write of ", bytes.size(), " bytes failed");
}

/// Writes an 8-bit image as a PNG file. Throws io_error naming the file on failure.
inline void write_png(const std::filesystem::path& file, const decoded_image& img) {
  write_file_bytes(file, encode_png(img));
}

}  // namespace partrain::data
