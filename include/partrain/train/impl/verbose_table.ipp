// The bodies of train/verbose_table.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/train.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>

#include "partrain/train/training_progress.hpp"
#include "partrain/train/verbose_table.hpp"

namespace partrain {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL void verbose_table::header() {
  os_ << rule() << "|  Epoch  |  Iteration  |  Time Elapsed  |  Mini-batch  |  Validation  |"
                   "  Mini-batch  |  Validation  |  Base Learning  |\n"
      << "|         |             |   (hh:mm:ss)   |   Accuracy   |   Accuracy   |"
         "     Loss     |     Loss     |      Rate       |\n"
      << rule();
}
PARTRAIN_DECL void verbose_table::row(const training_progress& p) {
  char line[160];
  const long s = long(p.elapsed_seconds);
  std::snprintf(line, sizeof line, "| %7d | %11d |       %02ld:%02ld:%02ld | %11.2f%% | %12s | %12.4f | %12s | %15.4g |\n",
                p.epoch, p.iteration, s / 3600, s / 60 % 60, s % 60, p.training_accuracy,
                optional(p.validation_accuracy, "%11.2f%%").c_str(), p.training_loss,
                optional(p.validation_loss, "%12.4f").c_str(), p.base_learn_rate);
  os_ << line;
}
PARTRAIN_DECL void verbose_table::footer(const std::string& reason, const std::string& message) {
  os_ << rule() << "Training finished: " << reason << "." << (message.empty() ? "" : " " + message + ".") << "\n";
}

PARTRAIN_DECL std::string verbose_table::rule() { return "|" + std::string(118, '=') + "|\n"; }
PARTRAIN_DECL std::string verbose_table::optional(double v, const char* format) {
  if (std::isnan(v)) return "";
  char b[32];
  std::snprintf(b, sizeof b, format, v);
  return b;
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain
