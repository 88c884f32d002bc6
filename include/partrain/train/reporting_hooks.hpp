// What a training run tells the outside world — output_fn and the verbose table, as hooks —
// why it stopped, in words, and validation patience. Not templates: compiled once per
// program, not once per network.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/train/run_hooks.hpp"
#include "partrain/train/training_info.hpp"
#include "partrain/train/training_progress.hpp"
#include "partrain/train/verbose_table.hpp"

namespace partrain::detail {

/// The options stop_message quotes.
struct stop_context {
  int max_epochs = 0;
  double validation_patience = 0;
  double initial_learn_rate = 0;
};

inline namespace PARTRAIN_ABI_NAMESPACE {
inline namespace PARTRAIN_MODE_NAMESPACE {

/// Why a run stopped, in words; for a divergence, where and what to try. `iteration` is the
/// last one recorded.
PARTRAIN_DECL std::string stop_message(stop_reason stop, const training_info& info, const stop_context& options,
                                       int iteration);

/// "[partrain::train_network] <network>: output_fn threw at iteration 6 (epoch 2): <what>".
PARTRAIN_DECL std::string failure_text(const std::string& network, const std::string& where, std::exception_ptr cause);

/// output_fn and the verbose table as hooks of a run: the table's header, a row on the first
/// iteration, every verbose_frequency and when validated or stopping, any warning, and the
/// footer; output_fn at start, after every iteration (until the run was already stopping)
/// and at the end — with state failed when the run failed (what it throws then is ignored).
/// `output_fn` is the options' own (not a copy: a stateful callable keeps its state); it
/// must outlive the run. `table_stream` null: no table. `batch`: images per iteration.
PARTRAIN_DECL void add_reporting_hooks(run_hooks& hooks, const std::function<bool(const training_progress&)>& output_fn,
                                       std::ostream* table_stream, int verbose_frequency, int batch,
                                       std::chrono::steady_clock::time_point start);

/// Validation patience (MATLAB's ValidationPatience) as a hook: stops the run when the
/// validation loss has not reached a new lowest value `patience` validations in a row (the
/// run counts them, so a checkpoint keeps the count).
PARTRAIN_DECL void add_patience_hook(run_hooks& hooks, double patience);

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace partrain::detail

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/train/impl/reporting_hooks.ipp"
#endif
