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

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/experiment/train_trial.hpp"

namespace partrain::mpi {
inline namespace PARTRAIN_MODE_NAMESPACE {

class rank_log {
public:
  /// Opens <folder>/logs/rank-<rank>.log for appending; throws io_error naming it otherwise.
  rank_log(const std::filesystem::path& folder, int rank);
  const std::filesystem::path& path() const { return path_; }

  /// One line: "<UTC time> rank <r>: <text>", flushed (a killed rank keeps its last lines).
  void line(const std::string& text);

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
  PARTRAIN_DECL void started(const experiment::trial_result& r, const std::string& resumes_from) override;
  PARTRAIN_DECL void progress(std::size_t trial, const training_progress& p) override;
  void rung(std::size_t trial, const std::string& text) override { next_.rung(trial, text); }
  PARTRAIN_DECL void ended(const experiment::trial_result& r, const io::trial_record* record) override;

private:
  rank_log& log_;
  experiment::trial_events& next_;
};

}  // namespace PARTRAIN_MODE_NAMESPACE
} // namespace partrain::mpi

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/mpi/impl/rank_log.ipp"
#endif
