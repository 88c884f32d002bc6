// The concept train_network reads labelled images through, and the in-memory image set.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/shape.hpp"

namespace partrain::data {

/// A labelled image collection that fills mini-batches.
///  - size(): number of images; num_classes(): labels are 0..num_classes()-1
///  - image_dims(): per-image extents {1, C, H, W}
///  - read_batch(indices, epoch, images, labels): writes indices.size() images in NCHW
///    float layout to `images` and their labels to `labels`. `epoch` (0-based) keys
///    random augmentation, so a batch is a pure function of (indices, epoch).
/// Optional: start_epoch(order, batch_size, epoch) announces the order of the coming
/// read_batch calls, so a source can prefetch them in the background (an empty order: none
/// will come, so it may drop what it read ahead); and
/// read_batch(indices, epoch, images, labels, dropped), which may leave out images it cannot
/// read (writing the kept ones first, in order), appends what it left out to `dropped` and
/// returns how many it kept (read_batch_dropping calls either form).
template <class D>
concept source = requires(const D& d, std::span<const std::size_t> idx, float* x, int* y) {
  { d.size() } -> std::convertible_to<std::size_t>;
  { d.num_classes() } -> std::convertible_to<int>;
  { d.image_dims() } -> std::convertible_to<dims>;
  { d.class_names() } -> std::convertible_to<std::vector<std::string>>;
  d.read_batch(idx, 0, x, y);
};

/// An image a source left out of a batch because it could not be read (skip_bad_files).
struct dropped_image {
  std::size_t index = 0;  ///< into the source
  std::string file;       ///< its file
  std::string reason;     ///< the error that refused it, naming the file
};

/// Reads a batch through the source's dropping form when it has one (returning the number
/// of images kept, written first), else through read_batch (every image kept).
template <source D>
std::size_t read_batch_dropping(const D& d, std::span<const std::size_t> indices, std::uint64_t epoch, float* images,
                                int* labels, std::vector<dropped_image>& dropped) {
  if constexpr (requires { { d.read_batch(indices, epoch, images, labels, dropped) } -> std::convertible_to<std::size_t>; })
    return d.read_batch(indices, epoch, images, labels, dropped);
  else
    return d.read_batch(indices, epoch, images, labels), indices.size();
}

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Images and labels held in memory: the simplest data source.
struct image_set {
  dims image{1, 1, 1, 1};            ///< {1, C, H, W}
  std::vector<float> pixels;         ///< size() * C*H*W values, NCHW
  std::vector<int> labels;           ///< 0-based class index of each image
  std::vector<std::string> classes;  ///< class names; num_classes() == classes.size()

  std::size_t size() const { return labels.size(); }
  int num_classes() const { return int(classes.size()); }
  dims image_dims() const { return image; }
  std::vector<std::string> class_names() const { return classes; }

  void read_batch(std::span<const std::size_t> indices, std::uint64_t epoch, float* images, int* out_labels) const;
  /// Appends one image of image_size() values with its label.
  void push_back(std::span<const float> img, int label);
};

}  // namespace PARTRAIN_MODE_NAMESPACE

static_assert(source<image_set>);

}  // namespace partrain::data

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/data/impl/data_source.ipp"
#endif
