// data::image_datastore: the image files under a folder with labels from their folder names
// (MATLAB's imageDatastore). Decodes every image once, on first use, and keeps it in memory;
// or, streaming, decodes images as batches need them, read ahead within a memory budget.
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
#include <optional>
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
#include "partrain/data/detail/image_store.hpp"
#include "partrain/data/detail/image_stream.hpp"
#include "partrain/data/detail/per_thread.hpp"
#include "partrain/data/image_io.hpp"

namespace partrain::data {

/// Where labels come from: none (every label -1, no classes) or the name of each file's folder.
enum class label_source { none, folder_names };
inline constexpr label_source folder_names = label_source::folder_names;

/// Streaming (image_datastore_options::streaming): images are decoded when a batch needs
/// them, not kept. The budget and the threads belong to the datastore, shared by its copies,
/// subsets and splits and by every trial reading them at once.
struct stream_options {
  /// Decoded images read ahead and not yet taken, for all readers together (MiB). It may be
  /// passed by one image per decode thread; the images of the batches being assembled are
  /// on top of it.
  std::size_t memory_budget_mib = 256;
  /// Threads decoding ahead of the readers, beside the training threads (0: each reader
  /// decodes as it reads).
  int decode_threads = 2;
  /// A file that cannot be read or decoded is left out of its batch, with a warning and its
  /// name in training_info::skipped_files, instead of stopping the run.
  bool skip_bad_files = false;
};

struct image_datastore_options {
  bool include_subfolders = false;
  data::label_source label_source = data::label_source::none;
  /// Explicit labels, one per file in sorted path order; overrides label_source when given.
  std::vector<std::string> labels{};
  std::vector<std::string> file_extensions = {".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm", ".pnm", ".tga"};
  data::color_preprocessing color_preprocessing = data::color_preprocessing::none;
  warning_handler on_warning{};
  /// Reads each file instead of partrain's decoder (MATLAB's ReadFcn); empty: read_image.
  image_reader reader{};
  /// Decode images as batches need them instead of keeping them all (data larger than memory).
  std::optional<stream_options> streaming{};
};

/// One row of count_each_label().
struct label_count {
  std::string label;
  std::size_t count = 0;
  bool operator==(const label_count&) const = default;
};


inline namespace PARTRAIN_MODE_NAMESPACE {

/// A labelled list of image files; satisfies data::source with pixels as float 0..255 (NCHW).
/// Copies are cheap and share the decoded images (or, streaming, the read-ahead's threads
/// and budget). Thread-safe for concurrent reads.
class image_datastore {
 public:
  image_datastore() = default;

  /// Lists the image files at `location` (a folder, or one file), sorted by path.
  /// Throws io_error when `location` does not exist, data_error when it holds no image files
  /// or when explicit labels do not match the file count, config_error for invalid streaming
  /// options. A sub-folder without images is skipped with a warning (its label does not appear).
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
  /// Whether images are decoded as batches need them (options.streaming) rather than kept.
  bool streaming() const { return store_ && store_->stream; }
  /// Whether a batch leaves out files it cannot read (stream_options::skip_bad_files).
  bool skips_bad_files() const { return store_ && store_->skip_bad_files; }

  /// Decodes every image of the store once (later calls return at once); not when streaming.
  /// Throws data_error / io_error naming the first file that cannot be read, data_error when
  /// memory runs out (then stream).
  void preload() const {
    if (store_ && !store_->stream) store_->load();
  }
  /// Image i, decoded (and color-converted): held in memory (all are decoded on first use),
  /// or, streaming, read from its file now. Errors name the file.
  std::shared_ptr<const decoded_image> read(std::size_t i) const;
  /// Image i held in memory (decoding all on first use). Throws config_error when streaming
  /// (use read(i)).
  const decoded_image& image(std::size_t i) const;

  /// The number of images of each class, in class order (MATLAB's countEachLabel).
  std::vector<label_count> count_each_label() const;

  /// {1, C, H, W} shared by all images. Throws shape_error naming two files when sizes or
  /// channel counts differ (use augmented_image_datastore to resize), data_error when empty.
  /// Streaming, it is the first image's (the first readable one's when skipping bad files);
  /// read_batch checks the others as it reads them.
  dims image_dims() const;

  /// Streaming: the calling thread reads the images at `order` next, batch after batch, so
  /// the decode threads read them ahead. In memory it does nothing.
  void start_epoch(std::span<const std::size_t> order, std::size_t batch_size, std::uint64_t epoch) const;

  /// Writes the images at `indices` as NCHW float 0..255 and their labels. `epoch` is unused
  /// (no augmentation). Throws data_error for an index out of range, shape_error when an
  /// image's size differs from the first one's, data_error / io_error naming a file that
  /// cannot be read.
  void read_batch(std::span<const std::size_t> indices, std::uint64_t epoch, float* images, int* labels) const;
  /// The same, but with skip_bad_files a file that cannot be read (or has another size) is
  /// left out: the kept images come first, the others are appended to `dropped`, and the
  /// number kept is returned.
  std::size_t read_batch(std::span<const std::size_t> indices, std::uint64_t epoch, float* images, int* labels,
                         std::vector<dropped_image>& dropped) const;

  /// The images at `indices` (into this datastore), in that order, with the same classes.
  image_datastore subset(std::span<const std::size_t> indices) const;

  /// Streaming: a reader of the decoded images, for a thread that announces its own order
  /// (announce) and takes image after image (read(i, reader)); null in memory.
  std::unique_ptr<detail::image_stream::reader> open_reader() const;
  void announce(detail::image_stream::reader& r, std::span<const std::size_t> order) const;
  /// The reader start_epoch opened for the calling thread, or null (none yet; in memory).
  detail::image_stream::reader* thread_reader() const { return streaming() ? readers_.find() : nullptr; }
  /// Image i through `r` (the next announced image, read ahead), or read(i) when r is null.
  std::shared_ptr<const decoded_image> read(std::size_t i, detail::image_stream::reader* r) const;
  /// Streaming: bytes of decoded images read ahead and held now, and the most held so far.
  std::size_t stream_bytes_held() const { return streaming() ? store_->stream->bytes_held() : 0; }
  std::size_t stream_peak_bytes_held() const { return streaming() ? store_->stream->peak_bytes_held() : 0; }

 private:
  image_datastore(std::vector<std::string> names, const std::vector<std::string>& label_names,
                  data::color_preprocessing color, std::vector<std::string> classes = {});
  std::size_t check(std::size_t i) const {
    PARTRAIN_CHECK(i < items_.size(), data_error, "[partrain::data::image_datastore] index ", i,
                   " out of range for ", items_.size(), " images");
    return i;
  }
  std::size_t item(std::size_t i) const { return items_[check(i)]; }
  void stream(const image_datastore_options& opt);
  std::size_t read_into(std::span<const std::size_t> indices, float* images, int* labels,
                        std::vector<dropped_image>* dropped) const;

  struct first_dims {  // image_dims(), found once per list of images
    std::once_flag once;
    dims value;
  };

  std::shared_ptr<detail::image_store> store_;
  std::vector<std::size_t> items_;  ///< index into store_ of each image
  std::vector<int> labels_;         ///< label index of each image, -1 without labels
  std::vector<std::string> classes_;
  std::shared_ptr<first_dims> dims_ = std::make_shared<first_dims>();
  mutable detail::per_thread<detail::image_stream::reader> readers_;  ///< streaming: each thread's
};

}  // namespace PARTRAIN_MODE_NAMESPACE

static_assert(source<image_datastore>);

}  // namespace partrain::data

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/data/impl/image_datastore.ipp"
#endif
