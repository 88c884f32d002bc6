// An experiment's figures: the metric against each hyper-parameter (one dot per ended
// trial; a log axis for log-uniform ranges, one column per value of a choice) and the
// training progress of the best trials.
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/experiment/results.hpp"
#include "partrain/format/files.hpp"
#include "partrain/report/plot_training_progress.hpp"
#include "partrain/report/svg.hpp"

namespace partrain::experiment {

namespace detail {
inline namespace PARTRAIN_MODE_NAMESPACE {
/// Where a trial's value of parameter p sits on the x axis (NaN: it has none). Choices sit
/// at their index; log ranges at log10 of the value.
PARTRAIN_DECL double axis_position(const parameter& p, const trial& t);

/// One scatter plot: the metric of every ended trial against parameter p.
PARTRAIN_DECL std::string metric_against(const experiment_result& r, const parameter& p);

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace detail

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Writes metric_vs_<parameter>.svg for every parameter of the space (and the architecture
/// index when there are several) and best_trials_progress.svg (up to the 3 best trials).
PARTRAIN_DECL void write_figures(const experiment_result& r, const search_space& space, const std::filesystem::path& folder);

}  // namespace PARTRAIN_MODE_NAMESPACE

}  // namespace partrain::experiment

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/experiment/impl/plots.ipp"
#endif
