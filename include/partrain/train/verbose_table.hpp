// MATLAB's verbose training table, printed from training_progress messages.
#pragma once

#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>

#include "partrain/config.hpp"
#include "partrain/train/training_progress.hpp"

namespace partrain {
inline namespace PARTRAIN_MODE_NAMESPACE {

/// Prints the header on start, one row per call to row(), and a closing rule when done.
class verbose_table {
 public:
  explicit verbose_table(std::ostream& os) : os_(os) {}

  void header();
  void row(const training_progress& p);
  /// A line of its own between the rows ("warning: ...").
  void note(const std::string& text) { os_ << "| " << text << "\n"; }
  /// The closing rule and why training ended: "Training finished: diverged. <message>".
  void footer(const std::string& reason, const std::string& message = {});

 private:
  static std::string rule();
  static std::string optional(double v, const char* format);
  std::ostream& os_;
};

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/train/impl/verbose_table.ipp"
#endif
