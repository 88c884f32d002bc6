// One trial of an experiment on a worker: trains it with the trial function, follows its
// progress for the scheduler and hands what happens to `trial_events` — the folder and the
// table on the process that holds them, or messages to it (mpi/run_experiment.hpp).
#pragma once

#include <unistd.h>

#include <filesystem>
#include <optional>
#include <set>
#include <string>

#include "partrain/config.hpp"
#include "partrain/experiment/experiment_folder.hpp"
#include "partrain/experiment/rungs.hpp"
#include "partrain/experiment/scheduler.hpp"
#include "partrain/experiment/table.hpp"
#include "partrain/experiment/trial_run.hpp"
#include "partrain/io/network_io.hpp"

namespace partrain::experiment {

/// What happens to a trial while a worker runs it.
struct trial_events {
  virtual ~trial_events() = default;
  /// It starts (or resumes from the checkpoint `resumes_from`, empty for none).
  virtual void started(const trial_result& r, const std::string& resumes_from) = 0;
  virtual void progress(std::size_t trial, const training_progress& p) = 0;
  /// It passed a decision point of the scheduler ("1 (4 epochs)").
  virtual void rung(std::size_t trial, const std::string& text) = 0;
  /// It ended, failed, or was interrupted (status still running); `record`: its files, when it ended.
  virtual void ended(const trial_result& r, const io::trial_record* record) = 0;
};

/// Whether the journal records this progress item: the last iteration of each epoch.
inline bool journaled(const training_progress& p) {
  return p.state == training_state::iteration && p.iterations_per_epoch > 0 && p.iteration % p.iterations_per_epoch == 0;
}

inline namespace PARTRAIN_MODE_NAMESPACE {

/// The events of the process that holds the experiment: journal, trial files, table.
class folder_events final : public trial_events {
 public:
  folder_events(experiment_folder& folder, trial_table& table) : folder_(folder), table_(table) {}
  // Declared inline in a header-only build: with a non-inline key function every
  // translation unit would emit the vtable and, through it, every body it reaches.
  PARTRAIN_DECL void started(const trial_result& r, const std::string& resumes_from) override;
  PARTRAIN_DECL void progress(std::size_t i, const training_progress& p) override;
  void rung(std::size_t i, const std::string& text) override { table_.rung(i, text); }
  PARTRAIN_DECL void ended(const trial_result& r, const io::trial_record* record) override;

 private:
  experiment_folder& folder_;
  trial_table& table_;
};

}  // namespace PARTRAIN_MODE_NAMESPACE

namespace detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::string host_name();

}  // namespace PARTRAIN_MODE_NAMESPACE

/// Stopped, not finished: a stop request (output_fn, pool cancellation, a hook) or a loss
/// that diverged ended it before its last epoch.
inline bool ends_early(stop_reason r) {
  return r == stop_reason::output_fn || r == stop_reason::cancelled || r == stop_reason::hook ||
         r == stop_reason::diverged;
}

inline namespace PARTRAIN_MODE_NAMESPACE {

/// "1 (4 epochs)": the last decision point `trial` reached; empty when none.
PARTRAIN_DECL std::string rung_text(const rung_book& book, std::size_t trial);

/// The scheduler's view of trial `i`: its tracker, seeded with the history of the checkpoint
/// it resumes from (values reported before it count at the rungs after it).
PARTRAIN_DECL rung_tracker make_tracker(rung_book& book, std::size_t i, const std::optional<std::filesystem::path>& resumes);

}  // namespace PARTRAIN_MODE_NAMESPACE

}  // namespace detail

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Tells `events` that trial `r` ended, with its files (`record`, null when it has none) —
/// or, when they cannot be written, that it failed; when not even that can be recorded, the
/// journal keeps it running and a rerun runs it again. The one place where a trial of a
/// local or an MPI experiment ends.
PARTRAIN_DECL void end_trial(trial_events& events, trial_result& r, const io::trial_record* record);

}  // namespace PARTRAIN_MODE_NAMESPACE

/// Trains trial `r.trial` with f on `ctx` (the worker of rank `rank`) and tells `events`
/// (end_trial at its end).
template <class Architectures, class F>
void train_trial(trial_result& r, F& f, context& ctx, trial_events& events, rung_book& book, int rank = 0) {
  const std::size_t i = r.trial.index;
  r.status = trial_status::running, r.error.clear(), r.stop_reason.clear();
  r.worker = ctx.worker(), r.rank = rank, r.device = ctx.device().name(), r.host = detail::host_name();
  std::optional<io::trial_record> record;
  try {
    const auto resumes = latest_checkpoint(r.folder / "checkpoints");  // left by an earlier run
    events.started(r, resumes ? resumes->filename().string() : "");
    rung_tracker tracker = detail::make_tracker(book, i, resumes);
    std::optional<scheduler_verdict> verdict;
    with_architecture<Architectures>(r.trial, [&]<class Net>(const trial& t) {
      trial_run run(t, r.folder, [&](const training_progress& p) {
        events.progress(i, p);
        const std::size_t passed = tracker.passed();
        if (!verdict) verdict = tracker.on_progress(p);
        if (tracker.passed() != passed) events.rung(i, detail::rung_text(book, i));
        return verdict.has_value();
      }, book.settings());
      trained<Net> out = f.template operator()<Net>(run, ctx);
      r.info = out.info, r.seconds = out.info.wall_seconds, r.stop_reason = to_string(out.info.stop_reason);
      r.metrics = history_metrics(out.info);
      r.rung = detail::rung_text(book, i);
      for (const auto& [k, v] : run.reported()) r.metrics[k] = v;
      if (out.info.stop_reason == stop_reason::interrupted) return 0;  // stays running: resumes
      r.status = detail::ends_early(out.info.stop_reason) ? trial_status::stopped : trial_status::finished;
      if (verdict && out.info.stop_reason == stop_reason::output_fn) {  // the scheduler's stop, in its words
        r.stop_reason = out.info.stop_message = verdict->why;
        if (verdict->finished) r.status = trial_status::finished;
      }
      record = io::make_trial_record(r.folder.filename().string(), out);
      return 0;
    });
  } catch (const std::exception& e) {
    r.status = trial_status::failed, r.error = e.what(), record.reset();
  } catch (...) {
    r.status = trial_status::failed, r.error = "an exception that is not a std::exception", record.reset();
  }
  end_trial(events, r, record ? &*record : nullptr);
}

}  // namespace partrain::experiment

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/experiment/impl/train_trial.ipp"
#endif
