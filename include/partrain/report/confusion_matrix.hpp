// Counts of (true class, predicted class) pairs on a test set, with accuracy and per-class
// recall/precision in percent (as training_info's accuracies).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/train/classify.hpp"

namespace partrain::report {

inline namespace PARTRAIN_MODE_NAMESPACE {

/// counts(t, p) = how many test images of true class t were predicted as class p.
class confusion_matrix {
public:
  /// An all-zero matrix over class_names. throws config_error when there are no classes.
  explicit confusion_matrix(std::vector<std::string> class_names);

  /// The confusion matrix of classify's predictions (truth against predicted label).
  static confusion_matrix from(const predictions& p);

  int classes() const { return int(names_.size()); }
  const std::vector<std::string>& class_names() const { return names_; }

  /// Counts n more images of class truth predicted as predicted.
  /// throws config_error when either index is outside [0, classes()).
  void add(int truth, int predicted, std::int64_t n = 1);

  std::int64_t count(int truth, int predicted) const;

  /// Sum of all counts.
  std::int64_t total() const;

  /// Images of class truth (row sum).
  std::int64_t support(int truth) const;

  /// Images predicted as class predicted (column sum).
  std::int64_t predicted_count(int predicted) const;

  /// Percent of images classified correctly; NaN when empty.
  double accuracy() const;

  /// Percent of class c's images predicted as c (MATLAB's row summary); NaN when c has none.
  double recall(int c) const { return percent(count(c, c), support(c)); }

  /// Percent of images predicted as c that are c (column summary); NaN when none predicted c.
  double precision(int c) const { return percent(count(c, c), predicted_count(c)); }

private:
  static double percent(std::int64_t a, std::int64_t b) {
    return b == 0 ? std::numeric_limits<double>::quiet_NaN() : 100.0 * double(a) / double(b);
  }
  std::size_t index(int t, int p) const { return std::size_t(t) * names_.size() + std::size_t(p); }
  void check(int c, const char* what) const;

  std::vector<std::string> names_;
  std::vector<std::int64_t> counts_;
};

}  // namespace PARTRAIN_MODE_NAMESPACE
} // namespace partrain::report

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/report/impl/confusion_matrix.ipp"
#endif
