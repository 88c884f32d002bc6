// The bodies of data/image_io.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/data.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <cerrno>
#include <fstream>
#include <new>
#include <string_view>

#include "partrain/core/error.hpp"
#include "partrain/core/filesystem.hpp"
#include "partrain/data/detail/exif_orientation.hpp"
#include "partrain/data/detail/stb_guards.hpp"
#include "partrain/data/detail/stb_image.hpp"
#include "partrain/data/image_io.hpp"

namespace partrain::data {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& file) {
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

PARTRAIN_DECL decoded_image decode_image(std::span<const std::uint8_t> bytes, const std::string& name,
                                         std::size_t max_pixels) {
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
    // stb says "outofmem" for corrupt streams too (sizes no image has), and for memory that is short
    PARTRAIN_CHECK(std::string_view(stbi_failure_reason()) != "outofmem", data_error, "[partrain::data::decode_image] '",
                   name, "': corrupt image, or memory is short (stb_image: outofmem)");
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
  if (bytes.size() > 3 && bytes[0] == 0xFF && bytes[1] == 0xD8)  // a photo's EXIF turn, as viewers show it
    return detail::apply_orientation(std::move(img), detail::jpeg_orientation(bytes));
  return img;
}

PARTRAIN_DECL decoded_image read_image(const std::filesystem::path& file) {
  return decode_image(read_file_bytes(file), file.string());
}

PARTRAIN_DECL std::vector<std::uint8_t> encode_png(const decoded_image& img) {
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

PARTRAIN_DECL void write_file_bytes(const std::filesystem::path& file, std::span<const std::uint8_t> bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  PARTRAIN_CHECK(out.good(), io_error, "[partrain::data::write_file_bytes] '", file.string(),
                 "': cannot open for writing (", partrain::os_reason(errno), ")");
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  out.close();
  PARTRAIN_CHECK(!out.fail(), io_error, "[partrain::data::write_file_bytes] '", file.string(),
                 "': write of ", bytes.size(), " bytes failed (", partrain::os_reason(errno), ")");
}

PARTRAIN_DECL void write_png(const std::filesystem::path& file, const decoded_image& img) {
  write_file_bytes(file, encode_png(img));
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::data
