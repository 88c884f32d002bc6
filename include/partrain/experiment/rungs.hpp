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

#include "partrain/experiment/journal.hpp"
#include "partrain/experiment/scheduler.hpp"
#include "partrain/io/training_info_io.hpp"
#include "partrain/train/training_info.hpp"
#include "partrain/train/training_progress.hpp"

namespace partrain::experiment {

/// The journal's line for a decision.
inline nlohmann::json rung_json(const rung_record& r, const scheduler& s) {
  using format::json_number;
  const auto m = metric_of(s);
  return {{"record", "rung"}, {"trial", r.trial + 1}, {"trial_index", r.trial}, {"rung", r.rung},
          {"t", json_number(r.t)}, {"unit", m ? to_string(m->unit) : "epochs"}, {"metric", m ? m->name : ""},
          {"value", json_number(r.value)}, {"cutoff", json_number(r.cutoff)}, {"compared_with", r.compared_with},
          {"decision", r.stop ? "stop" : "continue"}};
}
inline rung_record rung_from_json(const nlohmann::json& j, const std::string& where) {
  using format::from_json_number;
  rung_record r;
  r.trial = j.at("trial_index").get<std::size_t>(), r.rung = j.at("rung").get<std::size_t>();
  r.t = from_json_number(j.at("t"), where, "t");
  r.value = from_json_number(j.at("value"), where, "value");
  r.cutoff = from_json_number(j.at("cutoff"), where, "cutoff");
  r.compared_with = j.at("compared_with").get<std::size_t>();
  r.stop = j.at("decision").get<std::string>() == "stop";
  return r;
}

/// The decisions journaled in an experiment folder, in the journal's order.
inline std::vector<rung_record> read_rung_records(const std::filesystem::path& folder) {
  std::vector<rung_record> rungs;
  for (const auto& j : read_journal(folder).records)
    if (j.value("record", "") == "rung") rungs.push_back(rung_from_json(j, (folder / journal_file).string()));
  return rungs;
}

/// The decisions `records` would get, made again in their order from the same records:
/// equal to them when the journal's decisions replay.
inline std::vector<rung_record> replay(const scheduler& s, const std::vector<rung_record>& records) {
  std::vector<rung_record> again, earlier;
  for (const rung_record& r : records) {
    again.push_back(decide(s, earlier, r.trial, r.rung, r.value));
    earlier.push_back(r);
  }
  return again;
}

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
  rung_record decide(std::size_t trial, std::size_t rung, double value) {
    std::unique_lock lock(mutex_);
    for (const rung_record& r : records_)
      if (r.trial == trial && r.rung == rung) return r;
    rung_record r;
    if (ask_) {
      lock.unlock();  // the answer takes a round trip; other workers' decisions need not wait
      r = ask_(trial, rung, value);
      lock.lock();
    } else {
      r = experiment::decide(scheduler_, records_, trial, rung, value);
      write_(r);
    }
    records_.push_back(r);
    return r;
  }
  /// The last decision point `trial` has a record at; nullopt when none.
  std::optional<rung_record> last(std::size_t trial) const {
    std::lock_guard lock(mutex_);
    std::optional<rung_record> found;
    for (const rung_record& r : records_)
      if (r.trial == trial && (!found || r.rung > found->rung)) found = r;
    return found;
  }

 private:
  scheduler scheduler_;
  std::vector<rung_record> records_;
  std::function<void(const rung_record&)> write_;
  remote ask_;
  mutable std::mutex mutex_;
};

/// Why a trial's scheduler ended it: stopped at a decision point, or finished at max_t.
struct scheduler_verdict {
  bool finished = false;  ///< reached ASHA's max_t
  std::string why;
};

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
  std::optional<scheduler_verdict> on_progress(const training_progress& p) {
    if (!metric_ || p.state != training_state::iteration || p.iterations_per_epoch <= 0 || p.iteration < 1)
      return std::nullopt;
    values_.resize(std::size_t(p.iteration), training_info::nan);
    values_[std::size_t(p.iteration) - 1] = field(p);
    const double per_unit = metric_->unit == resource_unit::epochs ? p.iterations_per_epoch : 1;
    const bool last_iteration = p.iteration >= p.max_iterations;
    while (const auto point = decision_point(book_.settings(), next_)) {
      const double at = *point * per_unit;  // in iterations
      if (double(p.iteration) + 1e-9 < at) break;
      const rung_record r = book_.decide(trial_, next_++, value_at(std::size_t(std::floor(at + 1e-9))));
      if (r.stop && !last_iteration) return scheduler_verdict{false, why(r)};
    }
    const double end = scheduler_end(book_.settings());
    if (double(p.iteration) + 1e-9 >= end * per_unit && !last_iteration)
      return scheduler_verdict{true, partrain::concat_text(scheduler_name(book_.settings()), ": reached max_t (",
                                                           format::number_text(end), " ",
                                                           to_string(metric_->unit), ")")};
    return std::nullopt;
  }

 private:
  double field(const training_progress& p) const {
    const std::string& m = metric_->name;
    return m == "training_loss"       ? p.training_loss
           : m == "training_accuracy" ? p.training_accuracy
           : m == "validation_loss"   ? p.validation_loss
                                      : p.validation_accuracy;
  }
  std::vector<double> field(const training_info& h) const {
    const std::string& m = metric_->name;
    return m == "training_loss"       ? h.training_loss
           : m == "training_accuracy" ? h.training_accuracy
           : m == "validation_loss"   ? h.validation_loss
                                      : h.validation_accuracy;
  }
  /// The last value reported at or before `iteration`; NaN when none.
  double value_at(std::size_t iteration) const {
    for (std::size_t k = std::min(iteration, values_.size()); k-- > 0;)
      if (!std::isnan(values_[k])) return values_[k];
    return training_info::nan;
  }
  std::string why(const rung_record& r) const {
    using format::number_text;
    const std::string at = partrain::concat_text(number_text(r.t), " ", to_string(metric_->unit));
    if (std::holds_alternative<asha>(book_.settings()))
      return partrain::concat_text("asha: rung ", r.rung, " (", at, "): ", metric_->name, " ",
                                   number_text(r.value), " worse than the cutoff ", number_text(r.cutoff), " of ",
                                   r.compared_with, " other trials");
    return partrain::concat_text("median_stopping at ", at, ": its best ", metric_->name,
                                 " so far worse than the median ", number_text(r.cutoff), " of ", r.compared_with,
                                 " other trials' running means");
  }

  rung_book& book_;
  std::size_t trial_;
  std::optional<scheduler_metric> metric_;
  std::vector<double> values_;  ///< the metric per iteration (NaN where not reported)
  std::size_t next_ = 0;        ///< the next decision point
};

}  // namespace partrain::experiment
