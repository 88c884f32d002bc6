// The files of an image datastore and their decoded images (kept, or streamed), shared by
// a datastore and the subsets split from it; with the types that say how files are read.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/data/detail/image_stream.hpp"
#include "partrain/data/image_io.hpp"

namespace partrain::data {

/// Channel conversion applied to every image: keep, gray -> RGB (replicate), RGB -> gray
/// (MATLAB's rgb2gray weights 0.2989 R + 0.5870 G + 0.1140 B).
enum class color_preprocessing { none, gray2rgb, rgb2gray };

/// Called with each warning (e.g. a folder with no images); the default prints to std::clog.
using warning_handler = std::function<void(const std::string&)>;

/// Reads one image file for a datastore (MATLAB's ReadFcn), for files partrain cannot decode.
/// Returns 8-bit pixels, 1 or 3 channels; throws to refuse the file. Called from several
/// threads at once when streaming.
using image_reader = std::function<decoded_image(const std::string& file)>;

namespace detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL void warn(const warning_handler& h, const std::string& message);

PARTRAIN_DECL decoded_image convert_color(decoded_image img, color_preprocessing mode);

/// The files and their decoded images, shared by a datastore and the subsets split from it.
struct image_store {
  std::vector<std::string> names;      ///< file paths (or "file#index" for in-memory sets)
  std::vector<decoded_image> images;   ///< filled by load(), index-aligned with names
  color_preprocessing color = color_preprocessing::none;
  image_reader reader;                 ///< custom reader, or empty
  bool skip_bad_files = false;
  std::once_flag loaded;
  /// Streaming only. Last: its threads stop before the names go.
  std::unique_ptr<image_stream> stream;

  /// File k read, checked and color-converted; errors name the file.
  decoded_image decode(std::size_t k) const;
  void load();
};

PARTRAIN_DECL std::string lower(std::string s);

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace detail

}  // namespace partrain::data

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/data/detail/impl/image_store.ipp"
#endif
