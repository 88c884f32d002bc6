// report::dashboard: live progress of a sweep in the terminal, one line per trial, redrawn in
// place on a TTY and printed as plain, self-describing periodic lines otherwise (CI logs).
#pragma once

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/train/training_progress.hpp"

namespace partrain::report {

struct dashboard_options {
  /// Redraw in place with ANSI cursor movement. Unset: true when the stream is std::cout or
  /// std::cerr/std::clog on a terminal whose TERM is not "dumb".
  std::optional<bool> tty{};
  /// Plain mode: a trial's iteration lines are printed at most this often (start and end of a
  /// trial always print). >= 0.
  double min_seconds_between_lines = 10;
  /// TTY mode: the table is redrawn at most this often (start and end always redraw). >= 0.
  double min_seconds_between_redraws = 0.1;
  int bar_width = 20;   ///< characters inside the progress bar, >= 1
  int name_width = 20;  ///< longer names are cut with "...", >= 4
  /// Trial names (empty, or one per trial); otherwise each message's network_name is used.
  std::vector<std::string> names{};
};

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Whether `os` writes to a terminal that understands cursor movement.
PARTRAIN_DECL bool is_terminal(const std::ostream& os);

/// The state of each trial of a sweep as last reported, printed to a stream. Feed it every
/// training_progress (typically from a channel's after_each); safe to call from any thread.
class dashboard {
 public:
  /// Throws config_error unless trials >= 1 and the options are in range.
  dashboard(std::ostream& os, int trials, dashboard_options options = {});
  dashboard(const dashboard&) = delete;
  dashboard& operator=(const dashboard&) = delete;

  /// Records p for trial p.trial and prints if due (see dashboard_options).
  /// Throws config_error unless 0 <= p.trial < trials.
  void update(const training_progress& p);

  /// Shows trial `trial` as failed (its future threw). Throws config_error for a bad index.
  void mark_failed(int trial);

  /// Prints now, whatever the timing: redraws the table (TTY) or prints every trial's line.
  void flush();

  bool is_tty() const { return tty_; }
  int trials() const { return int(rows_.size()); }

  /// The plain, self-describing line for trial `trial`, e.g.
  /// "[trial 1] net_b [#####...............]  25% epoch 1/4 iter 5/20 loss 0.6931 acc 50.0%
  ///  val acc 48.0% 1200 img/s running". Throws config_error for a bad index.
  std::string line(int trial);

 private:
  using clock = std::chrono::steady_clock;
  static constexpr double unknown = training_progress::nan;

  struct row {
    std::string name;
    std::string state = "queued";
    int epoch = 0, max_epochs = 0, iteration = 0, max_iterations = 0;
    double loss = unknown, accuracy = unknown, validation_accuracy = unknown;
    double images_per_second = 0;
    std::optional<clock::time_point> last_print;
  };

  static void check_seconds(double s, const char* name);

  row& at(int trial, const char* function);

  static bool due(const std::optional<clock::time_point>& last, double seconds);

  void print_if_due(std::size_t t, bool milestone);

  void print_line(std::size_t t);

  void redraw();

  std::string fit(const std::string& s) const;
  int percent(const row& r) const;
  std::string bar(const row& r) const;
  static std::string format(const char* fmt, double v);
  static std::string of(int value, int max);

  std::string plain_line(std::size_t t) const;

  std::string columns(const std::string& index, const std::string& name, const std::string& bar,
                      const std::string& pct, const std::string& epoch, const std::string& loss,
                      const std::string& acc, const std::string& val, const std::string& ips,
                      const std::string& state) const;
  std::string header() const;
  std::string table_line(std::size_t t) const;

  std::ostream& os_;
  dashboard_options options_;
  bool tty_ = false;
  bool drawn_ = false;
  std::optional<clock::time_point> last_redraw_;
  std::vector<row> rows_;
  std::mutex mutex_;
};

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::report

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/report/impl/dashboard.ipp"
#endif
