// Whole-file reads and atomic writes (temporary name + rename), so a crash mid-write never
// leaves a truncated file under the final name; folders flushed; a file's bytes fingerprinted.
#pragma once

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "partrain/core/error.hpp"
#include "partrain/core/filesystem.hpp"
#include "partrain/core/fingerprint.hpp"
#include "partrain/format/text.hpp"
#include "partrain/format/temporary.hpp"

namespace partrain::format {


/// Reads the whole file at path.
/// throws io_error naming the file if it is missing or unreadable.
inline std::vector<std::byte> read_file(const std::filesystem::path& path,
                                        std::string_view caller = "partrain::format::read_file") {
  std::error_code ec;
  PARTRAIN_CHECK(std::filesystem::is_regular_file(path, ec), io_error, "[", caller, "] '",
                 path.string(), "': no such file (expected a regular file)");
  std::ifstream in(path, std::ios::binary);
  PARTRAIN_CHECK(in.good(), io_error, "[", caller, "] '", path.string(),
                 "': cannot open for reading (", partrain::os_reason(errno), ")");
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::size_t>(in.tellg());
  in.seekg(0, std::ios::beg);
  std::vector<std::byte> bytes(size);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  PARTRAIN_CHECK(in.gcount() == static_cast<std::streamsize>(size), io_error, "[", caller, "] '",
                 path.string(), "': read ", in.gcount(), " of ", size, " bytes");
  return bytes;
}

/// Reads the whole file at path as text. throws io_error as read_file.
inline std::string read_text_file(const std::filesystem::path& path,
                                  std::string_view caller = "partrain::format::read_file") {
  auto bytes = read_file(path, caller);
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

/// Writes bytes to path atomically: to a temporary sibling first, flushed to disk, then renamed
/// over path. ensures: path holds either its old content or all of bytes.
/// throws io_error naming the file when the folder is missing or the write fails.
inline void write_file_atomic(const std::filesystem::path& path, std::span<const std::byte> bytes,
                              std::string_view caller = "partrain::io::write_file_atomic") {
  const auto parent = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  std::error_code ec;
  PARTRAIN_CHECK(std::filesystem::is_directory(parent, ec), io_error, "[", caller, "] '",
                 path.string(), "': folder '", parent.string(), "' does not exist");
  partrain::require_regular_or_absent(path, caller);
  const auto tmp = temporary_sibling(path);
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  PARTRAIN_CHECK(f != nullptr, io_error, "[", caller, "] '", tmp.string(), "': cannot open for writing (",
                 partrain::os_reason(errno), ")");
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const bool flushed = written && std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  const int write_errno = errno;
  const bool closed = std::fclose(f) == 0;
  if (!(written && flushed && closed)) {
    const int reason = !(written && flushed) ? write_errno : errno;
    std::filesystem::remove(tmp, ec);
    fail<io_error>("[", caller, "] '", path.string(), "': write of ", bytes.size(), " bytes failed (",
                   partrain::os_reason(reason), "); the file was left as it was");
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    const auto reason = ec.message();
    std::filesystem::remove(tmp, ec);
    fail<io_error>("[", caller, "] '", path.string(), "': cannot rename the temporary file into place (", reason, ")");
  }
}

/// Text overload of write_file_atomic.
inline void write_file_atomic(const std::filesystem::path& path, std::string_view text,
                              std::string_view caller = "partrain::io::write_file_atomic") {
  write_file_atomic(path, std::as_bytes(std::span(text.data(), text.size())), caller);
}

/// Flushes a folder's entries (new names, renames) to disk.
inline void sync_folder(const std::filesystem::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

/// A file's bytes as 16 hex digits of partrain's fingerprint (what checkpoints record).
inline std::string content_fingerprint(std::span<const std::byte> bytes) {
  return hex(fingerprint().add(bytes.data(), bytes.size()).value());
}

}  // namespace partrain::format
