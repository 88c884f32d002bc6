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

#include "partrain/core/error.hpp"
#include "partrain/core/filesystem.hpp"
#include "partrain/train/training_info.hpp"
#include "partrain/train/training_progress.hpp"

namespace partrain::io {

/// CRC-32C (Castagnoli), as TFRecord uses.
inline std::uint32_t crc32c(std::span<const std::byte> data) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k)
        c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (auto b : data)
    c = table[(c ^ std::uint32_t(b)) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

/// TFRecord's masked CRC: rotate right by 15 and add a constant.
inline std::uint32_t masked_crc32c(std::span<const std::byte> data) {
  const auto c = crc32c(data);
  return ((c >> 15) | (c << 17)) + 0xA282EAD8u;
}

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

/// Event{wall_time=1, step=2, file_version=3 | summary=5 Summary{value=1 Value{tag=1,
/// simple_value=2}}}.
inline std::vector<std::byte> scalar_event(double wall_time, std::int64_t step,
                                           std::string_view tag, float value) {
  proto_writer v, s, e;
  v.str(1, tag);
  v.f32(2, value);
  s.bytes(1, v.out);
  e.f64(1, wall_time);
  e.i64(2, step);
  e.bytes(5, s.out);
  return e.out;
}

inline std::vector<std::byte> file_version_event(double wall_time) {
  proto_writer e;
  e.f64(1, wall_time);
  e.str(3, "brain.Event:2");
  return e.out;
}

inline double unix_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
} // namespace detail

/// Writes one TensorBoard run: log_dir/events.out.tfevents.<unix time>.<host>.<pid>.
/// Not thread-safe; use one writer per trial (the run is the folder, e.g. logs/trial-01).
class tensorboard_writer {
public:
  /// Creates log_dir (and parents) and the event file with its file_version record.
  /// throws io_error naming the folder when it cannot be created or written.
  explicit tensorboard_writer(const std::filesystem::path& log_dir) {
    partrain::create_folders(log_dir, "partrain::io::tensorboard_writer");
    char host[256] = "localhost";
    ::gethostname(host, sizeof host - 1);
    const double now = detail::unix_seconds();
    path_ = log_dir / ("events.out.tfevents." + std::to_string(std::int64_t(now)) + "." + host +
                       "." + std::to_string(::getpid()) + "." + std::to_string(next_id()));
    file_ = std::fopen(path_.c_str(), "wb");
    PARTRAIN_CHECK(file_ != nullptr, io_error, "[partrain::io::tensorboard_writer] '",
                   path_.string(), "': cannot open for writing (", partrain::os_reason(errno), ")");
    write_record(detail::file_version_event(now));
    flush();
  }
  tensorboard_writer(const tensorboard_writer&) = delete;
  tensorboard_writer& operator=(const tensorboard_writer&) = delete;
  ~tensorboard_writer() {
    if (file_)
      std::fclose(file_);
  }

  /// The event file being written.
  const std::filesystem::path& file() const { return path_; }

  /// Appends one scalar (tag e.g. "loss/training") at step. NaN values are skipped, since
  /// TensorBoard would draw them as gaps anyway. throws io_error when the write fails.
  void add_scalar(std::string_view tag, std::int64_t step, double value,
                  double wall_time = detail::unix_seconds()) {
    if (std::isnan(value))
      return;
    write_record(detail::scalar_event(wall_time, step, tag, float(value)));
  }

  /// Appends one progress message's scalars at step = iteration (MATLAB's x axis).
  void add_progress(const training_progress& p) {
    if (p.state != training_state::iteration)
      return;
    const double t = detail::unix_seconds();
    add_scalar("loss/training", p.iteration, p.training_loss, t);
    add_scalar("accuracy/training", p.iteration, p.training_accuracy, t);
    add_scalar("loss/validation", p.iteration, p.validation_loss, t);
    add_scalar("accuracy/validation", p.iteration, p.validation_accuracy, t);
    add_scalar("learn_rate", p.iteration, p.base_learn_rate, t);
  }

  /// Appends a whole training history, step = iteration (1-based). Wall times are spread
  /// evenly over info.wall_seconds, ending now (training_info has no per-iteration clock).
  void add_training_info(const training_info& info) {
    const int n = info.iterations();
    const double end = detail::unix_seconds();
    auto at = [n](const std::vector<double>& v, int i) {
      return std::size_t(n) == v.size() ? v[std::size_t(i)] : training_info::nan;
    };
    for (int i = 0; i < n; ++i) {
      const double t = end - info.wall_seconds * double(n - 1 - i) / std::max(1, n);
      add_scalar("loss/training", i + 1, at(info.training_loss, i), t);
      add_scalar("accuracy/training", i + 1, at(info.training_accuracy, i), t);
      add_scalar("loss/validation", i + 1, at(info.validation_loss, i), t);
      add_scalar("accuracy/validation", i + 1, at(info.validation_accuracy, i), t);
      add_scalar("learn_rate", i + 1, at(info.base_learn_rate, i), t);
    }
    flush();
  }

  /// Pushes buffered records to the file so TensorBoard sees them. throws io_error.
  void flush() {
    PARTRAIN_CHECK(std::fflush(file_) == 0, io_error, "[partrain::io::tensorboard_writer] '",
                   path_.string(), "': flush failed (", partrain::os_reason(errno), ")");
  }

private:
  static int next_id() {
    static std::atomic<int> id{0};
    return id.fetch_add(1);
  }
  void write_record(std::span<const std::byte> data) {
    const std::uint64_t len = data.size();
    const auto len_bytes = std::as_bytes(std::span(&len, 1));
    const std::uint32_t len_crc = masked_crc32c(len_bytes), data_crc = masked_crc32c(data);
    const bool ok = std::fwrite(&len, 8, 1, file_) == 1 &&
                    std::fwrite(&len_crc, 4, 1, file_) == 1 &&
                    (data.empty() || std::fwrite(data.data(), data.size(), 1, file_) == 1) &&
                    std::fwrite(&data_crc, 4, 1, file_) == 1;
    PARTRAIN_CHECK(ok, io_error, "[partrain::io::tensorboard_writer] '", path_.string(),
                   "': write failed (", partrain::os_reason(errno), ")");
  }

  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
};

/// Writes each trial's history as a TensorBoard run log_dir/<name>/ ("tensorboard --logdir
/// log_dir" then shows all trials together). throws config_error when the sizes differ or a
/// name is empty or holds '/', io_error when writing fails.
inline void write_tensorboard(const std::filesystem::path& log_dir,
                              std::span<const training_info> infos,
                              std::span<const std::string> names) {
  PARTRAIN_CHECK(infos.size() == names.size(), config_error, "[partrain::io::write_tensorboard] ",
                 infos.size(), " training infos but ", names.size(),
                 " names; expected one name each");
  for (std::size_t i = 0; i < infos.size(); ++i) {
    PARTRAIN_CHECK(!names[i].empty() && names[i].find('/') == std::string::npos &&
                       names[i] != "." && names[i] != "..",
                   config_error, "[partrain::io::write_tensorboard] run name '", names[i],
                   "' must be a non-empty folder name without '/'");
    tensorboard_writer(log_dir / names[i]).add_training_info(infos[i]);
  }
}

} // namespace partrain::io
