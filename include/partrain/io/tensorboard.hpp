// TensorBoard event files: TFRecord framing (length, masked CRC32C) around hand-encoded
// Event protobufs holding scalar summaries, one file per run folder.
#pragma once

#include <array>
#include <cerrno>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/filesystem.hpp"
#include "partrain/train/training_info.hpp"
#include "partrain/train/training_progress.hpp"

namespace partrain::io {

inline namespace PARTRAIN_MODE_NAMESPACE {

/// CRC-32C (Castagnoli), as TFRecord uses.
PARTRAIN_DECL std::uint32_t crc32c(std::span<const std::byte> data);

/// TFRecord's masked CRC: rotate right by 15 and add a constant.
PARTRAIN_DECL std::uint32_t masked_crc32c(std::span<const std::byte> data);

}  // namespace PARTRAIN_MODE_NAMESPACE

namespace detail {
struct proto_writer {
  std::vector<std::byte> out;
  void raw(const void* p, std::size_t n) {
    auto b = static_cast<const std::byte*>(p);
    out.insert(out.end(), b, b + n);
  }
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      out.push_back(std::byte((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out.push_back(std::byte(v));
  }
  void tag(int field, int wire) { varint(std::uint64_t(field) << 3 | std::uint64_t(wire)); }
  void f64(int field, double v) { tag(field, 1), raw(&v, 8); }
  void f32(int field, float v) { tag(field, 5), raw(&v, 4); }
  void i64(int field, std::int64_t v) { tag(field, 0), varint(std::uint64_t(v)); }
  void bytes(int field, std::span<const std::byte> b) {
    tag(field, 2), varint(b.size()), raw(b.data(), b.size());
  }
  void str(int field, std::string_view s) {
    bytes(field, std::as_bytes(std::span(s.data(), s.size())));
  }
};

/// The process's next writer number (a file name part): a plain inline function, so one
/// counter serves the whole program, translation units of both modes included.
inline int next_writer_id() {
  static std::atomic<int> id{0};
  return id.fetch_add(1);
}

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Event{wall_time=1, step=2, file_version=3 | summary=5 Summary{value=1 Value{tag=1,
/// simple_value=2}}}.
PARTRAIN_DECL std::vector<std::byte> scalar_event(double wall_time, std::int64_t step,
                                                  std::string_view tag, float value);

PARTRAIN_DECL std::vector<std::byte> file_version_event(double wall_time);

PARTRAIN_DECL double unix_seconds();

}  // namespace PARTRAIN_MODE_NAMESPACE
} // namespace detail

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Writes one TensorBoard run: log_dir/events.out.tfevents.<unix time>.<host>.<pid>.
/// Not thread-safe; use one writer per trial (the run is the folder, e.g. logs/trial-01).
class tensorboard_writer {
public:
  /// Creates log_dir (and parents) and the event file with its file_version record.
  /// throws io_error naming the folder when it cannot be created or written.
  explicit tensorboard_writer(const std::filesystem::path& log_dir);
  tensorboard_writer(const tensorboard_writer&) = delete;
  tensorboard_writer& operator=(const tensorboard_writer&) = delete;
  ~tensorboard_writer();

  /// The event file being written.
  const std::filesystem::path& file() const { return path_; }

  /// Appends one scalar (tag e.g. "loss/training") at step. NaN values are skipped, since
  /// TensorBoard would draw them as gaps anyway. throws io_error when the write fails.
  void add_scalar(std::string_view tag, std::int64_t step, double value,
                  double wall_time = detail::unix_seconds());

  /// Appends one progress message's scalars at step = iteration (MATLAB's x axis).
  void add_progress(const training_progress& p);

  /// Appends a whole training history, step = iteration (1-based). Wall times are spread
  /// evenly over info.wall_seconds, ending now (training_info has no per-iteration clock).
  void add_training_info(const training_info& info);

  /// Pushes buffered records to the file so TensorBoard sees them. throws io_error.
  void flush();

private:
  void write_record(std::span<const std::byte> data);

  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
};

/// Writes each trial's history as a TensorBoard run log_dir/<name>/ ("tensorboard --logdir
/// log_dir" then shows all trials together). throws config_error when the sizes differ or a
/// name is empty or holds '/', io_error when writing fails.
PARTRAIN_DECL void write_tensorboard(const std::filesystem::path& log_dir,
                                     std::span<const training_info> infos,
                                     std::span<const std::string> names);

}  // namespace PARTRAIN_MODE_NAMESPACE
} // namespace partrain::io

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/io/impl/tensorboard.ipp"
#endif