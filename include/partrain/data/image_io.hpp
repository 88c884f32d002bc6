// Decoding and writing single images: PNG/JPEG/BMP/PGM/PPM/TGA in, PNG out (stb_image).
// Pixels are 8-bit, height x width x channels interleaved, 1 (gray) or 3 (RGB) channels.
#pragma once

#include <cctype>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/filesystem.hpp"

namespace partrain::data {

/// One decoded 8-bit image, pixels in HWC order (row-major, channels interleaved).
struct decoded_image {
  int height = 0, width = 0, channels = 0;
  std::vector<std::uint8_t> pixels;

  std::uint8_t at(int y, int x, int c = 0) const {
    return pixels[(std::size_t(y) * width + x) * channels + c];
  }
  bool operator==(const decoded_image&) const = default;
  /// "28x28x1", MATLAB's H x W x C order, for messages.
  std::string size_string() const {
    return std::to_string(height) + "x" + std::to_string(width) + "x" + std::to_string(channels);
  }
};

/// Largest image decode_image accepts (pixels), so a forged header cannot exhaust memory.
inline constexpr std::size_t max_image_pixels = std::size_t(1) << 26;

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Reads a whole file. Throws io_error naming the file when it cannot be opened or read.
PARTRAIN_DECL std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& file);

/// Decodes an encoded image held in memory; `name` is used in messages only.
/// Gray and gray+alpha give 1 channel, RGB and RGBA give 3 (alpha is dropped).
/// Throws data_error naming `name` when the bytes are empty, not an image of a supported
/// format, corrupt or truncated, or larger than max_pixels.
PARTRAIN_DECL decoded_image decode_image(std::span<const std::uint8_t> bytes, const std::string& name,
                                         std::size_t max_pixels = max_image_pixels);

/// Reads and decodes an image file. Throws io_error (unreadable) or data_error (see decode_image).
PARTRAIN_DECL decoded_image read_image(const std::filesystem::path& file);

/// Encodes an 8-bit image as PNG bytes. Throws shape_error when the image is inconsistent.
PARTRAIN_DECL std::vector<std::uint8_t> encode_png(const decoded_image& img);

/// Writes bytes to a file, replacing it. Throws io_error naming the file on failure.
PARTRAIN_DECL void write_file_bytes(const std::filesystem::path& file, std::span<const std::uint8_t> bytes);

/// Writes an 8-bit image as a PNG file. Throws io_error naming the file on failure.
PARTRAIN_DECL void write_png(const std::filesystem::path& file, const decoded_image& img);

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::data

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/data/impl/image_io.ipp"
#endif
