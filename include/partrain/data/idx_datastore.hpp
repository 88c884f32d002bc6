// data::idx_datastore: MNIST-format IDX image and label files, plain or gzip-compressed,
// as an image_datastore (so split_each_label and augmented_image_datastore work on it).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/data/image_datastore.hpp"
#include "partrain/data/image_io.hpp"

namespace partrain::data {

/// An IDX array of unsigned bytes: extents (outermost first) and the values.
struct idx_array {
  std::vector<std::uint32_t> extents;
  std::vector<std::uint8_t> values;
};

/// Largest decompressed IDX payload accepted by default (bytes).
inline constexpr std::size_t max_idx_bytes = std::size_t(1) << 32;

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Inflates gzip (or zlib) data. Throws data_error naming `name` when it is corrupt,
/// truncated, or inflates to more than max_bytes.
PARTRAIN_DECL std::vector<std::uint8_t> gunzip(std::span<const std::uint8_t> in, const std::string& name,
                                               std::size_t max_bytes = max_idx_bytes);

/// Parses IDX bytes (gzip-compressed when they start with the gzip magic). Only unsigned-byte
/// arrays (type 0x08) of 1..4 dimensions are accepted. Throws data_error naming `name` when the
/// magic, type or dimension count is wrong, or the header's extents and the data size disagree.
PARTRAIN_DECL idx_array parse_idx(std::span<const std::uint8_t> bytes, const std::string& name,
                                  std::size_t max_bytes = max_idx_bytes);

/// Reads an IDX file (plain or .gz). Throws io_error / data_error naming the file.
PARTRAIN_DECL idx_array read_idx(const std::filesystem::path& file);

}  // namespace PARTRAIN_MODE_NAMESPACE

struct idx_options {
  /// Class names by label value; empty: "0", "1", ... "K-1", when the labels are 0..K-1
  /// with every value present (anything else is a data_error naming the stray label).
  std::vector<std::string> class_names{};
};

inline namespace PARTRAIN_MODE_NAMESPACE {

/// MNIST-style images (N x rows x cols, or N x rows x cols x channels with 1 or 3 channels)
/// and labels (N values) as an image_datastore; file(i) reads "<images file>#<i>".
class idx_datastore : public image_datastore {
 public:
  /// Throws io_error / data_error naming the file: unreadable, bad header, image and label
  /// counts that differ, a label outside class_names or, without class names, labels that are
  /// not 0..K-1 with every value present (naming the stray label and its position).
  idx_datastore(const std::filesystem::path& images_file, const std::filesystem::path& labels_file,
                idx_options opt = {});

 private:
  /// With class names: every label indexes one. Without: the labels are 0..K-1 with each
  /// value present, so a stray value (200 among 0..9) cannot silently add classes.
  static void check_labels(const std::vector<std::uint8_t>& labels, const std::vector<std::string>& class_names,
                           const std::filesystem::path& file);

  static image_datastore load(const std::filesystem::path& images_file, const std::filesystem::path& labels_file,
                              idx_options opt);
};

}  // namespace PARTRAIN_MODE_NAMESPACE

static_assert(source<idx_datastore>);

}  // namespace partrain::data

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/data/impl/idx_datastore.ipp"
#endif
