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
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <signal.h>
#include <unistd.h>

#include "partrain/config.hpp"
#include "partrain/core/filesystem.hpp"

namespace partrain::format {

namespace detail {
/// The process's count of temporary names made so far: a plain inline function, so one
/// counter serves the whole program, translation units of both modes included.
inline unsigned long next_temporary_number() {
  static std::atomic<unsigned long> counter{0};
  return counter++;
}
}  // namespace detail

inline namespace PARTRAIN_MODE_NAMESPACE {

/// The start time of process `pid` in clock ticks since boot (/proc/<pid>/stat, field 22),
/// or nullopt when there is no such process (or no /proc).
PARTRAIN_DECL std::optional<std::uint64_t> process_start_time(long pid);

/// This machine's host name with every character other than [A-Za-z0-9_.] replaced by '_',
/// so that the '-' separated fields of a temporary name parse back.
PARTRAIN_DECL std::string host_tag();

/// "<host>-<pid>-<start>": who this process is.
PARTRAIN_DECL std::string writer_tag();

/// A sibling name unique to this process and call: "<name>.tmp-<host>-<pid>-<start>-<n>".
PARTRAIN_DECL std::filesystem::path temporary_sibling(const std::filesystem::path& path);

/// True when `name` is a temporary of this host whose writer process has ended: no process
/// with its pid, or one that started at another time (the pid was reused). Temporaries of
/// other hosts, or names that do not parse, are never judged abandoned.
PARTRAIN_DECL bool abandoned_temporary(std::string_view name);

/// Removes the entries of `folder` named "<prefix>*.tmp-*" whose writer is gone (see
/// abandoned_temporary); returns how many. Entries that cannot be removed are left alone.
PARTRAIN_DECL int remove_abandoned_temporaries(const std::filesystem::path& folder, std::string_view prefix,
                                               std::string_view caller);

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::format

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/format/impl/temporary.ipp"
#endif