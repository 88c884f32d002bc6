// data::augmented_image_datastore: resizes or crops each image to the output size, applies a
// random image_augmenter transform that is fresh each epoch, and assembles NCHW float batches,
// prefetched by a background thread (MATLAB's augmentedImageDatastore).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/random.hpp"
#include "partrain/core/shape.hpp"
#include "partrain/data/data_source.hpp"
#include "partrain/data/detail/batch_prefetcher.hpp"
#include "partrain/data/image_augmenter.hpp"
#include "partrain/data/image_datastore.hpp"

namespace partrain::data {

/// How images reach the output size: scaled (bilinear), or cut out of the centre or a
/// random place (the image must then be at least the output size).
enum class output_size_mode { resize, centercrop, randcrop };

/// Output images: height x width, and channels (0: the source's after color_preprocessing).
struct image_size {
  int height = 0, width = 0, channels = 0;
};

struct augmented_options {
  data::output_size_mode output_size_mode = data::output_size_mode::resize;
  data::color_preprocessing color_preprocessing = data::color_preprocessing::none;
  bool prefetch = true;  ///< false: start_epoch does nothing and read_batch computes in place
};

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Satisfies data::source. read_batch is a pure function of (indices, epoch): the same data
/// whether or not it was prefetched. Copies share the decoded images. Thread-safe for
/// concurrent readers; each reader thread gets its own prefetch thread.
class augmented_image_datastore {
 public:
  /// Decodes every image of `ds` once (kept in memory), or, when `ds` streams, only its first
  /// image (the others are checked as batches read them). Throws config_error for an invalid
  /// size, augmenter or channel request, data_error for unreadable images, for images smaller
  /// than the output in a crop mode, or for mixed channel counts without color_preprocessing.
  augmented_image_datastore(image_size output_size, const image_datastore& ds, image_augmenter augmenter = {},
                            augmented_options opt = {});

  std::size_t size() const { return core_->ds.size(); }
  int num_classes() const { return core_->ds.num_classes(); }
  std::vector<std::string> class_names() const { return core_->ds.class_names(); }
  dims image_dims() const { return {1, core_->out.channels, core_->out.height, core_->out.width}; }
  const image_datastore& underlying() const { return core_->ds; }
  const image_augmenter& augmenter() const { return core_->aug; }

  /// Writes the augmented images at `indices` for `epoch` (NCHW float, 0..255 before fill)
  /// and their labels. Throws data_error for an index out of range.
  void read_batch(std::span<const std::size_t> indices, std::uint64_t epoch, float* images, int* labels) const;
  /// The same, but when `ds` skips bad files an image that cannot be read is left out: the
  /// kept ones come first, the others are appended to `dropped`, and the number kept returned.
  std::size_t read_batch(std::span<const std::size_t> indices, std::uint64_t epoch, float* images, int* labels,
                         std::vector<dropped_image>& dropped) const;

  /// Announces the order of the coming read_batch calls of this thread (batches of
  /// batch_size, the last one possibly smaller); a background thread assembles them ahead.
  /// Throws data_error for an index out of range.
  void start_epoch(std::span<const std::size_t> order, std::size_t batch_size, std::uint64_t epoch) const;

  /// The map from output pixel centres to source image coordinates for image i in `epoch`.
  affine2d source_transform(std::size_t i, std::uint64_t epoch) const {
    const auto img = core_->ds.read(i);
    return core_->transform(i, epoch, img->height, img->width);
  }

 private:
  struct core {
    image_datastore ds;
    image_augmenter aug;
    image_size out;
    augmented_options opt;

    affine2d transform(std::size_t i, std::uint64_t epoch, int height, int width) const;

    /// Writes the batch through `reader` (streaming: the thread's read-ahead, or null);
    /// returns how many images it kept, appending the others to `dropped` (when not null).
    std::size_t fill(std::span<const std::size_t> indices, std::uint64_t epoch, float* images, int* labels,
                     detail::image_stream::reader* reader, std::vector<dropped_image>* dropped) const;
    /// Image i, checked against the output's channels and the crop's size (streaming).
    std::shared_ptr<const decoded_image> image(std::size_t i, detail::image_stream::reader* reader) const;

    // The CPU path of warp_pixel: the source is padded with 2 pixels of fill so that the
    // bilinear taps need no bounds checks. Same arithmetic, so the same values (tested).
    static void warp_padded(const warp_params& p, std::vector<float>& padded, float* dst);
  };

  std::shared_ptr<core> core_;
  bool prefetch_ = true;
  std::shared_ptr<detail::prefetch_hub> hub_ = std::make_shared<detail::prefetch_hub>();
};

}  // namespace PARTRAIN_MODE_NAMESPACE

static_assert(source<augmented_image_datastore>);

}  // namespace partrain::data

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/data/impl/augmented_image_datastore.ipp"
#endif
