// The bodies of report/dashboard.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/report.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/report/dashboard.hpp"

namespace partrain::report {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL bool is_terminal(const std::ostream& os) {
  int fd = -1;
  if (os.rdbuf() == std::cout.rdbuf()) fd = STDOUT_FILENO;
  if (os.rdbuf() == std::cerr.rdbuf() || os.rdbuf() == std::clog.rdbuf()) fd = STDERR_FILENO;
  if (fd < 0 || !::isatty(fd)) return false;
  const char* term = std::getenv("TERM");
  return !(term && std::string_view(term) == "dumb");
}

PARTRAIN_DECL dashboard::dashboard(std::ostream& os, int trials, dashboard_options options)
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

PARTRAIN_DECL void dashboard::update(const training_progress& p) {
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

PARTRAIN_DECL void dashboard::mark_failed(int trial) {
  std::lock_guard lock(mutex_);
  at(trial, "mark_failed").state = "failed";
  print_if_due(std::size_t(trial), true);
}

PARTRAIN_DECL void dashboard::flush() {
  std::lock_guard lock(mutex_);
  if (tty_) {
    redraw();
  } else {
    for (std::size_t t = 0; t < rows_.size(); ++t) print_line(t);
  }
}

PARTRAIN_DECL std::string dashboard::line(int trial) {
  std::lock_guard lock(mutex_);
  at(trial, "line");
  return plain_line(std::size_t(trial));
}

PARTRAIN_DECL void dashboard::check_seconds(double s, const char* name) {
  PARTRAIN_CHECK(s >= 0, config_error, "[partrain::report::dashboard] dashboard_options.", name,
                 " = ", s, "; expected a number of seconds >= 0");
}

PARTRAIN_DECL dashboard::row& dashboard::at(int trial, const char* function) {
  PARTRAIN_CHECK(trial >= 0 && trial < int(rows_.size()), config_error,
                 "[partrain::report::dashboard::", function, "] trial ", trial,
                 " is out of range; the dashboard shows trials 0..", rows_.size() - 1);
  return rows_[std::size_t(trial)];
}

PARTRAIN_DECL bool dashboard::due(const std::optional<clock::time_point>& last, double seconds) {
  return !last || std::chrono::duration<double>(clock::now() - *last).count() >= seconds;
}

PARTRAIN_DECL void dashboard::print_if_due(std::size_t t, bool milestone) {
  if (tty_) {
    if (milestone || due(last_redraw_, options_.min_seconds_between_redraws)) redraw();
  } else if (milestone || due(rows_[t].last_print, options_.min_seconds_between_lines)) {
    print_line(t);
  }
}

PARTRAIN_DECL void dashboard::print_line(std::size_t t) {
  os_ << plain_line(t) << '\n' << std::flush;
  rows_[t].last_print = clock::now();
}

PARTRAIN_DECL void dashboard::redraw() {
  // Back to the table's first line, then overwrite each line (ESC[2K clears it first).
  if (drawn_) os_ << "\x1b[" << rows_.size() + 1 << "A\r";
  os_ << "\x1b[2K" << header() << '\n';
  for (std::size_t t = 0; t < rows_.size(); ++t) os_ << "\x1b[2K" << table_line(t) << '\n';
  os_ << std::flush;
  drawn_ = true;
  last_redraw_ = clock::now();
}

PARTRAIN_DECL std::string dashboard::fit(const std::string& s) const {
  const std::size_t w = std::size_t(options_.name_width);
  return s.size() <= w ? s : s.substr(0, w - 3) + "...";
}

PARTRAIN_DECL int dashboard::percent(const row& r) const {
  if (r.max_iterations <= 0) return r.state == "done" ? 100 : 0;
  return int(100.0 * std::clamp(double(r.iteration) / r.max_iterations, 0.0, 1.0));
}

PARTRAIN_DECL std::string dashboard::bar(const row& r) const {
  const int filled = percent(r) * options_.bar_width / 100;
  return "[" + std::string(std::size_t(filled), '#') +
         std::string(std::size_t(options_.bar_width - filled), '.') + "]";
}

PARTRAIN_DECL std::string dashboard::format(const char* fmt, double v) {
  if (std::isnan(v)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

PARTRAIN_DECL std::string dashboard::of(int value, int max) {
  return max > 0 ? std::to_string(value) + "/" + std::to_string(max) : std::to_string(value);
}

PARTRAIN_DECL std::string dashboard::plain_line(std::size_t t) const {
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

PARTRAIN_DECL std::string dashboard::columns(const std::string& index, const std::string& name, const std::string& bar,
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

PARTRAIN_DECL std::string dashboard::header() const {
  return columns("#", "network", "progress", "", "epoch", "loss", "acc", "val acc", "img/s",
                 "state");
}

PARTRAIN_DECL std::string dashboard::table_line(std::size_t t) const {
  const row& r = rows_[t];
  return columns(std::to_string(t), fit(r.name), bar(r), std::to_string(percent(r)) + "%",
                 of(r.epoch, r.max_epochs), format("%.4f", r.loss), format("%.1f%%", r.accuracy),
                 format("%.1f%%", r.validation_accuracy),
                 format("%.0f", r.images_per_second > 0 ? r.images_per_second : unknown),
                 r.state);
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::report
