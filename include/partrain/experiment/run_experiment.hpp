// Runs a search on a pool, journaled in an experiment folder: run_experiment<Architectures>(
// workers, plan, options, f) calls f.template operator()<Net>(trial_run&, context&) for
// each trial on a worker and records it as it goes. Running it again on the same folder
// resumes: ended trials are kept, failed ones too (unless retry_failed), the rest continue
// from their last checkpoint.
#pragma once

#include <filesystem>
#include <future>
#include <set>
#include <string>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/core/interrupt.hpp"
#include "partrain/core/launcher.hpp"
#include "partrain/experiment/experiment_folder.hpp"
#include "partrain/experiment/train_trial.hpp"
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
inline namespace PARTRAIN_MODE_NAMESPACE {

/// A line when no ended trial has the experiment's metric (a misspelt name, or validation
/// accuracy without validation data), naming those they have.
PARTRAIN_DECL void check_metric(const experiment_result& r, std::ostream* out);

}  // namespace PARTRAIN_MODE_NAMESPACE

}  // namespace detail

/// What the process that holds an experiment keeps while it runs: its folder and journal,
/// the scheduler's decisions, the results and the table.
template <class Architectures>
struct experiment_state {
  experiment_state(const trial_plan& plan, const experiment_options& o)
      : options(o),
        folder((check(plan, o), o.folder), plan, architecture_names<Architectures>(), o.scheduler, o.retry_failed),
        book(o.scheduler, folder.rung_records(), [this](const rung_record& r) { folder.record_rung(r); }),
        result{o.folder, o.metric, maximizes(o.metric, o.goal), with_rungs(folder.results(), book)},
        table(o.table, result.trials, o.metric, trial_table::is_terminal(o.table), metric_of(o.scheduler).has_value()),
        events(folder, table) {
    say_what_resumes();
  }

  /// The table printed whole, summary.csv and summary.json written; the results.
  experiment_result finish() {
    table.print_all();
    detail::check_metric(result, options.table);
    folder.write_summary(result);
    return result;
  }

  const experiment_options& options;
  experiment_folder folder;
  rung_book book;
  experiment_result result;
  trial_table table;
  folder_events events;

 private:
  static void check(const trial_plan& plan, const experiment_options& o) {
    static_assert(Architectures::size >= 1, "run_experiment: the type_list of architectures is empty");
    PARTRAIN_CHECK(plan.space().architectures() == Architectures::size, config_error,
                   "[partrain::experiment::run_experiment] the search space is over ", plan.space().architectures(),
                   " architectures; the type_list given has ", Architectures::size);
    validate(o.scheduler);
  }
  /// A resumed experiment names the trials its last run left running, and where they ran.
  void say_what_resumes() const {
    std::string running;
    for (const trial_result& r : result.trials)
      if (r.status == trial_status::running)
        running += partrain::concat_text(running.empty() ? "" : ", ", "trial ", r.trial.index, " on ",
                                         r.rank > 0 ? "rank " + std::to_string(r.rank) + " " : "", "worker ",
                                         r.worker, " (", r.host, ")");
    if (options.table && !running.empty())
      *options.table << "[experiment] resuming '" << options.folder.string() << "': its last run ended while "
                     << running << " ran; they continue from their last checkpoints\n";
  }
  static std::vector<trial_result> with_rungs(std::vector<trial_result> trials, const rung_book& book) {
    for (trial_result& r : trials) r.rung = detail::rung_text(book, r.trial.index);
    return trials;
  }
};

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
  const launch_info launch = launched_by();
  PARTRAIN_CHECK(launch.processes <= 1, config_error, "[partrain::experiment::run_experiment] this process is one of ",
                 launch.processes, " that ", launch.launcher, " started, and each would run the whole experiment in '",
                 options.folder.string(), "'; spread it over them with partrain::mpi::run_experiment (link "
                 "partrain::mpi; see the guide's \"Running under mpirun\"), or start one process");
  experiment_state<Architectures> state(plan, options);
  const partrain::interrupt_handlers handlers;  // Ctrl-C between trials stops cleanly too
  std::vector<std::future<void>> running;
  for (trial_result& r : state.result.trials) {
    if (r.ended() || r.status == trial_status::failed) continue;
    running.push_back(workers.submit([&](context& ctx) {
      if (!interrupt_requested()) train_trial<Architectures>(r, f, ctx, state.events, state.book);
    }));
  }
  for (auto& job : running) job.wait();  // every job ends before `state` goes
  for (auto& job : running) job.get();
  return state.finish();
}

}  // namespace partrain::experiment

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/experiment/impl/run_experiment.ipp"
#endif
