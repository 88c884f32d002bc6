// Each rank's own log in the experiment folder, logs/rank-<r>.log (appended to by every run):
// when it started and with which workers, what each of its workers trained and how that
// ended, its warnings and errors. Rank 0's journal says what happened to the experiment;
// these say what each process did, for when a rank misbehaves.
#pragma once

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>

#include "partrain/core/error.hpp"
#include "partrain/experiment/train_trial.hpp"

namespace partrain::mpi {

class rank_log {
public:
  /// Opens <folder>/logs/rank-<rank>.log for appending; throws io_error naming it otherwise.
  rank_log(const std::filesystem::path& folder, int rank) : rank_(rank) {
    const auto dir = folder / "logs";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    path_ = dir / ("rank-" + std::to_string(rank) + ".log");
    out_.open(path_, std::ios::app);
    PARTRAIN_CHECK(out_.good(), io_error, "[partrain::mpi] cannot write rank ", rank, "'s log '",
                   path_.string(), "'", ec ? ": " + ec.message() : std::string());
  }
  const std::filesystem::path& path() const { return path_; }

  /// One line: "<UTC time> rank <r>: <text>", flushed (a killed rank keeps its last lines).
  void line(const std::string& text) {
    const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&now, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
    std::lock_guard lock(mutex_);
    out_ << stamp << " rank " << rank_ << ": " << text << std::endl;
  }

private:
  int rank_;
  std::filesystem::path path_;
  std::mutex mutex_;
  std::ofstream out_;
};

/// A trial's events, written to the rank's log and passed on to `next`.
class logged_events final : public experiment::trial_events {
public:
  logged_events(rank_log& log, experiment::trial_events& next) : log_(log), next_(next) {}
  void started(const experiment::trial_result& r, const std::string& resumes_from) override {
    log_.line(partrain::concat_text(
        "worker ", r.worker, " starts trial ", r.trial.index, " (", r.architecture, ")",
        resumes_from.empty() ? "" : " from checkpoint " + resumes_from));
    next_.started(r, resumes_from);
  }
  void progress(std::size_t trial, const training_progress& p) override {
    if (!p.warning.empty())
      log_.line(partrain::concat_text("warning, trial ", trial, ": ", p.warning));
    next_.progress(trial, p);
  }
  void rung(std::size_t trial, const std::string& text) override { next_.rung(trial, text); }
  void ended(const experiment::trial_result& r, const io::trial_record* record) override {
    const bool interrupted = r.status == experiment::trial_status::running;
    log_.line(partrain::concat_text(
        "worker ", r.worker, ": trial ", r.trial.index, " ",
        interrupted ? std::string("interrupted (checkpointed)") : std::string(to_string(r.status)),
        r.error.empty() ? "" : ": " + r.error,
        r.stop_reason.empty() || interrupted ? "" : " (" + r.stop_reason + ")"));
    next_.ended(r, record);
  }

private:
  rank_log& log_;
  experiment::trial_events& next_;
};

} // namespace partrain::mpi
