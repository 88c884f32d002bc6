// What a training run tells the outside world — output_fn and the verbose table — and why it
// stopped, in words. Not templates: compiled once per program, not once per network.
#pragma once

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>

#include "partrain/core/error.hpp"
#include "partrain/train/training_info.hpp"
#include "partrain/train/training_progress.hpp"
#include "partrain/train/verbose_table.hpp"

namespace partrain::detail {

/// Says once per process, on std::clog, that partrain runs unoptimised (no __OPTIMIZE__ in
/// the translation unit that trains): about 14x slower than with -O2.
inline void warn_if_unoptimized() {
#ifndef __OPTIMIZE__
  static std::once_flag once;
  std::call_once(once, [] {
    std::clog << "partrain: warning: this program was compiled without optimisation, so training runs about 14x "
                 "slower; build with -O2 (CMake: -DCMAKE_BUILD_TYPE=Release)\n";
  });
#endif
}

/// The options stop_message quotes.
struct stop_context {
  int max_epochs = 0;
  double validation_patience = 0;
  double initial_learn_rate = 0;
};

/// Why a run stopped, in words; for a divergence, where and what to try. `iteration` is the
/// last one recorded.
inline std::string stop_message(stop_reason stop, const training_info& info, const stop_context& options, int iteration) {
  switch (stop) {
    case stop_reason::max_epochs:
      return "max_epochs (" + std::to_string(options.max_epochs) + ") completed";
    case stop_reason::validation_patience:
      return "the validation loss did not improve for validation_patience (" +
             std::to_string(int(options.validation_patience)) + ") validations in a row";
    case stop_reason::output_fn: return "output_fn asked to stop after iteration " + std::to_string(iteration);
    case stop_reason::cancelled: return "cancelled (stop requested) after iteration " + std::to_string(iteration);
    case stop_reason::failed: return "output_fn threw at iteration " + std::to_string(iteration);
    case stop_reason::diverged: {
      const auto k = std::size_t(info.diverged_iteration);
      return concat("the training loss was ", info.training_loss[k - 1], " at iteration ", k, " (epoch ",
                    info.epoch[k - 1], ", learn rate ", info.base_learn_rate[k - 1],
                    "); the network is the one before it. Try a lower initial_learn_rate (now ",
                    options.initial_learn_rate, "), gradient clipping (gradient_threshold), or look for extreme "
                    "values in the data");
    }
  }
  return {};
}

/// Sends a run's progress to output_fn and the verbose table. When output_fn throws, the
/// reporter remembers it (failed()), calls output_fn no more except for the final failed
/// message, and describes it for the training_error train_network throws.
class run_reporter {
 public:
  using clock = std::chrono::steady_clock;

  /// Calls `output_fn` itself (the options' own, not a copy: it must outlive the reporter).
  /// `table_stream` null: no verbose table. `batch`: images per iteration, for images/s.
  /// Times count from `start`.
  run_reporter(const std::function<bool(const training_progress&)>& output_fn, std::ostream* table_stream,
               int verbose_frequency, int batch, clock::time_point start)
      : output_fn_(output_fn), frequency_(verbose_frequency), batch_(batch), start_(start) {
    if (table_stream) table_.emplace(*table_stream);
  }

  double elapsed() const { return std::chrono::duration<double>(clock::now() - start_).count(); }
  bool failed() const { return bool(error_); }
  std::exception_ptr error() const { return error_; }

  void header() {
    if (table_) table_->header();
  }
  /// A table row for p on the first iteration, every verbose_frequency, and when `always`.
  void row(const training_progress& p, bool always) {
    if (table_ && (p.iteration == 1 || p.iteration % frequency_ == 0 || always)) table_->row(p);
  }
  /// Sends p in `state`, with the time and speed so far; true when output_fn asks to stop.
  bool report(training_progress& p, training_state state) {
    p.state = state;
    p.elapsed_seconds = elapsed();
    p.images_per_second = p.iteration * double(batch_) / std::max(p.elapsed_seconds, 1e-9);
    if (!output_fn_ || error_) return false;
    try {
      return output_fn_(p);
    } catch (...) {
      error_ = std::current_exception();
      failed_where_ = concat("iteration ", p.iteration, " (epoch ", p.epoch, ")");
      return false;
    }
  }
  /// The run's end: the final message (done, or failed after output_fn threw; what it
  /// throws then is ignored) and the table's last line.
  void finish(training_progress& p, stop_reason stop, const std::string& message) {
    if (!error_) {
      report(p, training_state::done);
    } else {
      p.state = training_state::failed;
      try {  // output_fn_ is set: only it can have failed
        output_fn_(p);  // so a dashboard does not wait for ever
      } catch (...) {
      }
    }
    if (table_) table_->footer(std::string(to_string(stop)), message);
  }
  /// "[partrain::train_network] <network>: output_fn threw at iteration 6 (epoch 2): <what>".
  std::string failure(const std::string& network) const {
    std::string cause = "an exception that is not a std::exception";
    try {
      std::rethrow_exception(error_);
    } catch (const std::exception& e) {
      cause = e.what();
    } catch (...) {
    }
    return concat("[partrain::train_network] ", network, ": output_fn threw at ", failed_where_, ": ", cause);
  }

 private:
  const std::function<bool(const training_progress&)>& output_fn_;
  std::optional<verbose_table> table_;
  int frequency_ = 1, batch_ = 1;
  clock::time_point start_;
  std::exception_ptr error_;
  std::string failed_where_;
};

}  // namespace partrain::detail
