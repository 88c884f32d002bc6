// The bodies of train/reporting_hooks.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/train.cpp) with PARTRAIN_SEPARATE_COMPILATION.
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

#include "partrain/core/error.hpp"
#include "partrain/train/reporting_hooks.hpp"
#include "partrain/train/run_hooks.hpp"
#include "partrain/train/training_info.hpp"
#include "partrain/train/training_progress.hpp"
#include "partrain/train/verbose_table.hpp"

namespace partrain::detail {
inline namespace PARTRAIN_ABI_NAMESPACE {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::string stop_message(stop_reason stop, const training_info& info, const stop_context& options, int iteration) {
  switch (stop) {
    case stop_reason::max_epochs:
      return "max_epochs (" + std::to_string(options.max_epochs) + ") completed";
    case stop_reason::validation_patience:
      return "the validation loss did not improve for validation_patience (" +
             std::to_string(int(options.validation_patience)) + ") validations in a row";
    case stop_reason::output_fn: return "output_fn asked to stop after iteration " + std::to_string(iteration);
    case stop_reason::cancelled: return "cancelled (stop requested) after iteration " + std::to_string(iteration);
    case stop_reason::failed: return "a hook threw after iteration " + std::to_string(iteration);
    case stop_reason::hook: return "a hook asked to stop after iteration " + std::to_string(iteration);
    case stop_reason::interrupted:
      return "interrupted (SIGTERM, Ctrl-C or request_interrupt) after iteration " + std::to_string(iteration) +
             "; with a checkpoint_path, training_options::resume_from continues it";
    case stop_reason::diverged: {
      const auto k = std::size_t(info.diverged_iteration);
      return concat_text("the training loss was ", info.training_loss[k - 1], " at iteration ", k, " (epoch ",
                         info.epoch[k - 1], ", learn rate ", info.base_learn_rate[k - 1],
                         "); the network is the one before it. Try a lower initial_learn_rate (now ",
                         options.initial_learn_rate, "), gradient clipping (gradient_threshold), or look for extreme "
                         "values in the data");
    }
  }
  return {};
}

PARTRAIN_DECL std::string failure_text(const std::string& network, const std::string& where, std::exception_ptr cause) {
  std::string what = "an exception that is not a std::exception";
  try {
    std::rethrow_exception(cause);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  return concat_text("[partrain::train_network] ", network, ": ", where, ": ", what);
}

PARTRAIN_DECL void add_reporting_hooks(run_hooks& hooks, const std::function<bool(const training_progress&)>& output_fn,
                                       std::ostream* table_stream, int verbose_frequency, int batch,
                                       std::chrono::steady_clock::time_point start) {
  auto stamp = [batch, start](training_progress& p, training_state state) {
    p.state = state;
    p.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    p.images_per_second = p.iteration * double(batch) / std::max(p.elapsed_seconds, 1e-9);
  };
  std::shared_ptr<verbose_table> table;
  if (table_stream) {
    table = std::make_shared<verbose_table>(*table_stream);
    hooks.on_start("verbose table", [table](const start_event&) {
      table->header();
      return hook_result::carry_on();
    });
    hooks.on_iteration("verbose table", [table, verbose_frequency](const iteration_event& e) {
      const training_progress& p = e.progress;
      if (!p.warning.empty()) table->note("warning: " + p.warning);
      if (p.iteration == 1 || p.iteration % verbose_frequency == 0 || e.validated || e.stopping) table->row(p);
      return hook_result::carry_on();
    });
  }
  if (output_fn) {
    hooks.on_start("output_fn", [&output_fn, stamp](const start_event& e) {
      stamp(e.progress, training_state::start);
      return output_fn(e.progress) ? hook_result::stop_run(stop_reason::output_fn) : hook_result::carry_on();
    });
    hooks.on_iteration("output_fn", [&output_fn, stamp](const iteration_event& e) {
      if (e.stopped_before) return hook_result::carry_on();
      stamp(e.progress, training_state::iteration);
      return output_fn(e.progress) ? hook_result::stop_run(stop_reason::output_fn) : hook_result::carry_on();
    });
    hooks.on_finish("output_fn", [&output_fn, stamp](const finish_event& e) {
      stamp(e.progress, e.stop == stop_reason::failed ? training_state::failed : training_state::done);
      output_fn(e.progress);  // also when failed, so a dashboard does not wait for ever
    });
  }
  if (table)  // after output_fn's last call: the footer is the table's last line
    hooks.on_finish("verbose table", [table](const finish_event& e) {
      if (!e.progress.warning.empty()) table->note("warning: " + e.progress.warning);
      table->footer(std::string(to_string(e.stop)), e.message);
    });
}

PARTRAIN_DECL void add_patience_hook(run_hooks& hooks, double patience) {
  if (!std::isfinite(patience)) return;
  hooks.on_validation("validation_patience", [patience](const validation_event& e) {
    return e.validations_without_improvement >= patience ? hook_result::stop_run(stop_reason::validation_patience)
                                                         : hook_result::carry_on();
  });
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace partrain::detail
