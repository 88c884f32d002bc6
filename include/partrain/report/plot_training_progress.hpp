// The training-progress figure as SVG: a 2 x N grid, one column per trial; top row training
// accuracy (line) and validation accuracy (dots) against epoch, bottom row the same for loss.
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/format/files.hpp"
#include "partrain/io/trial_record.hpp"
#include "partrain/report/svg.hpp"
#include "partrain/train/training_info.hpp"

namespace partrain::report {

namespace detail {
inline constexpr const char* training_color = "#0072BD"; // MATLAB's first line colour
inline constexpr const char* validation_color = "#D95319";

struct panel_box {
  double x, y, w, h;
};

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Training points (iteration/ipe, value); above ~1500 points, min and max per bucket, so spikes
/// stay visible while the file stays small.
PARTRAIN_DECL std::vector<std::pair<double, double>> series(const std::vector<double>& v, int ipe);

PARTRAIN_DECL void draw_panel(svg::document& doc, const panel_box& box, int clip_id, double x_max,
                              const std::vector<double>& x_ticks, double y_max,
                              const std::vector<double>& y_ticks, const std::vector<double>& train,
                              const std::vector<double>& valid, int ipe, const std::string& y_label);

PARTRAIN_DECL double finite_max(std::span<const training_info> infos);

}  // namespace PARTRAIN_MODE_NAMESPACE
} // namespace detail

inline namespace PARTRAIN_MODE_NAMESPACE {

/// The figure as SVG text. Every column shares the epoch and loss ranges so trials compare
/// at a glance; accuracy is 0-100 %. requires names.size() == infos.size().
/// throws config_error naming the trial when iterations_per_epoch <= 0 (with iterations) or a
/// per-iteration vector's length differs from training_loss's.
PARTRAIN_DECL std::string training_progress_svg(std::span<const training_info> infos,
                                                std::span<const std::string> names);

/// Writes training_progress_svg(infos, names) to path (atomically).
/// throws config_error as training_progress_svg, io_error when the file cannot be written.
PARTRAIN_DECL void plot_training_progress(std::span<const training_info> infos,
                                          std::span<const std::string> names,
                                          const std::filesystem::path& path);

/// The same figure for saved or loaded trials, titled with their names.
PARTRAIN_DECL void plot_training_progress(std::span<const io::trial_record> trials,
                                          const std::filesystem::path& path);

}  // namespace PARTRAIN_MODE_NAMESPACE
} // namespace partrain::report

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/report/impl/plot_training_progress.ipp"
#endif
