// Temporary names that say who is writing them: "<name>.tmp-<host>-<pid>-<start>-<n>", with
// the writer's host name, process id and process start time (clock ticks since boot, from
// /proc). A write that was killed leaves its temporary behind; a later writer removes the
// ones whose process is gone, and never a live writer's (folders may be shared by machines).
#pragma once

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>

#include <signal.h>
#include <unistd.h>

#include "partrain/core/filesystem.hpp"

namespace partrain::format {

/// The start time of process `pid` in clock ticks since boot (/proc/<pid>/stat, field 22),
/// or nullopt when there is no such process (or no /proc).
inline std::optional<std::uint64_t> process_start_time(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return std::nullopt;
  const auto close = stat.rfind(')');  // the command name (field 2) may hold spaces
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  for (int k = 3; k < 22 && rest >> field; ++k) {
  }
  std::uint64_t start = 0;
  return rest >> start ? std::optional(start) : std::nullopt;
}

/// This machine's host name with every character other than [A-Za-z0-9_.] replaced by '_',
/// so that the '-' separated fields of a temporary name parse back.
inline std::string host_tag() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return "unknown";
  std::string out = host;
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') c = '_';
  return out.empty() ? "unknown" : out;
}

/// "<host>-<pid>-<start>": who this process is.
inline std::string writer_tag() {
  static const std::string tag =
      host_tag() + "-" + std::to_string(::getpid()) + "-" + std::to_string(process_start_time(::getpid()).value_or(0));
  return tag;
}

/// A sibling name unique to this process and call: "<name>.tmp-<host>-<pid>-<start>-<n>".
inline std::filesystem::path temporary_sibling(const std::filesystem::path& path) {
  static std::atomic<unsigned long> counter{0};
  return path.parent_path() / (path.filename().string() + ".tmp-" + writer_tag() + "-" + std::to_string(counter++));
}

/// True when `name` is a temporary of this host whose writer process has ended: no process
/// with its pid, or one that started at another time (the pid was reused). Temporaries of
/// other hosts, or names that do not parse, are never judged abandoned.
inline bool abandoned_temporary(std::string_view name) {
  const auto at = name.rfind(".tmp-");
  if (at == std::string_view::npos) return false;
  std::string fields(name.substr(at + 5));  // host-pid-start-n; the host has no '-'
  std::string host;
  long pid = 0;
  std::uint64_t start = 0;
  unsigned long n = 0;
  for (char& c : fields)
    if (c == '-') c = ' ';
  std::istringstream in(fields);
  if (!(in >> host >> pid >> start >> n) || pid <= 0 || host != host_tag()) return false;
  const auto running = process_start_time(pid);
  if (!running) return ::kill(pid_t(pid), 0) != 0 && errno == ESRCH;  // no /proc: ask the kernel
  return *running != start;
}

/// Removes the entries of `folder` named "<prefix>*.tmp-*" whose writer is gone (see
/// abandoned_temporary); returns how many. Entries that cannot be removed are left alone.
inline int remove_abandoned_temporaries(const std::filesystem::path& folder, std::string_view prefix,
                                        std::string_view caller) {
  int removed = 0;
  for (const auto& entry : partrain::list_folder(folder, false, caller)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix) || !abandoned_temporary(name)) continue;
    std::error_code ec;
    if (std::filesystem::remove_all(entry.path(), ec) > 0 && !ec) ++removed;
  }
  return removed;
}

}  // namespace partrain::format
