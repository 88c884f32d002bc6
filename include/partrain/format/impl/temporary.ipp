// The bodies of format/temporary.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/format.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <fstream>
#include <sstream>

#include "partrain/format/temporary.hpp"

namespace partrain::format {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::optional<std::uint64_t> process_start_time(long pid) {
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

PARTRAIN_DECL std::string host_tag() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return "unknown";
  std::string out = host;
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') c = '_';
  return out.empty() ? "unknown" : out;
}

PARTRAIN_DECL std::string writer_tag() {
  static const std::string tag =
      host_tag() + "-" + std::to_string(::getpid()) + "-" + std::to_string(process_start_time(::getpid()).value_or(0));
  return tag;
}

PARTRAIN_DECL std::filesystem::path temporary_sibling(const std::filesystem::path& path) {
  return path.parent_path() /
         (path.filename().string() + ".tmp-" + writer_tag() + "-" + std::to_string(detail::next_temporary_number()));
}

PARTRAIN_DECL bool abandoned_temporary(std::string_view name) {
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

PARTRAIN_DECL int remove_abandoned_temporaries(const std::filesystem::path& folder, std::string_view prefix,
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

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::format
