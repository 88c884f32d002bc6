// The bodies of format/files.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/format.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <fstream>

#include "partrain/format/files.hpp"

namespace partrain::format {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::vector<std::byte> read_file(const std::filesystem::path& path,
                                               std::string_view caller) {
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

PARTRAIN_DECL std::string read_text_file(const std::filesystem::path& path,
                                         std::string_view caller) {
  auto bytes = read_file(path, caller);
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

PARTRAIN_DECL void write_file_atomic(const std::filesystem::path& path, std::span<const std::byte> bytes,
                                     std::string_view caller) {
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

PARTRAIN_DECL void write_file_atomic(const std::filesystem::path& path, std::string_view text,
                                     std::string_view caller) {
  write_file_atomic(path, std::as_bytes(std::span(text.data(), text.size())), caller);
}

PARTRAIN_DECL void sync_folder(const std::filesystem::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

PARTRAIN_DECL std::string content_fingerprint(std::span<const std::byte> bytes) {
  return hex(fingerprint().add(bytes.data(), bytes.size()).value());
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::format
