// The bodies of report/confusion_matrix.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/report.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/report/confusion_matrix.hpp"

namespace partrain::report {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL confusion_matrix::confusion_matrix(std::vector<std::string> class_names)
    : names_(std::move(class_names)), counts_(names_.size() * names_.size(), 0) {
  PARTRAIN_CHECK(!names_.empty(), config_error,
                 "[partrain::report::confusion_matrix] needs at least one class name");
}

PARTRAIN_DECL confusion_matrix confusion_matrix::from(const predictions& p) {
  confusion_matrix cm(p.class_names);
  for (std::size_t i = 0; i < p.size(); ++i) cm.add(p.truth[i], p.predicted[i]);
  return cm;
}

PARTRAIN_DECL void confusion_matrix::add(int truth, int predicted, std::int64_t n) {
  check(truth, "true class");
  check(predicted, "predicted class");
  counts_[index(truth, predicted)] += n;
}

PARTRAIN_DECL std::int64_t confusion_matrix::count(int truth, int predicted) const {
  check(truth, "true class");
  check(predicted, "predicted class");
  return counts_[index(truth, predicted)];
}

PARTRAIN_DECL std::int64_t confusion_matrix::total() const {
  std::int64_t s = 0;
  for (auto c : counts_)
    s += c;
  return s;
}

PARTRAIN_DECL std::int64_t confusion_matrix::support(int truth) const {
  std::int64_t s = 0;
  for (int p = 0; p < classes(); ++p)
    s += count(truth, p);
  return s;
}

PARTRAIN_DECL std::int64_t confusion_matrix::predicted_count(int predicted) const {
  std::int64_t s = 0;
  for (int t = 0; t < classes(); ++t)
    s += count(t, predicted);
  return s;
}

PARTRAIN_DECL double confusion_matrix::accuracy() const {
  std::int64_t right = 0;
  for (int c = 0; c < classes(); ++c)
    right += count(c, c);
  return percent(right, total());
}

PARTRAIN_DECL void confusion_matrix::check(int c, const char* what) const {
  PARTRAIN_CHECK(c >= 0 && c < classes(), config_error, "[partrain::report::confusion_matrix] ",
                 what, " ", c, " is outside [0, ", classes(), ")");
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::report
