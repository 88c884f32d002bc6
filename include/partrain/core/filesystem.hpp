// std::filesystem calls that fail as partrain::io_error naming the path, what was being done
// and the operating system's reason, never as a raw std::filesystem::filesystem_error.
#pragma once

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "partrain/core/error.hpp"

namespace partrain {

/// The operating system's words for errno value `code` ("No space left on device").
inline std::string os_reason(int code) { return std::error_code(code, std::generic_category()).message(); }

/// Creates `folder` and its missing parents; an existing folder is fine.
/// Throws io_error "[caller] 'folder': cannot create folder (<reason>)".
inline void create_folders(const std::filesystem::path& folder, std::string_view caller) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (!ec && !std::filesystem::is_directory(folder, ec))
    ec = std::make_error_code(std::errc::not_a_directory);
  PARTRAIN_CHECK(!ec, io_error, "[", caller, "] '", folder.string(), "': cannot create folder (", ec.message(), ")");
}

/// The entries of `folder` (and of its sub-folders when `recursive`; unreadable sub-folders
/// are skipped). Throws io_error naming the folder and the reason when it cannot be listed.
inline std::vector<std::filesystem::directory_entry> list_folder(const std::filesystem::path& folder, bool recursive,
                                                                 std::string_view caller) {
  namespace fs = std::filesystem;
  std::vector<fs::directory_entry> out;
  std::error_code ec;
  auto fail_listing = [&] {
    fail<io_error>("[", caller, "] '", folder.string(), "': cannot list folder (", ec.message(), ")");
  };
  if (recursive) {
    fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec), end;
    for (; !ec && it != end; it.increment(ec)) out.push_back(*it);
  } else {
    fs::directory_iterator it(folder, ec), end;
    for (; !ec && it != end; it.increment(ec)) out.push_back(*it);
  }
  if (ec) fail_listing();
  return out;
}

/// Requires that nothing exists at `target` or that it is a regular file, so a write never
/// replaces a device node, a folder, a socket or a FIFO. Throws io_error naming it.
inline void require_regular_or_absent(const std::filesystem::path& target, std::string_view caller) {
  std::error_code ec;
  const auto status = std::filesystem::symlink_status(target, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    fail<io_error>("[", caller, "] '", target.string(), "': cannot inspect (", ec.message(), ")");
  const auto type = status.type();
  PARTRAIN_CHECK(type == std::filesystem::file_type::not_found || type == std::filesystem::file_type::regular, io_error,
                 "[", caller, "] '", target.string(), "' exists and is not a regular file (",
                 type == std::filesystem::file_type::directory ? "a folder"
                 : type == std::filesystem::file_type::symlink ? "a symbolic link"
                 : type == std::filesystem::file_type::character || type == std::filesystem::file_type::block ? "a device"
                                                                                                          : "a special file",
                 "); refusing to replace it: remove it or choose another name");
}

}  // namespace partrain
