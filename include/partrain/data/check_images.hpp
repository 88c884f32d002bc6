// The checks a batch gets before it goes to a device, where kernels cannot throw: finite
// pixels and labels in range, with messages that name the image.
#pragma once

#include <cmath>
#include <cstddef>
#include <span>

#include "partrain/core/error.hpp"

namespace partrain::data {

/// Throws data_error naming `where`, the image (image_index(i) for the i-th image of
/// `pixels`) and the element when a value is not finite.
template <class T, class ImageIndex>
void check_finite_pixels(const char* where, std::span<const T> pixels, std::size_t image_size, ImageIndex image_index) {
  for (std::size_t i = 0; i < pixels.size(); ++i)
    PARTRAIN_CHECK(std::isfinite(pixels[i]), data_error, "[", where, "] image ", image_index(i / image_size),
                   " has a non-finite value (", pixels[i], ") at element ", i % image_size,
                   "; expected finite pixel values");
}

/// Throws data_error naming `where` and the image when a label is outside 0..classes-1.
template <class ImageIndex>
void check_labels(const char* where, std::span<const int> labels, int classes, ImageIndex image_index) {
  for (std::size_t i = 0; i < labels.size(); ++i)
    PARTRAIN_CHECK(labels[i] >= 0 && labels[i] < classes, data_error, "[", where, "] label ", labels[i],
                   " of image ", image_index(i), " is outside 0..", classes - 1);
}

}  // namespace partrain::data
