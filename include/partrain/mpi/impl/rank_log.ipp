// The bodies of mpi/rank_log.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/mpi.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <time.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>

#include "partrain/core/error.hpp"
#include "partrain/experiment/train_trial.hpp"
#include "partrain/mpi/rank_log.hpp"

namespace partrain::mpi {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL rank_log::rank_log(const std::filesystem::path& folder, int rank) : rank_(rank) {
  const auto dir = folder / "logs";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  path_ = dir / ("rank-" + std::to_string(rank) + ".log");
  out_.open(path_, std::ios::app);
  PARTRAIN_CHECK(out_.good(), io_error, "[partrain::mpi] cannot write rank ", rank, "'s log '",
                 path_.string(), "'", ec ? ": " + ec.message() : std::string());
}

PARTRAIN_DECL void rank_log::line(const std::string& text) {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
  std::lock_guard lock(mutex_);
  out_ << stamp << " rank " << rank_ << ": " << text << std::endl;
}

PARTRAIN_DECL void logged_events::started(const experiment::trial_result& r, const std::string& resumes_from) {
  log_.line(partrain::concat_text(
      "worker ", r.worker, " starts trial ", r.trial.index, " (", r.architecture, ")",
      resumes_from.empty() ? "" : " from checkpoint " + resumes_from));
  next_.started(r, resumes_from);
}

PARTRAIN_DECL void logged_events::progress(std::size_t trial, const training_progress& p) {
  if (!p.warning.empty())
    log_.line(partrain::concat_text("warning, trial ", trial, ": ", p.warning));
  next_.progress(trial, p);
}

PARTRAIN_DECL void logged_events::ended(const experiment::trial_result& r, const io::trial_record* record) {
  const bool interrupted = r.status == experiment::trial_status::running;
  log_.line(partrain::concat_text(
      "worker ", r.worker, ": trial ", r.trial.index, " ",
      interrupted ? std::string("interrupted (checkpointed)") : std::string(to_string(r.status)),
      r.error.empty() ? "" : ": " + r.error,
      r.stop_reason.empty() || interrupted ? "" : " (" + r.stop_reason + ")"));
  next_.ended(r, record);
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::mpi
