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

/// Reads `folder`/journal.jsonl. A last line without its newline (a write a kill cut short)
/// is left out; any other line that is not a JSON object is an io_error naming the file and
/// line, as is a first line that is not an experiment's.
inline journal_content read_journal(const std::filesystem::path& folder) {
  const auto path = folder / journal_file;
  const std::string text = format::read_text_file(path, "partrain::experiment::read_journal");
  journal_content c;
  std::size_t start = 0, line = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    ++line;
    auto j = nlohmann::json::parse(text.begin() + std::ptrdiff_t(start), text.begin() + std::ptrdiff_t(end),
                                   nullptr, false);
    PARTRAIN_CHECK(!j.is_discarded() && j.is_object(), io_error, "[partrain::experiment] '", path.string(),
                   "': line ", line, " is not a JSON object (a damaged journal)");
    if (line == 1) c.header = std::move(j);
    else c.records.push_back(std::move(j));
    c.intact_bytes = end + 1;
  }
  PARTRAIN_CHECK(line >= 1 && c.header.value("format", "") == "partrain experiment journal", io_error,
                 "[partrain::experiment] '", path.string(), "': not an experiment journal (its first line "
                 "does not describe an experiment)");
  PARTRAIN_CHECK(c.header.value("format_version", 0) == journal_format_version, io_error,
                 "[partrain::experiment] '", path.string(), "': journal format version ",
                 c.header.value("format_version", 0), "; this partrain reads version ", journal_format_version);
  return c;
}

/// Whether `folder`/journal.jsonl has no complete line: a run killed before it wrote one
/// recorded nothing, and the experiment starts afresh.
inline bool journal_is_blank(const std::filesystem::path& folder) {
  return format::read_text_file(folder / journal_file, "partrain::experiment").find('\n') == std::string::npos;
}

/// The open journal of a running experiment; append() may be called from any thread.
class journal {
 public:
  /// Opens (creating it if need be) and locks `folder`/journal.jsonl: io_error when another
  /// process holds it. Read it only once it is locked.
  explicit journal(const std::filesystem::path& folder) : path_(folder / journal_file) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    PARTRAIN_CHECK(fd_ >= 0, io_error, "[partrain::experiment] '", path_.string(),
                   "': cannot open the journal (", std::strerror(errno), ")");
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      fail<io_error>("[partrain::experiment] '", path_.string(), "': another process is running this experiment");
    }
  }
  journal(const journal&) = delete;
  journal& operator=(const journal&) = delete;
  ~journal() { ::close(fd_); }

  /// Cuts the journal to its first `bytes` (a torn last line off: intact_bytes of
  /// read_journal; 0 for a new journal); later lines go after them.
  void cut(std::size_t bytes) {
    PARTRAIN_CHECK(::ftruncate(fd_, off_t(bytes)) == 0 && ::lseek(fd_, 0, SEEK_END) >= 0, io_error,
                   "[partrain::experiment] '", path_.string(), "': cannot prepare the journal (", std::strerror(errno),
                   ")");
  }

  /// Appends one record as one line; with `durable`, fsyncs before returning (status
  /// changes: what a resume relies on). throws io_error naming the file when it fails.
  void append(const nlohmann::json& record, bool durable) {
    const std::string line = record.dump() + "\n";
    std::lock_guard lock(mutex_);
    std::size_t done = 0;
    while (done < line.size()) {
      const auto n = ::write(fd_, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      PARTRAIN_CHECK(n > 0, io_error, "[partrain::experiment] '", path_.string(), "': cannot append to the journal (",
                     std::strerror(errno), ")");
      done += std::size_t(n);
    }
    if (durable)
      PARTRAIN_CHECK(::fdatasync(fd_) == 0, io_error, "[partrain::experiment] '", path_.string(),
                     "': cannot sync the journal (", std::strerror(errno), ")");
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::mutex mutex_;
};

}  // namespace partrain::experiment
