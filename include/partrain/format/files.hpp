// Whole-file reads and atomic writes (temporary name + rename), so a crash mid-write never
// leaves a truncated file under the final name; folders flushed; a file's bytes fingerprinted.
#pragma once

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/filesystem.hpp"
#include "partrain/core/fingerprint.hpp"
#include "partrain/format/text.hpp"
#include "partrain/format/temporary.hpp"

namespace partrain::format {

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Reads the whole file at path.
/// throws io_error naming the file if it is missing or unreadable.
PARTRAIN_DECL std::vector<std::byte> read_file(const std::filesystem::path& path,
                                               std::string_view caller = "partrain::format::read_file");

/// Reads the whole file at path as text. throws io_error as read_file.
PARTRAIN_DECL std::string read_text_file(const std::filesystem::path& path,
                                         std::string_view caller = "partrain::format::read_file");

/// Writes bytes to path atomically: to a temporary sibling first, flushed to disk, then renamed
/// over path. ensures: path holds either its old content or all of bytes.
/// throws io_error naming the file when the folder is missing or the write fails.
PARTRAIN_DECL void write_file_atomic(const std::filesystem::path& path, std::span<const std::byte> bytes,
                                     std::string_view caller = "partrain::io::write_file_atomic");

/// Text overload of write_file_atomic.
PARTRAIN_DECL void write_file_atomic(const std::filesystem::path& path, std::string_view text,
                                     std::string_view caller = "partrain::io::write_file_atomic");

/// Flushes a folder's entries (new names, renames) to disk.
PARTRAIN_DECL void sync_folder(const std::filesystem::path& folder);

/// A file's bytes as 16 hex digits of partrain's fingerprint (what checkpoints record).
PARTRAIN_DECL std::string content_fingerprint(std::span<const std::byte> bytes);

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::format

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/format/impl/files.ipp"
#endif