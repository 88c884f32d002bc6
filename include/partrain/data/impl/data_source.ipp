// The bodies of data/data_source.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/data.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <algorithm>

#include "partrain/core/error.hpp"
#include "partrain/data/data_source.hpp"

namespace partrain::data {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL void image_set::read_batch(std::span<const std::size_t> indices, std::uint64_t /*epoch*/, float* images,
                                         int* out_labels) const {
  const std::size_t stride = image.image_size();
  for (std::size_t i = 0; i < indices.size(); ++i) {
    PARTRAIN_CHECK(indices[i] < size(), data_error, "[partrain::data::image_set] index ",
                   indices[i], " out of range for ", size(), " images");
    std::copy_n(pixels.data() + indices[i] * stride, stride, images + i * stride);
    out_labels[i] = labels[indices[i]];
  }
}

PARTRAIN_DECL void image_set::push_back(std::span<const float> img, int label) {
  PARTRAIN_CHECK(img.size() == image.image_size(), shape_error,
                 "[partrain::data::image_set] image has ", img.size(), " values; expected ",
                 image.image_size(), " for ", image.str());
  PARTRAIN_CHECK(label >= 0 && label < num_classes(), data_error,
                 "[partrain::data::image_set] label ", label, " outside 0..", num_classes() - 1);
  pixels.insert(pixels.end(), img.begin(), img.end());
  labels.push_back(label);
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::data
