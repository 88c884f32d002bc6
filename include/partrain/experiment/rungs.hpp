// The scheduler at work in an experiment: rung_book holds every decision made (journaled,
// one per trial and rung, read back on resume), rung_tracker follows one running trial's
// metric and asks the book at each decision point it passes, and replay() recomputes a
// journal's decisions in its order.
#pragma once

#include <cmath>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "partrain/config.hpp"
#include "partrain/experiment/journal.hpp"
#include "partrain/experiment/scheduler.hpp"
#include "partrain/io/training_info_io.hpp"
#include "partrain/train/training_info.hpp"
#include "partrain/train/training_progress.hpp"

namespace partrain::experiment {

inline namespace PARTRAIN_MODE_NAMESPACE {

/// The journal's line for a decision.
PARTRAIN_DECL nlohmann::json rung_json(const rung_record& r, const scheduler& s);
PARTRAIN_DECL rung_record rung_from_json(const nlohmann::json& j, const std::string& where);

/// The decisions journaled in an experiment folder, in the journal's order.
PARTRAIN_DECL std::vector<rung_record> read_rung_records(const std::filesystem::path& folder);

/// The decisions `records` would get, made again in their order from the same records:
/// equal to them when the journal's decisions replay.
PARTRAIN_DECL std::vector<rung_record> replay(const scheduler& s, const std::vector<rung_record>& records);

/// Every decision of an experiment; decide() may be called from any worker.
class rung_book {
 public:
  /// `recorded`: the decisions an earlier run journaled; `write` journals a new one (it
  /// throws when it cannot: a decision not journaled is not taken).
  rung_book(scheduler s, std::vector<rung_record> recorded, std::function<void(const rung_record&)> write)
      : scheduler_(std::move(s)), records_(std::move(recorded)), write_(std::move(write)) {}
  /// A book that asks `ask` for each new decision: the book of the process that holds the
  /// experiment, over MPI (it decides and journals).
  using remote = std::function<rung_record(std::size_t trial, std::size_t rung, double value)>;
  rung_book(scheduler s, remote ask) : scheduler_(std::move(s)), ask_(std::move(ask)) {}

  const scheduler& settings() const { return scheduler_; }

  /// The decision for `trial` at decision point `rung`: the one recorded, if any (a trial
  /// resumed from an older checkpoint passes its rungs again), else a new one, journaled.
  rung_record decide(std::size_t trial, std::size_t rung, double value);
  /// The last decision point `trial` has a record at; nullopt when none.
  std::optional<rung_record> last(std::size_t trial) const;

 private:
  scheduler scheduler_;
  std::vector<rung_record> records_;
  std::function<void(const rung_record&)> write_;
  remote ask_;
  mutable std::mutex mutex_;
};

}  // namespace PARTRAIN_MODE_NAMESPACE

/// Why a trial's scheduler ended it: stopped at a decision point, or finished at max_t.
struct scheduler_verdict {
  bool finished = false;  ///< reached ASHA's max_t
  std::string why;
};

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Follows one trial's metric through its progress messages (iteration by iteration, also
/// before a resume: seed()) and asks the book at each decision point it reaches.
class rung_tracker {
 public:
  rung_tracker(rung_book& book, std::size_t trial) : book_(book), trial_(trial), metric_(metric_of(book.settings())) {}

  /// How many decision points it has passed.
  std::size_t passed() const { return next_; }
  /// A resumed run's history up to its checkpoint: values reported before it count.
  void seed(const training_info& history) {
    if (metric_) values_ = field(history);
  }

  /// After each iteration's message: a verdict when the scheduler ends the trial here.
  /// The last iteration's decision is recorded but ends nothing (the trial finished).
  std::optional<scheduler_verdict> on_progress(const training_progress& p);

 private:
  double field(const training_progress& p) const;
  std::vector<double> field(const training_info& h) const;
  /// The last value reported at or before `iteration`; NaN when none.
  double value_at(std::size_t iteration) const;
  std::string why(const rung_record& r) const;

  rung_book& book_;
  std::size_t trial_;
  std::optional<scheduler_metric> metric_;
  std::vector<double> values_;  ///< the metric per iteration (NaN where not reported)
  std::size_t next_ = 0;        ///< the next decision point
};

}  // namespace PARTRAIN_MODE_NAMESPACE

}  // namespace partrain::experiment

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/experiment/impl/rungs.ipp"
#endif
