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

/// Whether `os` writes to a terminal that understands cursor movement.
inline bool is_terminal(const std::ostream& os) {
  int fd = -1;
  if (os.rdbuf() == std::cout.rdbuf()) fd = STDOUT_FILENO;
  if (os.rdbuf() == std::cerr.rdbuf() || os.rdbuf() == std::clog.rdbuf()) fd = STDERR_FILENO;
  if (fd < 0 || !::isatty(fd)) return false;
  const char* term = std::getenv("TERM");
  return !(term && std::string_view(term) == "dumb");
}

/// The state of each trial of a sweep as last reported, printed to a stream. Feed it every
/// training_progress (typically from a channel's after_each); safe to call from any thread.
class dashboard {
 public:
  /// Throws config_error unless trials >= 1 and the options are in range.
  dashboard(std::ostream& os, int trials, dashboard_options options = {})
      : os_(os), options_(std::move(options)) {
    PARTRAIN_CHECK(trials >= 1, config_error, "[partrain::report::dashboard] trials = ", trials,
                   "; expected at least 1");
    check_seconds(options_.min_seconds_between_lines, "min_seconds_between_lines");
    check_seconds(options_.min_seconds_between_redraws, "min_seconds_between_redraws");
    PARTRAIN_CHECK(options_.bar_width >= 1, config_error,
                   "[partrain::report::dashboard] dashboard_options.bar_width = ",
                   options_.bar_width, "; expected >= 1");
    PARTRAIN_CHECK(options_.name_width >= 4, config_error,
                   "[partrain::report::dashboard] dashboard_options.name_width = ",
                   options_.name_width, "; expected >= 4");
    PARTRAIN_CHECK(options_.names.empty() || int(options_.names.size()) == trials, config_error,
                   "[partrain::report::dashboard] dashboard_options.names has ",
                   options_.names.size(), " names for ", trials,
                   " trials; expected none or one per trial");
    tty_ = options_.tty.value_or(is_terminal(os));
    rows_.resize(std::size_t(trials));
    for (int t = 0; t < trials; ++t)
      rows_[std::size_t(t)].name =
          options_.names.empty() ? "trial " + std::to_string(t) : options_.names[std::size_t(t)];
  }
  dashboard(const dashboard&) = delete;
  dashboard& operator=(const dashboard&) = delete;

  /// Records p for trial p.trial and prints if due (see dashboard_options).
  /// Throws config_error unless 0 <= p.trial < trials.
  void update(const training_progress& p) {
    std::lock_guard lock(mutex_);
    row& r = at(p.trial, "update");
    if (options_.names.empty() && !p.network_name.empty()) r.name = p.network_name;
    r.iteration = p.iteration;
    r.max_iterations = p.max_iterations;
    r.epoch = p.epoch;
    r.max_epochs = p.iterations_per_epoch > 0 && p.max_iterations > 0
                       ? (p.max_iterations + p.iterations_per_epoch - 1) / p.iterations_per_epoch
                       : 0;
    if (!std::isnan(p.training_loss)) r.loss = p.training_loss;
    if (!std::isnan(p.training_accuracy)) r.accuracy = p.training_accuracy;
    if (!std::isnan(p.validation_accuracy)) r.validation_accuracy = p.validation_accuracy;
    if (p.images_per_second > 0) r.images_per_second = p.images_per_second;
    const bool milestone = p.state != training_state::iteration;
    if (p.state == training_state::failed)
      r.state = "failed";
    else if (p.state == training_state::done)
      r.state = p.max_iterations > 0 && p.iteration < p.max_iterations ? "stopped" : "done";
    else
      r.state = "running";
    print_if_due(std::size_t(p.trial), milestone);
  }

  /// Shows trial `trial` as failed (its future threw). Throws config_error for a bad index.
  void mark_failed(int trial) {
    std::lock_guard lock(mutex_);
    at(trial, "mark_failed").state = "failed";
    print_if_due(std::size_t(trial), true);
  }

  /// Prints now, whatever the timing: redraws the table (TTY) or prints every trial's line.
  void flush() {
    std::lock_guard lock(mutex_);
    if (tty_) {
      redraw();
    } else {
      for (std::size_t t = 0; t < rows_.size(); ++t) print_line(t);
    }
  }

  bool is_tty() const { return tty_; }
  int trials() const { return int(rows_.size()); }

  /// The plain, self-describing line for trial `trial`, e.g.
  /// "[trial 1] net_b [#####...............]  25% epoch 1/4 iter 5/20 loss 0.6931 acc 50.0%
  ///  val acc 48.0% 1200 img/s running". Throws config_error for a bad index.
  std::string line(int trial) {
    std::lock_guard lock(mutex_);
    at(trial, "line");
    return plain_line(std::size_t(trial));
  }

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

  static void check_seconds(double s, const char* name) {
    PARTRAIN_CHECK(s >= 0, config_error, "[partrain::report::dashboard] dashboard_options.", name,
                   " = ", s, "; expected a number of seconds >= 0");
  }

  row& at(int trial, const char* function) {
    PARTRAIN_CHECK(trial >= 0 && trial < int(rows_.size()), config_error,
                   "[partrain::report::dashboard::", function, "] trial ", trial,
                   " is out of range; the dashboard shows trials 0..", rows_.size() - 1);
    return rows_[std::size_t(trial)];
  }

  static bool due(const std::optional<clock::time_point>& last, double seconds) {
    return !last || std::chrono::duration<double>(clock::now() - *last).count() >= seconds;
  }

  void print_if_due(std::size_t t, bool milestone) {
    if (tty_) {
      if (milestone || due(last_redraw_, options_.min_seconds_between_redraws)) redraw();
    } else if (milestone || due(rows_[t].last_print, options_.min_seconds_between_lines)) {
      print_line(t);
    }
  }

  void print_line(std::size_t t) {
    os_ << plain_line(t) << '\n' << std::flush;
    rows_[t].last_print = clock::now();
  }

  void redraw() {
    // Back to the table's first line, then overwrite each line (ESC[2K clears it first).
    if (drawn_) os_ << "\x1b[" << rows_.size() + 1 << "A\r";
    os_ << "\x1b[2K" << header() << '\n';
    for (std::size_t t = 0; t < rows_.size(); ++t) os_ << "\x1b[2K" << table_line(t) << '\n';
    os_ << std::flush;
    drawn_ = true;
    last_redraw_ = clock::now();
  }

  std::string fit(const std::string& s) const {
    const std::size_t w = std::size_t(options_.name_width);
    return s.size() <= w ? s : s.substr(0, w - 3) + "...";
  }
  int percent(const row& r) const {
    if (r.max_iterations <= 0) return r.state == "done" ? 100 : 0;
    return int(100.0 * std::clamp(double(r.iteration) / r.max_iterations, 0.0, 1.0));
  }
  std::string bar(const row& r) const {
    const int filled = percent(r) * options_.bar_width / 100;
    return "[" + std::string(std::size_t(filled), '#') +
           std::string(std::size_t(options_.bar_width - filled), '.') + "]";
  }
  static std::string format(const char* fmt, double v) {
    if (std::isnan(v)) return "-";
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
  }
  static std::string of(int value, int max) {
    return max > 0 ? std::to_string(value) + "/" + std::to_string(max) : std::to_string(value);
  }

  std::string plain_line(std::size_t t) const {
    const row& r = rows_[t];
    char pct[8];
    std::snprintf(pct, sizeof pct, "%3d%%", percent(r));
    std::string s = "[trial " + std::to_string(t) + "] " + fit(r.name) + " " + bar(r) + " " + pct;
    s += " epoch " + of(r.epoch, r.max_epochs) + " iter " + of(r.iteration, r.max_iterations);
    s += " loss " + format("%.4f", r.loss) + " acc " + format("%.1f%%", r.accuracy);
    s += " val acc " + format("%.1f%%", r.validation_accuracy);
    s += " " + format("%.0f", r.images_per_second > 0 ? r.images_per_second : unknown) + " img/s ";
    return s + r.state;
  }

  std::string columns(const std::string& index, const std::string& name, const std::string& bar,
                      const std::string& pct, const std::string& epoch, const std::string& loss,
                      const std::string& acc, const std::string& val, const std::string& ips,
                      const std::string& state) const {
    char buf[512];
    std::snprintf(buf, sizeof buf, "%3s  %-*s  %-*s %4s  %-7s %8s %7s %8s %8s  %s", index.c_str(),
                  options_.name_width, name.c_str(), options_.bar_width + 2, bar.c_str(),
                  pct.c_str(), epoch.c_str(), loss.c_str(), acc.c_str(), val.c_str(), ips.c_str(),
                  state.c_str());
    return buf;
  }
  std::string header() const {
    return columns("#", "network", "progress", "", "epoch", "loss", "acc", "val acc", "img/s",
                   "state");
  }
  std::string table_line(std::size_t t) const {
    const row& r = rows_[t];
    return columns(std::to_string(t), fit(r.name), bar(r), std::to_string(percent(r)) + "%",
                   of(r.epoch, r.max_epochs), format("%.4f", r.loss), format("%.1f%%", r.accuracy),
                   format("%.1f%%", r.validation_accuracy),
                   format("%.0f", r.images_per_second > 0 ? r.images_per_second : unknown),
                   r.state);
  }

  std::ostream& os_;
  dashboard_options options_;
  bool tty_ = false;
  bool drawn_ = false;
  std::optional<clock::time_point> last_redraw_;
  std::vector<row> rows_;
  std::mutex mutex_;
};

}  // namespace partrain::report
