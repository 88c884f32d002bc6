// The bodies of io/tensorboard.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/io.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/io/tensorboard.hpp"

namespace partrain::io {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::uint32_t crc32c(std::span<const std::byte> data) {
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

PARTRAIN_DECL std::uint32_t masked_crc32c(std::span<const std::byte> data) {
  const auto c = crc32c(data);
  return ((c >> 15) | (c << 17)) + 0xA282EAD8u;
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::io

namespace partrain::io::detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::vector<std::byte> scalar_event(double wall_time, std::int64_t step,
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

PARTRAIN_DECL std::vector<std::byte> file_version_event(double wall_time) {
  proto_writer e;
  e.f64(1, wall_time);
  e.str(3, "brain.Event:2");
  return e.out;
}

PARTRAIN_DECL double unix_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::io::detail

namespace partrain::io {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL tensorboard_writer::tensorboard_writer(const std::filesystem::path& log_dir) {
  partrain::create_folders(log_dir, "partrain::io::tensorboard_writer");
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  const double now = detail::unix_seconds();
  path_ = log_dir / ("events.out.tfevents." + std::to_string(std::int64_t(now)) + "." + host +
                     "." + std::to_string(::getpid()) + "." + std::to_string(detail::next_writer_id()));
  file_ = std::fopen(path_.c_str(), "wb");
  PARTRAIN_CHECK(file_ != nullptr, io_error, "[partrain::io::tensorboard_writer] '",
                 path_.string(), "': cannot open for writing (", partrain::os_reason(errno), ")");
  write_record(detail::file_version_event(now));
  flush();
}

PARTRAIN_DECL tensorboard_writer::~tensorboard_writer() {
  if (file_)
    std::fclose(file_);
}

PARTRAIN_DECL void tensorboard_writer::add_scalar(std::string_view tag, std::int64_t step, double value,
                                                  double wall_time) {
  if (std::isnan(value))
    return;
  write_record(detail::scalar_event(wall_time, step, tag, float(value)));
}

PARTRAIN_DECL void tensorboard_writer::add_progress(const training_progress& p) {
  if (p.state != training_state::iteration)
    return;
  const double t = detail::unix_seconds();
  add_scalar("loss/training", p.iteration, p.training_loss, t);
  add_scalar("accuracy/training", p.iteration, p.training_accuracy, t);
  add_scalar("loss/validation", p.iteration, p.validation_loss, t);
  add_scalar("accuracy/validation", p.iteration, p.validation_accuracy, t);
  add_scalar("learn_rate", p.iteration, p.base_learn_rate, t);
}

PARTRAIN_DECL void tensorboard_writer::add_training_info(const training_info& info) {
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

PARTRAIN_DECL void tensorboard_writer::flush() {
  PARTRAIN_CHECK(std::fflush(file_) == 0, io_error, "[partrain::io::tensorboard_writer] '",
                 path_.string(), "': flush failed (", partrain::os_reason(errno), ")");
}

PARTRAIN_DECL void tensorboard_writer::write_record(std::span<const std::byte> data) {
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

PARTRAIN_DECL void write_tensorboard(const std::filesystem::path& log_dir,
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

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::io
