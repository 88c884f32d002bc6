// Fills a network's input tensor and label vector from a data source, mini-batch by mini-batch.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <type_traits>
#include <vector>

#include "partrain/core/error.hpp"
#include "partrain/core/tensor.hpp"
#include "partrain/data/data_source.hpp"

namespace partrain {

/// Owns the batch buffers; reuses them, so reading batch after batch does not allocate.
template <element_type T>
class batch_reader {
 public:
  /// Reads the images at `indices` (with augmentation keyed by `epoch`) into images()/labels().
  template <data::source D>
  void read(const D& data, std::span<const std::size_t> indices, std::uint64_t epoch, dims image) {
    const int n = int(indices.size());
    images_.resize({n, image.c, image.h, image.w});
    labels_.resize(indices.size());
    if constexpr (std::is_same_v<T, float>) {
      data.read_batch(indices, epoch, images_.data(), labels_.data());
    } else {
      staging_.resize(images_.size());
      data.read_batch(indices, epoch, staging_.data(), labels_.data());
      std::copy(staging_.begin(), staging_.end(), images_.data());
    }
  }
  const tensor<T>& images() const { return images_; }
  std::span<const int> labels() const { return labels_; }

 private:
  tensor<T> images_;
  std::vector<int> labels_;
  std::vector<float> staging_;
};

/// Checks that `data` fits a network with input shape In and Classes outputs.
template <static_shape In, data::source D>
void check_data_fits(const D& data, int classes, const char* where, const char* which) {
  const dims d = data.image_dims();
  PARTRAIN_CHECK(d.c == In::channels && d.h == In::height && d.w == In::width, shape_error, "[", where,
                 "] ", which, " images are ", d.h, "x", d.w, "x", d.c, "; the network's image_input expects ",
                 shape_string<In>());
  PARTRAIN_CHECK(data.num_classes() == classes, shape_error, "[", where, "] ", which, " has ",
                 data.num_classes(), " classes; the network's classification layer has ", classes);
  PARTRAIN_CHECK(data.size() > 0, data_error, "[", where, "] ", which, " is empty");
}

}  // namespace partrain
