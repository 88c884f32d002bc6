// The bodies of experiment/table.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/experiment.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <sstream>

#include "partrain/experiment/table.hpp"

namespace partrain::experiment {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL trial_table::trial_table(std::ostream* out, const std::vector<trial_result>& trials, std::string metric,
                                       bool live, bool rungs)
    : out_(out), rows_(trials.size()), metric_(std::move(metric)),
      live_(live && out != nullptr && trials.size() + 2 <= terminal_rows()), rungs_(rungs) {
  for (std::size_t i = 0; i < trials.size(); ++i) rows_[i].result = trials[i];
}

PARTRAIN_DECL std::size_t trial_table::terminal_rows() {
  winsize w{};
  return ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_row > 0 ? w.ws_row : 24;
}

PARTRAIN_DECL void trial_table::status(const trial_result& r) {
  std::lock_guard lock(mutex_);
  rows_[r.trial.index].result = r;
  if (!out_) return;
  if (live_) return redraw();
  *out_ << "[experiment] trial " << r.trial.index << " (" << r.folder.filename().string() << ") "
        << status_text(r);
  if (r.status == trial_status::running && !interrupted(r))
    *out_ << " on " << (r.rank > 0 ? "rank " + std::to_string(r.rank) + " " : "") << "worker " << r.worker << " ("
          << r.device << ")";
  if (r.ended()) *out_ << ": " << metric_ << " " << metric_text(r.metric(metric_)) << ", " << seconds_text(r.seconds);
  if (r.status == trial_status::stopped) *out_ << " (" << r.stop_reason << ")";
  if (r.status == trial_status::failed) *out_ << (r.rank > 0 ? " on rank " + std::to_string(r.rank) : "") << ": " << r.error;
  *out_ << " | " << values_text(r.trial) << "\n" << std::flush;
}

PARTRAIN_DECL void trial_table::progress(std::size_t index, const training_progress& p) {
  std::lock_guard lock(mutex_);
  row& r = rows_[index];
  r.iteration = p.iteration, r.max_iterations = p.max_iterations, r.elapsed = p.elapsed_seconds;
  if (!std::isnan(p.validation_accuracy)) r.result.metrics["validation_accuracy"] = p.validation_accuracy;
  if (!std::isnan(p.validation_loss)) r.result.metrics["validation_loss"] = p.validation_loss;
  const auto now = std::chrono::steady_clock::now();
  if (live_ && now - last_draw_ > std::chrono::milliseconds(250)) redraw();
}

PARTRAIN_DECL void trial_table::rung(std::size_t index, std::string text) {
  std::lock_guard lock(mutex_);
  rows_[index].result.rung = std::move(text);
}

PARTRAIN_DECL void trial_table::print_all() {
  std::lock_guard lock(mutex_);
  if (!out_) return;
  if (live_) return redraw();
  *out_ << header() << "\n";
  for (const row& r : rows_) *out_ << line(r) << "\n";
  *out_ << std::flush;
}

PARTRAIN_DECL std::string trial_table::metric_text(double m) {
  if (std::isnan(m)) return "-";
  std::ostringstream s;
  s << std::fixed << std::setprecision(4) << m;
  return s.str();
}

PARTRAIN_DECL std::string trial_table::seconds_text(double s) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(1) << s << " s";
  return o.str();
}

PARTRAIN_DECL std::string trial_table::values_text(const trial& t) {
  std::string s = "architecture " + std::to_string(t.architecture);
  for (const auto& [k, v] : t.values) s += ", " + k + " " + to_short_string(v);
  return s;
}

PARTRAIN_DECL std::string trial_table::header() const {
  std::ostringstream s;
  s << std::left << std::setw(7) << "trial" << std::setw(12) << "status" << std::setw(10) << "progress";
  if (rungs_) s << std::setw(18) << "rung";
  s << std::setw(std::max<int>(12, int(metric_.size()) + 2)) << metric_ << std::setw(10) << "elapsed"
    << std::setw(8) << "worker" << "values";
  return s.str();
}

PARTRAIN_DECL std::string trial_table::line(const row& r) const {
  const trial_result& t = r.result;
  std::string progress = "-";
  if (t.ended()) progress = "done";
  else if (r.max_iterations > 0) progress = std::to_string(100 * r.iteration / r.max_iterations) + "%";
  const double elapsed = t.ended() ? t.seconds : r.elapsed;
  std::ostringstream s;
  s << std::left << std::setw(7) << t.trial.index << std::setw(12) << status_text(t) << std::setw(10) << progress;
  if (rungs_) s << std::setw(18) << (t.rung.empty() ? "-" : t.rung);
  s << std::setw(std::max<int>(12, int(metric_.size()) + 2)) << metric_text(t.metric(metric_))
    << std::setw(10) << (elapsed > 0 ? seconds_text(elapsed) : "-") << std::setw(8)
    << (t.worker < 0 ? "-" : (t.rank > 0 ? std::to_string(t.rank) + ":" : "") + std::to_string(t.worker))
    << values_text(t.trial);
  if (t.status == trial_status::failed) s << " | " << t.error.substr(0, 80);
  if (t.status == trial_status::stopped) s << " | " << t.stop_reason;
  return s.str();
}

PARTRAIN_DECL void trial_table::redraw() {
  if (drawn_) *out_ << "\x1b[" << rows_.size() + 1 << "A";
  *out_ << "\x1b[2K" << header() << "\n";
  for (const row& r : rows_) *out_ << "\x1b[2K" << line(r) << "\n";
  *out_ << std::flush;
  drawn_ = true;
  last_draw_ = std::chrono::steady_clock::now();
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::experiment
