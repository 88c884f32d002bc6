// An experiment's journal: journal.jsonl, one JSON object per line, only ever appended. The
// first line describes the experiment; then every trial's status changes (queued, running,
// finished, stopped, failed) and its progress. Status lines are written whole with one
// write() and fsynced, so a kill -9 at any moment leaves every earlier line readable; a
// torn last line is dropped when the journal is reopened.
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/format/files.hpp"

namespace partrain::experiment {

inline constexpr const char* journal_file = "journal.jsonl";
inline constexpr int journal_format_version = 1;

/// What a journal holds, read back: its first line and every later one, in order.
struct journal_content {
  nlohmann::json header;
  std::vector<nlohmann::json> records;
  std::size_t intact_bytes = 0;  ///< length up to the last complete line
};

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Reads `folder`/journal.jsonl. A last line without its newline (a write a kill cut short)
/// is left out; any other line that is not a JSON object is an io_error naming the file and
/// line, as is a first line that is not an experiment's.
PARTRAIN_DECL journal_content read_journal(const std::filesystem::path& folder);

/// Whether `folder`/journal.jsonl has no complete line: a run killed before it wrote one
/// recorded nothing, and the experiment starts afresh.
PARTRAIN_DECL bool journal_is_blank(const std::filesystem::path& folder);

/// The open journal of a running experiment; append() may be called from any thread.
class journal {
 public:
  /// Opens (creating it if need be) and locks `folder`/journal.jsonl: io_error when another
  /// process holds it. Read it only once it is locked.
  explicit journal(const std::filesystem::path& folder);
  journal(const journal&) = delete;
  journal& operator=(const journal&) = delete;
  ~journal() { ::close(fd_); }

  /// Cuts the journal to its first `bytes` (a torn last line off: intact_bytes of
  /// read_journal; 0 for a new journal); later lines go after them.
  void cut(std::size_t bytes);

  /// Appends one record as one line; with `durable`, fsyncs before returning (status
  /// changes: what a resume relies on). throws io_error naming the file when it fails.
  void append(const nlohmann::json& record, bool durable);

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::mutex mutex_;
};

}  // namespace PARTRAIN_MODE_NAMESPACE

}  // namespace partrain::experiment

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/experiment/impl/journal.ipp"
#endif
