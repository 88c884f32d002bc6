// Decoding and writing single images: PNG/JPEG/BMP/PGM/PPM/TGA in, PNG out (stb_image).
// Pixels are 8-bit, height x width x channels interleaved, 1 (gray) or 3 (RGB) channels.
#pragma once

#include <cctype>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "partrain/core/error.hpp"
#include "partrain/core/filesystem.hpp"
#include "partrain/data/detail/stb_guards.hpp"
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
                 "': cannot open for reading (", partrain::os_reason(errno), ")");
  const auto size = std::streamoff(in.tellg());
  std::vector<std::uint8_t> bytes(std::size_t(size > 0 ? size : 0));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(bytes.size()));
  PARTRAIN_CHECK(in.good() || bytes.empty(), io_error, "[partrain::data::read_file_bytes] '",
                 file.string(), "': read failed after ", in.gcount(), " of ", bytes.size(), " bytes");
  return bytes;
}


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
    if (j < bytes.size() && bytes[j] == 0xD8) detail::check_jpeg_segments(bytes.subspan(j - 1), name);
  }
  if (bytes.size() >= 2 && bytes[0] == 'P' && (bytes[1] == '5' || bytes[1] == '6')) detail::check_pnm_header(bytes, name);
  int w = 0, h = 0, comp = 0;
  if (!stbi_info_from_memory(bytes.data(), int(bytes.size()), &w, &h, &comp))
    fail<data_error>("[partrain::data::decode_image] '", name, "': not a readable ", formats,
                     " image (stb_image: ", stbi_failure_reason(), ")");
  PARTRAIN_CHECK(w > 0 && h > 0 && std::size_t(w) * std::size_t(h) <= max_pixels, data_error,
                 "[partrain::data::decode_image] '", name, "': image size ", h, "x", w,
                 " is outside 1..", max_pixels, " pixels");
  const int want = comp <= 2 ? 1 : 3;
  int got = 0;
  stbi_uc* pixels = nullptr;
  detail::stb_reader reader{bytes};
  try {
    const stbi_io_callbacks callbacks{detail::stb_reader::read, detail::stb_reader::skip, detail::stb_reader::eof};
    pixels = stbi_load_from_callbacks(&callbacks, &reader, &w, &h, &got, want);
  } catch (const detail::stb_assert_failure& e) {
    detail::stb_free_abandoned();
    fail<data_error>("[partrain::data::decode_image] '", name, "': corrupt image (stb_image check failed: ",
                     e.what(), ")");
  }
  if (!pixels) {
    detail::stb_free_abandoned();
    fail<data_error>("[partrain::data::decode_image] '", name, "': corrupt or truncated image (stb_image: ",
                     stbi_failure_reason(), ")");
  }
  if (reader.overrun) {
    stbi_image_free(pixels);
    fail<data_error>("[partrain::data::decode_image] '", name, "': truncated image (the ", h, "x", w,
                     " image needs data past the end of the file's ", bytes.size(), " bytes)");
  }
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
                 "': cannot open for writing (", partrain::os_reason(errno), ")");
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  out.close();
  PARTRAIN_CHECK(!out.fail(), io_error, "[partrain::data::write_file_bytes] '", file.string(),
                 "': write of ", bytes.size(), " bytes failed (", partrain::os_reason(errno), ")");
}

/// Writes an 8-bit image as a PNG file. Throws io_error naming the file on failure.
inline void write_png(const std::filesystem::path& file, const decoded_image& img) {
  write_file_bytes(file, encode_png(img));
}

}  // namespace partrain::data
