// Counts of (true class, predicted class) pairs on a test set, with accuracy and per-class
// recall/precision in percent (as training_info's accuracies).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "partrain/core/error.hpp"
#include "partrain/train/classify.hpp"

namespace partrain::report {

/// counts(t, p) = how many test images of true class t were predicted as class p.
class confusion_matrix {
public:
  /// An all-zero matrix over class_names. throws config_error when there are no classes.
  explicit confusion_matrix(std::vector<std::string> class_names)
      : names_(std::move(class_names)), counts_(names_.size() * names_.size(), 0) {
    PARTRAIN_CHECK(!names_.empty(), config_error,
                   "[partrain::report::confusion_matrix] needs at least one class name");
  }

  /// The confusion matrix of classify's predictions (truth against predicted label).
  static confusion_matrix from(const predictions& p) {
    confusion_matrix cm(p.class_names);
    for (std::size_t i = 0; i < p.size(); ++i) cm.add(p.truth[i], p.predicted[i]);
    return cm;
  }

  int classes() const { return int(names_.size()); }
  const std::vector<std::string>& class_names() const { return names_; }

  /// Counts n more images of class truth predicted as predicted.
  /// throws config_error when either index is outside [0, classes()).
  void add(int truth, int predicted, std::int64_t n = 1) {
    check(truth, "true class");
    check(predicted, "predicted class");
    counts_[index(truth, predicted)] += n;
  }

  std::int64_t count(int truth, int predicted) const {
    check(truth, "true class");
    check(predicted, "predicted class");
    return counts_[index(truth, predicted)];
  }

  /// Sum of all counts.
  std::int64_t total() const {
    std::int64_t s = 0;
    for (auto c : counts_)
      s += c;
    return s;
  }

  /// Images of class truth (row sum).
  std::int64_t support(int truth) const {
    std::int64_t s = 0;
    for (int p = 0; p < classes(); ++p)
      s += count(truth, p);
    return s;
  }

  /// Images predicted as class predicted (column sum).
  std::int64_t predicted_count(int predicted) const {
    std::int64_t s = 0;
    for (int t = 0; t < classes(); ++t)
      s += count(t, predicted);
    return s;
  }

  /// Percent of images classified correctly; NaN when empty.
  double accuracy() const {
    std::int64_t right = 0;
    for (int c = 0; c < classes(); ++c)
      right += count(c, c);
    return percent(right, total());
  }

  /// Percent of class c's images predicted as c (MATLAB's row summary); NaN when c has none.
  double recall(int c) const { return percent(count(c, c), support(c)); }

  /// Percent of images predicted as c that are c (column summary); NaN when none predicted c.
  double precision(int c) const { return percent(count(c, c), predicted_count(c)); }

private:
  static double percent(std::int64_t a, std::int64_t b) {
    return b == 0 ? std::numeric_limits<double>::quiet_NaN() : 100.0 * double(a) / double(b);
  }
  std::size_t index(int t, int p) const { return std::size_t(t) * names_.size() + std::size_t(p); }
  void check(int c, const char* what) const {
    PARTRAIN_CHECK(c >= 0 && c < classes(), config_error, "[partrain::report::confusion_matrix] ",
                   what, " ", c, " is outside [0, ", classes(), ")");
  }

  std::vector<std::string> names_;
  std::vector<std::int64_t> counts_;
};

} // namespace partrain::report
