// data::image_datastore: the image files under a folder with labels from their folder names
// (MATLAB's imageDatastore). Decodes every image once, on first use, and keeps it in memory.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/filesystem.hpp"
#include "partrain/core/fingerprint.hpp"
#include "partrain/core/shape.hpp"
#include "partrain/data/data_source.hpp"
#include "partrain/data/image_io.hpp"

namespace partrain::data {

/// Where labels come from: none (every label -1, no classes) or the name of each file's folder.
enum class label_source { none, folder_names };
inline constexpr label_source folder_names = label_source::folder_names;

/// Channel conversion applied to every image: keep, gray -> RGB (replicate), RGB -> gray
/// (MATLAB's rgb2gray weights 0.2989 R + 0.5870 G + 0.1140 B).
enum class color_preprocessing { none, gray2rgb, rgb2gray };

/// Called with each warning (e.g. a folder with no images); the default prints to std::clog.
using warning_handler = std::function<void(const std::string&)>;

struct image_datastore_options {
  bool include_subfolders = false;
  data::label_source label_source = data::label_source::none;
  /// Explicit labels, one per file in sorted path order; overrides label_source when given.
  std::vector<std::string> labels{};
  std::vector<std::string> file_extensions = {".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm", ".pnm", ".tga"};
  data::color_preprocessing color_preprocessing = data::color_preprocessing::none;
  warning_handler on_warning{};
};

/// One row of count_each_label().
struct label_count {
  std::string label;
  std::size_t count = 0;
  bool operator==(const label_count&) const = default;
};

namespace detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL void warn(const warning_handler& h, const std::string& message);

PARTRAIN_DECL decoded_image convert_color(decoded_image img, color_preprocessing mode);

/// The files and their decoded images, shared by a datastore and the subsets split from it.
struct image_store {
  std::vector<std::string> names;      ///< file paths (or "file#index" for in-memory sets)
  std::vector<decoded_image> images;   ///< filled by load(), index-aligned with names
  color_preprocessing color = color_preprocessing::none;
  std::once_flag loaded;

  void load();
};

PARTRAIN_DECL std::string lower(std::string s);

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace detail

inline namespace PARTRAIN_MODE_NAMESPACE {

/// A labelled list of image files; satisfies data::source with pixels as float 0..255 (NCHW).
/// Copies are cheap and share the decoded images. Thread-safe for concurrent reads.
class image_datastore {
 public:
  image_datastore() = default;

  /// Lists the image files at `location` (a folder, or one file), sorted by path.
  /// Throws io_error when `location` does not exist, data_error when it holds no image files
  /// or when explicit labels do not match the file count. A sub-folder without images is
  /// skipped with a warning (its label does not appear).
  explicit image_datastore(const std::filesystem::path& location, image_datastore_options opt = {});

  /// Images already in memory (names are used in messages), with one label name per image
  /// (or none). Throws data_error when the counts differ.
  static image_datastore from_images(std::vector<std::string> names, std::vector<decoded_image> images,
                                     const std::vector<std::string>& label_names,
                                     std::vector<std::string> classes = {});

  std::size_t size() const { return items_.size(); }
  int num_classes() const { return int(classes_.size()); }
  std::vector<std::string> class_names() const { return classes_; }
  /// Path of image i.
  const std::string& file(std::size_t i) const { return store_->names[item(i)]; }
  /// Label index of image i (0..num_classes()-1, or -1 without labels).
  int label(std::size_t i) const { return labels_[check(i)]; }
  const std::vector<int>& labels() const { return labels_; }
  /// Its files (in order) and labels as one number: equal on every MPI rank that built the
  /// same datastore (mpi::span_options::data_fingerprint).
  std::uint64_t fingerprint() const;
  data::color_preprocessing color() const { return store_ ? store_->color : color_preprocessing::none; }

  /// Decodes every image of the store once (later calls return at once).
  /// Throws data_error / io_error naming the first file that cannot be read.
  void preload() const {
    if (store_) store_->load();
  }
  /// Image i, decoded (and color-converted). Decodes all images on first use.
  const decoded_image& image(std::size_t i) const {
    preload();
    return store_->images[item(i)];
  }

  /// The number of images of each class, in class order (MATLAB's countEachLabel).
  std::vector<label_count> count_each_label() const;

  /// {1, C, H, W} shared by all images. Throws shape_error naming two files when sizes or
  /// channel counts differ (use augmented_image_datastore to resize), data_error when empty.
  dims image_dims() const;

  /// Writes the images at `indices` as NCHW float 0..255 and their labels. `epoch` is unused
  /// (no augmentation). Throws data_error for an index out of range, shape_error when an
  /// image's size differs from image(indices[0])'s.
  void read_batch(std::span<const std::size_t> indices, std::uint64_t epoch, float* images, int* labels) const;

  /// The images at `indices` (into this datastore), in that order, with the same classes.
  image_datastore subset(std::span<const std::size_t> indices) const;

 private:
  image_datastore(std::vector<std::string> names, const std::vector<std::string>& label_names,
                  data::color_preprocessing color, std::vector<std::string> classes = {});
  std::size_t check(std::size_t i) const {
    PARTRAIN_CHECK(i < items_.size(), data_error, "[partrain::data::image_datastore] index ", i,
                   " out of range for ", items_.size(), " images");
    return i;
  }
  std::size_t item(std::size_t i) const { return items_[check(i)]; }

  std::shared_ptr<detail::image_store> store_;
  std::vector<std::size_t> items_;  ///< index into store_ of each image
  std::vector<int> labels_;         ///< label index of each image, -1 without labels
  std::vector<std::string> classes_;
};

}  // namespace PARTRAIN_MODE_NAMESPACE

static_assert(source<image_datastore>);

}  // namespace partrain::data

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/data/impl/image_datastore.ipp"
#endif
