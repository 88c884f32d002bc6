// The mini-batches of one training run, in the memory of the context that trains on them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>

#include "partrain/backend/context.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/tensor.hpp"
#include "partrain/data/data_source.hpp"
#include "partrain/data/resident_batches.hpp"
#include "partrain/data/source_view.hpp"
#include "partrain/train/batch_reader.hpp"

namespace partrain {
// Its layout differs between nvcc and g++ builds, as the context's does.
inline namespace PARTRAIN_ABI_NAMESPACE {

/// The batches of one training pass: start_epoch announces the order of the epoch's images,
/// read(first, count) then makes the batch order[first, first + count).
/// On a CUDA context, a source whose decoded images can live on the device (image_set,
/// augmented_image_datastore; float networks) is uploaded once per device, shared by the
/// workers there that train on the same images; each epoch's order (and each image's
/// transform) goes up once, and each batch is gathered and augmented there with the CPU's
/// draws, so reading a batch moves nothing from the host. Any other source is read on the
/// host (prefetched when it can), checked and uploaded (batch_reader). The source is seen
/// through a view, so this is compiled once per element type, whatever the source.
template <element_type T>
class batch_source {
 public:
  batch_source(context& ctx, data::source_view data, int classes)
      : ctx_(ctx), data_(data), classes_(classes), resident_(ctx, data_, classes) {}
  batch_source(const batch_source&) = delete;
  batch_source& operator=(const batch_source&) = delete;
  /// Tells the source that nothing more will be read, so it drops what it read ahead (a
  /// streaming datastore's memory budget is shared with other runs).
  ~batch_source() {
    if (!announced_ || resident_.active()) return;
    try {
      data_.start_epoch({}, 1, 0);
    } catch (...) {  // nothing to report from a destructor: the read-ahead is a cache
    }
  }

  /// The coming batches of `epoch` (0-based; keys augmentation) take their images in
  /// `order`, batch_size at a time; `order` must stay alive and unchanged until the next call.
  void start_epoch(std::span<const std::size_t> order, std::size_t batch_size, std::uint64_t epoch) {
    order_ = order, epoch_ = epoch, announced_ = true;
    if (resident_.active()) return resident_.start_epoch(ctx_, order, epoch);
    data_.start_epoch(order, batch_size, epoch);
  }

  /// Queues the batch order[first, first + count) of the epoch started last; returns the
  /// images the source left out of it as unreadable (skip_bad_files), whose batch is smaller.
  std::span<const data::dropped_image> read(std::size_t first, std::size_t count) {
    PARTRAIN_CHECK(first + count <= order_.size(), error, "[partrain::batch_source] batch [", first, ", ",
                   first + count, ") is outside the epoch's ", order_.size(), " images");
    if (resident_.active()) {
      resident_.read(ctx_, first, count);
      images_ = &resident_.images(), labels_ = resident_.labels();
      return {};
    }
    reader_.read(ctx_, data_, order_.subspan(first, count), epoch_, data_.image_dims(), classes_);
    images_ = &reader_.images(), labels_ = reader_.labels();
    return reader_.dropped();
  }

  const tensor<T>& images() const { return *images_; }
  std::span<const int> labels() const { return labels_; }

 private:
  context& ctx_;
  data::source_view data_;
  int classes_;
  data::resident_batches<T> resident_;
  batch_reader<T> reader_;
  std::span<const std::size_t> order_;
  std::uint64_t epoch_ = 0;
  bool announced_ = false;
  const tensor<T>* images_ = nullptr;
  std::span<const int> labels_;
};

}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace partrain
