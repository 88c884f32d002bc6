// The bodies of data/detail/image_store.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/data.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <algorithm>
#include <cctype>
#include <exception>
#include <iostream>
#include <new>

#include "partrain/core/error.hpp"
#include "partrain/data/detail/image_store.hpp"
#include "partrain/data/image_io.hpp"

namespace partrain::data {
namespace detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL void warn(const warning_handler& h, const std::string& message) {
  if (h)
    h(message);
  else
    std::clog << message << "\n";
}

PARTRAIN_DECL decoded_image convert_color(decoded_image img, color_preprocessing mode) {
  if (mode == color_preprocessing::gray2rgb && img.channels == 1) {
    decoded_image out{img.height, img.width, 3, std::vector<std::uint8_t>(img.pixels.size() * 3)};
    for (std::size_t i = 0; i < img.pixels.size(); ++i)
      out.pixels[3 * i] = out.pixels[3 * i + 1] = out.pixels[3 * i + 2] = img.pixels[i];
    return out;
  }
  if (mode == color_preprocessing::rgb2gray && img.channels == 3) {
    decoded_image out{img.height, img.width, 1, std::vector<std::uint8_t>(img.pixels.size() / 3)};
    for (std::size_t i = 0; i < out.pixels.size(); ++i) {
      const double v = 0.298936021293775 * img.pixels[3 * i] + 0.587043074451121 * img.pixels[3 * i + 1] +
                       0.114020904255103 * img.pixels[3 * i + 2];
      out.pixels[i] = std::uint8_t(std::min(255.0, v + 0.5));
    }
    return out;
  }
  return img;
}

PARTRAIN_DECL decoded_image image_store::decode(std::size_t k) const {
  const std::string& name = names[k];
  if (!reader) return convert_color(read_image(name), color);
  constexpr const char* where = "[partrain::data::image_datastore] '";
  decoded_image img;
  try {
    img = reader(name);
  } catch (const std::bad_alloc&) {
    throw;  // out of memory: not the file's fault
  } catch (const std::exception& e) {
    fail<data_error>(where, name, "': the custom reader refused it: ", e.what());
  } catch (...) {
    fail<data_error>(where, name, "': the custom reader refused it (with an exception that is not a std::exception)");
  }
  PARTRAIN_CHECK(img.height > 0 && img.width > 0 && (img.channels == 1 || img.channels == 3) &&
                     img.pixels.size() == std::size_t(img.height) * std::size_t(img.width) * std::size_t(img.channels),
                 data_error, where, name, "': the custom reader returned ", img.size_string(), " with ",
                 img.pixels.size(), " bytes; expected positive sizes, 1 or 3 channels, height*width*channels bytes");
  return convert_color(std::move(img), color);
}

PARTRAIN_DECL void image_store::load() {
  std::call_once(loaded, [this] {
    std::vector<decoded_image> decoded;
    std::size_t bytes = 0, done = 0;
    try {
      decoded.reserve(names.size());
      for (std::size_t k = 0; k < names.size(); ++k, ++done) {
        decoded.push_back(decode(k));
        bytes += decoded.back().pixels.size();
      }
    } catch (const std::bad_alloc&) {
      std::vector<decoded_image>().swap(decoded);  // room for the message
    }
    PARTRAIN_CHECK(done == names.size(), data_error, "[partrain::data::image_datastore] out of memory after decoding ",
                   done, " of ", names.size(), " images (", bytes >> 20, " MiB held); stream them instead ",
                   "(image_datastore_options::streaming) or use fewer images");
    images = std::move(decoded);
  });
}

PARTRAIN_DECL std::string lower(std::string s) {
  for (auto& ch : s) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace detail
}  // namespace partrain::data
