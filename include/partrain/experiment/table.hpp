// The experiment's table: one row per trial (trial index, status, progress, the last rung
// reached when a scheduler stops trials, metric, elapsed, worker, values; why it stopped).
// On a terminal tall enough it is redrawn in place as trials progress; otherwise (CI, a log
// file, a long search) each status change is one plain line, and the whole table is printed
// at the end.
#pragma once

#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/core/launcher.hpp"
#include "partrain/experiment/results.hpp"
#include "partrain/train/training_progress.hpp"

namespace partrain::experiment {

inline namespace PARTRAIN_MODE_NAMESPACE {

class trial_table {
 public:
  /// Rows for `trials` (their results so far); `live`: redraw in place (a terminal);
  /// `rungs`: a column for the scheduler's rungs.
  trial_table(std::ostream* out, const std::vector<trial_result>& trials, std::string metric, bool live, bool rungs);

  /// Whether `out` is the terminal (std::cout to a tty): then the table is live.
  /// Not under mpirun or srun with several processes: their output goes through the launcher.
  static bool is_terminal(const std::ostream* out) {
    return out == &std::cout && ::isatty(STDOUT_FILENO) && launched_by().processes <= 1;
  }
  static std::size_t terminal_rows();

  /// A trial's status changed.
  void status(const trial_result& r);

  /// A running trial's progress (redraws a live table at most 4 times a second).
  void progress(std::size_t index, const training_progress& p);

  /// A running trial reached a rung of the scheduler ("1 (4 epochs)").
  void rung(std::size_t index, std::string text);

  /// The whole table (a live one drawn a last time).
  void print_all();

 private:
  struct row {
    trial_result result;
    int iteration = 0, max_iterations = 0;
    double elapsed = 0;
  };

  static bool interrupted(const trial_result& r) {
    return r.status == trial_status::running && r.stop_reason == "interrupted";
  }
  static std::string status_text(const trial_result& r) {
    return interrupted(r) ? "interrupted" : std::string(to_string(r.status));
  }
  static std::string metric_text(double m);
  static std::string seconds_text(double s);
  static std::string values_text(const trial& t);
  std::string header() const;
  std::string line(const row& r) const;
  void redraw();

  std::ostream* out_;
  std::vector<row> rows_;
  std::string metric_;
  bool live_;
  bool rungs_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
  std::mutex mutex_;
};

}  // namespace PARTRAIN_MODE_NAMESPACE

}  // namespace partrain::experiment

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/experiment/impl/table.ipp"
#endif
