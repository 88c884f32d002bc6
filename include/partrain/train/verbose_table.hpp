// MATLAB's verbose training table, printed from training_progress messages.
#pragma once

#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>

#include "partrain/train/training_progress.hpp"

namespace partrain {

/// Prints the header on start, one row per call to row(), and a closing rule when done.
class verbose_table {
 public:
  explicit verbose_table(std::ostream& os) : os_(os) {}

  void header() {
    os_ << rule() << "|  Epoch  |  Iteration  |  Time Elapsed  |  Mini-batch  |  Validation  |"
                     "  Mini-batch  |  Validation  |  Base Learning  |\n"
        << "|         |             |   (hh:mm:ss)   |   Accuracy   |   Accuracy   |"
           "     Loss     |     Loss     |      Rate       |\n"
        << rule();
  }
  void row(const training_progress& p) {
    char line[160];
    const long s = long(p.elapsed_seconds);
    std::snprintf(line, sizeof line, "| %7d | %11d |       %02ld:%02ld:%02ld | %11.2f%% | %12s | %12.4f | %12s | %15.4g |\n",
                  p.epoch, p.iteration, s / 3600, s / 60 % 60, s % 60, p.training_accuracy,
                  optional(p.validation_accuracy, "%11.2f%%").c_str(), p.training_loss,
                  optional(p.validation_loss, "%12.4f").c_str(), p.base_learn_rate);
    os_ << line;
  }
  /// A line of its own between the rows ("warning: ...").
  void note(const std::string& text) { os_ << "| " << text << "\n"; }
  /// The closing rule and why training ended: "Training finished: diverged. <message>".
  void footer(const std::string& reason, const std::string& message = {}) {
    os_ << rule() << "Training finished: " << reason << "." << (message.empty() ? "" : " " + message + ".") << "\n";
  }

 private:
  static std::string rule() { return "|" + std::string(118, '=') + "|\n"; }
  static std::string optional(double v, const char* format) {
    if (std::isnan(v)) return "";
    char b[32];
    std::snprintf(b, sizeof b, format, v);
    return b;
  }
  std::ostream& os_;
};

}  // namespace partrain
