// The confusion matrix as SVG, in the style of MATLAB's confusionchart: counts per (true,
// predicted) cell, correct in blue and errors in red, with recall and precision summaries.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "partrain/config.hpp"
#include "partrain/format/files.hpp"
#include "partrain/report/confusion_matrix.hpp"
#include "partrain/report/svg.hpp"

namespace partrain::report {

namespace detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

/// White blended towards rgb by t in [0, 1].
PARTRAIN_DECL std::string shade(double t, int r, int g, int b);

PARTRAIN_DECL std::string percent_text(double p);

}  // namespace PARTRAIN_MODE_NAMESPACE
} // namespace detail

inline namespace PARTRAIN_MODE_NAMESPACE {

/// The chart as SVG text. Cell shade = count / images of that true class; the right column is
/// each class's recall, the bottom row each class's precision, the corner the accuracy.
PARTRAIN_DECL std::string confusion_matrix_svg(const confusion_matrix& cm, const std::string& title = {});

/// Writes confusion_matrix_svg(cm, title) to path (atomically). throws io_error.
PARTRAIN_DECL void plot_confusion_matrix(const confusion_matrix& cm, const std::filesystem::path& path,
                                         const std::string& title = {});

}  // namespace PARTRAIN_MODE_NAMESPACE
} // namespace partrain::report

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/report/impl/plot_confusion_matrix.ipp"
#endif
