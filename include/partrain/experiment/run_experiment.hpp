// Runs a search on a pool, journaled in an experiment folder: run_experiment<Architectures>(
// workers, plan, options, f) calls f.template operator()<Net>(trial_run&, context&) for
// each trial on a worker and records it as it goes. Running it again on the same folder
// resumes: ended trials are kept, failed ones too (unless retry_failed), the rest continue
// from their last checkpoint.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <future>
#include <set>
#include <string>
#include <vector>

#include "partrain/core/interrupt.hpp"
#include "partrain/experiment/experiment_folder.hpp"
#include "partrain/experiment/rungs.hpp"
#include "partrain/experiment/scheduler.hpp"
#include "partrain/experiment/table.hpp"
#include "partrain/experiment/trial_run.hpp"
#include "partrain/io/network_io.hpp"
#include "partrain/parallel/pool.hpp"

namespace partrain::experiment {

struct experiment_options {
  /// Created when missing; a folder an earlier run of the same experiment left resumes it.
  std::filesystem::path folder;
  /// What best() ranks trials by: validation_accuracy, validation_loss, training_accuracy,
  /// training_loss, or a metric each trial reports (trial_run::report).
  std::string metric = "validation_accuracy";
  /// automatic: minimise a metric whose name has "loss" or "error" in it, else maximise.
  metric_goal goal = metric_goal::automatic;
  /// Early stopping of weak trials: fifo (none), median_stopping or asha (scheduler.hpp).
  experiment::scheduler scheduler = fifo{};
  bool retry_failed = false;          ///< on resume, run failed trials again (Ray's resume_errored)
  std::ostream* table = &std::cout;   ///< the trial table; null for none
};

namespace detail {
inline std::string host_name() {
  char name[256] = {};
  return ::gethostname(name, sizeof name - 1) == 0 ? std::string(name) : std::string("unknown");
}

/// Stopped, not finished: a stop request (output_fn, pool cancellation, a hook) or a loss
/// that diverged ended it before its last epoch.
inline bool ends_early(stop_reason r) {
  return r == stop_reason::output_fn || r == stop_reason::cancelled || r == stop_reason::hook ||
         r == stop_reason::diverged;
}

/// A line when no ended trial has the experiment's metric (a misspelt name, or validation
/// accuracy without validation data), naming those they have.
inline void check_metric(const experiment_result& r, std::ostream* out) {
  if (!out || r.best() || r.count(trial_status::finished) + r.count(trial_status::stopped) == 0) return;
  std::set<std::string> names;
  for (const auto& t : r.trials)
    for (const auto& [k, v] : t.metrics)
      if (t.ended() && !std::isnan(v)) names.insert(k);
  std::string have;
  for (const auto& k : names) have += (have.empty() ? "" : ", ") + k;
  *out << "[experiment] warning: no ended trial has a value of the metric '" << r.metric
       << "', so there is no best trial; they have: " << (have.empty() ? "none" : have) << "\n";
}

/// "1 (4 epochs)": the last decision point `trial` reached; empty when none.
inline std::string rung_text(const rung_book& book, std::size_t trial) {
  const auto r = book.last(trial);
  const auto m = metric_of(book.settings());
  return r && m ? partrain::detail::concat(r->rung, " (", io::detail::number_text(r->t), " ", to_string(m->unit), ")") : std::string();
}

/// The scheduler's view of trial `i`: its tracker, seeded with the history of the checkpoint
/// it resumes from (values reported before it count at the rungs after it).
inline rung_tracker make_tracker(rung_book& book, std::size_t i, const std::optional<std::filesystem::path>& resumes) {
  rung_tracker tracker(book, i);
  if (resumes && metric_of(book.settings())) {
    const auto state = nlohmann::json::parse(io::read_text_file(*resumes / "state.json", "partrain::experiment"));
    tracker.seed(io::training_info_from_json(state.at("history"), resumes->string()));
  }
  return tracker;
}

/// Trains trial `r.trial` with f and records it in the folder, the journal and the table.
template <class Architectures, class F>
void run_one(trial_result& r, F& f, context& ctx, experiment_folder& folder, trial_table& table, rung_book& book) {
  const std::size_t i = r.trial.index;
  r.status = trial_status::running, r.error.clear(), r.stop_reason.clear();
  r.worker = ctx.worker(), r.device = ctx.device().name(), r.host = host_name();
  const auto resumes = io::latest_checkpoint(r.folder / "checkpoints");  // left by an earlier run
  folder.record_status(r, {{"worker", r.worker}, {"device", r.device}, {"host", r.host},
                           {"resumes_from", resumes ? resumes->filename().string() : ""}});
  table.status(r);
  try {
    rung_tracker tracker = make_tracker(book, i, resumes);
    std::optional<scheduler_verdict> verdict;
    with_architecture<Architectures>(r.trial, [&]<class Net>(const trial& t) {
      trial_run run(t, r.folder, [&](const training_progress& p) {
        table.progress(i, p);
        if (p.state == training_state::iteration && p.iterations_per_epoch > 0 && p.iteration % p.iterations_per_epoch == 0)
          folder.record_progress(i, p);
        const std::size_t passed = tracker.passed();
        if (!verdict) verdict = tracker.on_progress(p);
        if (tracker.passed() != passed) table.rung(i, rung_text(book, i));
        return verdict.has_value();
      }, book.settings());
      trained<Net> out = f.template operator()<Net>(run, ctx);
      r.info = out.info, r.seconds = out.info.wall_seconds, r.stop_reason = to_string(out.info.stop_reason);
      r.metrics = history_metrics(out.info);
      r.rung = rung_text(book, i);
      for (const auto& [k, v] : run.reported()) r.metrics[k] = v;
      if (out.info.stop_reason == stop_reason::interrupted) return 0;  // stays running: resumes
      r.status = ends_early(out.info.stop_reason) ? trial_status::stopped : trial_status::finished;
      if (verdict && out.info.stop_reason == stop_reason::output_fn) {  // the scheduler's stop, in its words
        r.stop_reason = out.info.stop_message = verdict->why;
        if (verdict->finished) r.status = trial_status::finished;
      }
      folder.write_trial(r, io::make_trial_record(io::detail::trial_folder(i + 1, folder.size()), out));
      return 0;
    });
  } catch (const std::exception& e) {
    r.status = trial_status::failed, r.error = e.what();
  } catch (...) {
    r.status = trial_status::failed, r.error = "an exception that is not a std::exception";
  }
  if (r.status != trial_status::running) folder.record_end(r);
  table.status(r);
}
}  // namespace detail

/// Runs every trial of `plan` not already ended in options.folder on `workers`, and returns
/// all trials' results (ended ones of earlier runs included), after writing summary.csv and
/// summary.json. f.template operator()<Net>(trial_run&, context&) trains trial run.trial()
/// on the worker's context and returns its trained<Net>; pass its options through
/// run.options() so it checkpoints and resumes. A trial that throws is recorded as failed
/// with its message; the others go on. On SIGINT/SIGTERM running trials checkpoint and stop,
/// queued ones do not start: running the program again continues.
/// throws config_error when the folder holds another experiment (naming what differs) or
/// is not an experiment's, io_error when it cannot be written.
template <class Architectures, class F>
experiment_result run_experiment(parallel::pool& workers, const trial_plan& plan, const experiment_options& options,
                                 F f) {
  static_assert(Architectures::size >= 1, "run_experiment: the type_list of architectures is empty");
  PARTRAIN_CHECK(plan.space().architectures() == Architectures::size, config_error,
                 "[partrain::experiment::run_experiment] the search space is over ", plan.space().architectures(),
                 " architectures; the type_list given has ", Architectures::size);
  validate(options.scheduler);
  experiment_folder folder(options.folder, plan, architecture_names<Architectures>(), options.scheduler,
                           options.retry_failed);
  rung_book book(options.scheduler, folder.rung_records(), [&](const rung_record& r) { folder.record_rung(r); });
  experiment_result result{options.folder, options.metric, maximizes(options.metric, options.goal), folder.results()};
  for (trial_result& r : result.trials) r.rung = detail::rung_text(book, r.trial.index);
  trial_table table(options.table, result.trials, options.metric, trial_table::is_terminal(options.table),
                    metric_of(options.scheduler).has_value());
  const partrain::detail::interrupt_handlers handlers;  // Ctrl-C between trials stops cleanly too
  std::vector<std::future<void>> running;
  for (trial_result& r : result.trials) {
    if (r.ended() || r.status == trial_status::failed) continue;
    running.push_back(workers.submit([&](context& ctx) {
      if (!interrupt_requested()) detail::run_one<Architectures>(r, f, ctx, folder, table, book);
    }));
  }
  for (auto& job : running) job.wait();  // every job ends before `result` goes
  for (auto& job : running) job.get();
  table.print_all();
  detail::check_metric(result, options.table);
  folder.write_summary(result);
  return result;
}

}  // namespace partrain::experiment
