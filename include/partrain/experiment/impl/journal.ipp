// The bodies of experiment/journal.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/experiment.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/experiment/journal.hpp"

namespace partrain::experiment {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL journal_content read_journal(const std::filesystem::path& folder) {
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

PARTRAIN_DECL bool journal_is_blank(const std::filesystem::path& folder) {
  return format::read_text_file(folder / journal_file, "partrain::experiment").find('\n') == std::string::npos;
}

PARTRAIN_DECL journal::journal(const std::filesystem::path& folder) : path_(folder / journal_file) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  PARTRAIN_CHECK(fd_ >= 0, io_error, "[partrain::experiment] '", path_.string(),
                 "': cannot open the journal (", std::strerror(errno), ")");
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    fail<io_error>("[partrain::experiment] '", path_.string(), "': another process is running this experiment");
  }
}

PARTRAIN_DECL void journal::cut(std::size_t bytes) {
  PARTRAIN_CHECK(::ftruncate(fd_, off_t(bytes)) == 0 && ::lseek(fd_, 0, SEEK_END) >= 0, io_error,
                 "[partrain::experiment] '", path_.string(), "': cannot prepare the journal (", std::strerror(errno),
                 ")");
}

PARTRAIN_DECL void journal::append(const nlohmann::json& record, bool durable) {
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

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::experiment
