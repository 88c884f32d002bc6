// A non-owning, type-erased view of any data::source, so options can refer to validation
// data of any type, and a training run to its data, without becoming templates on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "partrain/data/data_source.hpp"

namespace partrain::data {

/// Refers to a source that must outlive the view. An empty view refers to nothing. It is a
/// source itself, start_epoch included (a no-op for a source without it), and says which
/// source it refers to (target<S>()), so code that can do better for one type still can.
class source_view {
 public:
  source_view() = default;
  template <source S>
  source_view(const S* s)  // NOLINT: implicit, so `.validation_data = &val` reads naturally
      : object_(s), calls_(s ? &calls_for<S> : nullptr) {}
  template <source S>
  source_view(const S& s) : source_view(&s) {}  // NOLINT

  explicit operator bool() const { return object_ != nullptr; }
  std::size_t size() const { return calls_->size(object_); }
  int num_classes() const { return calls_->num_classes(object_); }
  dims image_dims() const { return calls_->image_dims(object_); }
  std::vector<std::string> class_names() const { return calls_->class_names(object_); }
  void read_batch(std::span<const std::size_t> indices, std::uint64_t epoch, float* images,
                  int* labels) const {
    calls_->read_batch(object_, indices, epoch, images, labels);
  }
  /// The same, leaving out images the source cannot read when it may (read_batch_dropping).
  std::size_t read_batch(std::span<const std::size_t> indices, std::uint64_t epoch, float* images, int* labels,
                         std::vector<dropped_image>& dropped) const {
    return calls_->read_dropping(object_, indices, epoch, images, labels, dropped);
  }
  /// Announces the order of the coming read_batch calls (a source may read ahead).
  void start_epoch(std::span<const std::size_t> order, std::size_t batch_size, std::uint64_t epoch) const {
    calls_->start_epoch(object_, order, batch_size, epoch);
  }
  /// The source viewed when it is an S, else null (as std::function::target).
  template <source S>
  const S* target() const {
    return calls_ == &calls_for<S> ? static_cast<const S*>(object_) : nullptr;
  }

 private:
  struct calls {
    std::size_t (*size)(const void*);
    int (*num_classes)(const void*);
    dims (*image_dims)(const void*);
    std::vector<std::string> (*class_names)(const void*);
    void (*read_batch)(const void*, std::span<const std::size_t>, std::uint64_t, float*, int*);
    void (*start_epoch)(const void*, std::span<const std::size_t>, std::size_t, std::uint64_t);
    std::size_t (*read_dropping)(const void*, std::span<const std::size_t>, std::uint64_t, float*, int*,
                                 std::vector<dropped_image>&);
  };
  template <source S>
  static constexpr calls calls_for{
      [](const void* o) { return std::size_t(static_cast<const S*>(o)->size()); },
      [](const void* o) { return int(static_cast<const S*>(o)->num_classes()); },
      [](const void* o) { return dims(static_cast<const S*>(o)->image_dims()); },
      [](const void* o) { return std::vector<std::string>(static_cast<const S*>(o)->class_names()); },
      [](const void* o, std::span<const std::size_t> i, std::uint64_t e, float* x, int* y) {
        static_cast<const S*>(o)->read_batch(i, e, x, y);
      },
      [](const void* o, std::span<const std::size_t> order, std::size_t batch, std::uint64_t e) {
        if constexpr (requires(const S& s) { s.start_epoch(order, batch, e); })
          static_cast<const S*>(o)->start_epoch(order, batch, e);
      },
      [](const void* o, std::span<const std::size_t> i, std::uint64_t e, float* x, int* y,
         std::vector<dropped_image>& dropped) { return read_batch_dropping(*static_cast<const S*>(o), i, e, x, y, dropped); }};
  const void* object_ = nullptr;
  const calls* calls_ = nullptr;
};

static_assert(source<source_view>);

}  // namespace partrain::data
