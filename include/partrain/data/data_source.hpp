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
/// read_batch calls, so a source can prefetch them in the background.
template <class D>
concept source = requires(const D& d, std::span<const std::size_t> idx, float* x, int* y) {
  { d.size() } -> std::convertible_to<std::size_t>;
  { d.num_classes() } -> std::convertible_to<int>;
  { d.image_dims() } -> std::convertible_to<dims>;
  { d.class_names() } -> std::convertible_to<std::vector<std::string>>;
  d.read_batch(idx, 0, x, y);
};

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
