// An experiment over MPI ranks, SPMD: every rank runs the same program and calls
// mpi::run_experiment with the same plan, options and trial function. Rank 0 holds the
// experiment (folder, journal, scheduler, table, results) and trains too; every rank's free
// workers ask rank 0 for the next trial, train it where they are, and send its progress
// (batched), its scheduler questions and its trained network back. A trial travels as its
// index in the plan: the plan gives its architecture, values and seed, the folder its
// checkpoints (the folder must be one every rank sees, as a cluster's shared file system).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/core/fingerprint.hpp"
#include "partrain/experiment/run_experiment.hpp"
#include "partrain/mpi/coordinator.hpp"
#include "partrain/mpi/link.hpp"
#include "partrain/mpi/rank_log.hpp"
#include "partrain/mpi/remote_events.hpp"
#include "partrain/mpi/same_on_every_rank.hpp"
#include "partrain/mpi/world.hpp"

namespace partrain::mpi {

struct span_options {
  bool coordinator_trains = true;      ///< rank 0 trains trials too (false: it only coordinates)
  std::uint64_t data_fingerprint = 0;  ///< of the data this rank built; must equal rank 0's (0 on every rank: not checked)
};

namespace detail {
using experiment::experiment_options;
using experiment::trial_plan;
using experiment::trial_result;

/// What must be the same on every rank, in parts that errors name.
inline const std::vector<std::string> experiment_parts = {
    "plan (search space, strategy and seed, trials, architectures)", "scheduler or metric", "folder",
    "data (span_options::data_fingerprint)"};

inline namespace PARTRAIN_MODE_NAMESPACE {
PARTRAIN_DECL std::vector<std::uint64_t> experiment_fingerprint(const trial_plan& plan,
                                                                const std::vector<std::string>& architectures,
                                                                const experiment_options& o, std::uint64_t data);

/// After rank 0 opened the folder: every rank must see its journal (checkpoints go there).
PARTRAIN_DECL void check_shared_folder(const world& w, const std::filesystem::path& folder);
}  // namespace PARTRAIN_MODE_NAMESPACE

/// Rank 0's side of a message of the experiment's own kinds from rank `source`.
template <class Architectures>
void coordinate(experiment::experiment_state<Architectures>& state, link& l, int source, message_kind kind,
                message& m) {
  switch (kind) {
    case message_kind::decide: {
      const double value = wire::from_json_number(m.head.at("value"), "[partrain::mpi] decide: ", "value");
      const auto r = state.book.decide(m.head.at("trial"), m.head.at("rung"), value);
      return l.reply(source, m, {{{"rung_record", experiment::rung_json(r, state.book.settings())}}, {}});
    }
    case message_kind::progress:
      for (const auto& item : m.head.at("items")) state.events.progress(item.at("trial"), wire::progress_from(item));
      return;
    case message_kind::rung:
      return state.events.rung(m.head.at("trial"), m.head.at("text"));
    case message_kind::started: {
      trial_result& r = state.result.trials.at(m.head.at("trial").get<std::size_t>());
      r.status = experiment::trial_status::running, r.error.clear(), r.stop_reason.clear();
      r.worker = m.head.at("worker"), r.rank = m.head.at("rank"), r.device = m.head.at("device");
      r.host = m.head.at("host");
      return state.events.started(r, m.head.at("resumes_from"));
    }
    case message_kind::ended: {
      trial_result& r = state.result.trials.at(m.head.at("result").at("trial").get<std::size_t>());
      wire::apply_result(m.head.at("result"), r);
      std::optional<io::trial_record> record;
      try {
        if (m.head.contains("record")) record = wire::take_record(m);
      } catch (const std::exception& e) {  // its network could not be read: the trial failed
        r.status = experiment::trial_status::failed, r.error = e.what();
      }
      return experiment::end_trial(state.events, r, record ? &*record : nullptr);
    }
    default:
      fail<io_error>("[partrain::mpi::run_experiment] rank ", source, " sent rank 0 a message of kind ",
                     to_string(kind), ", which an experiment does not send there");
  }
}

inline namespace PARTRAIN_MODE_NAMESPACE {
/// The rank's first line: where it runs and with what.
PARTRAIN_DECL void start_log(rank_log& log, const world& w, const parallel::pool& workers, bool trains);
/// The rank's last line: how its part ended.
PARTRAIN_DECL void end_log(rank_log& log, const std::exception_ptr& failed);
}  // namespace PARTRAIN_MODE_NAMESPACE

template <class Architectures, class F>
experiment::experiment_result run_rank_0(world& w, parallel::pool& workers, const trial_plan& plan,
                                         const experiment_options& o, F& f, const span_options& s,
                                         const std::vector<std::uint64_t>& mine) {
  PARTRAIN_CHECK(s.coordinator_trains || w.size() > 1, config_error,
                 "[partrain::mpi::run_experiment] span_options::coordinator_trains is false and rank 0 is the only "
                 "rank: no rank would train; start more ranks (mpirun -np 2 or more) or let rank 0 train");
  std::optional<experiment::experiment_state<Architectures>> state;
  std::exception_ptr opening;
  check_on_rank_0(w, mine, [&](const std::vector<std::uint64_t>& all) {
    if (std::string problem = differing_ranks(all, experiment_parts, "partrain::mpi::run_experiment", "experiment");
        !problem.empty())
      return problem;
    try {
      state.emplace(plan, o);
      return std::string();
    } catch (const std::exception& e) {
      opening = std::current_exception();
      return partrain::concat_text("[partrain::mpi] rank 0: ", e.what());
    }
  }, opening);
  check_shared_folder(w, o.folder);
  rank_log log(o.folder, 0);
  start_log(log, w, workers, s.coordinator_trains);
  logged_events local_events(log, state->events);
  std::deque<std::size_t> todo;
  for (const trial_result& r : state->result.trials)
    if (!r.ended() && r.status != experiment::trial_status::failed) todo.push_back(r.trial.index);
  coordinator c(0, w.size(), w.comm(), std::move(todo),
                [&](int source, message_kind kind, message& m, link& l) { coordinate(*state, l, source, kind, m); },
                true);
  std::vector<std::future<void>> jobs;
  for (int k = 0; s.coordinator_trains && k < workers.size(); ++k)
    jobs.push_back(workers.submit([&](context& ctx) {
      while (const auto i = c.next())
        experiment::train_trial<Architectures>(state->result.trials[*i], f, ctx, local_events, state->book, 0);
    }));
  // A SIGTERM or Ctrl-C here reaches every rank (srun may signal rank 0's task alone):
  // their running trials checkpoint and stop too.
  bool told = false;
  auto pass_interrupt_on = [&] {
    if (told || !interrupt_requested()) return;
    told = true;
    log.line("interrupted (SIGTERM or Ctrl-C): passed on to every rank");
    for (int r = 1; r < w.size(); ++r) c.messages().send(r, make_message(message_kind::interrupt));
  };
  for (auto& job : jobs)
    while (job.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) pass_interrupt_on();
  std::exception_ptr failed;  // the folder's summary is written all the same
  try {
    c.finish(pass_interrupt_on);
  } catch (...) {
    failed = std::current_exception();
  }
  end_log(log, failed);
  for (auto& job : jobs) job.get();
  experiment::experiment_result result = state->finish();
  if (failed) std::rethrow_exception(failed);
  return result;
}

template <class Architectures, class F>
experiment::experiment_result run_other_rank(world& w, parallel::pool& workers, const trial_plan& plan,
                                             const experiment_options& o, F& f,
                                             const std::vector<std::uint64_t>& mine) {
  check_on_rank_0(w, mine, {}, nullptr);
  check_shared_folder(w, o.folder);
  rank_log log(o.folder, w.rank());
  start_log(log, w, workers, true);
  coordinator c(w.rank(), w.size(), w.comm(), {}, [&log](int source, message_kind kind, message&, link&) {
    PARTRAIN_CHECK(kind == message_kind::interrupt, io_error, "[partrain::mpi::run_experiment] rank ", source,
                   " sent a message of kind ", to_string(kind), ", which an experiment does not send here");
    log.line("interrupted by rank 0: running trials checkpoint and stop");
    request_interrupt();
  }, true);
  experiment::rung_book book(o.scheduler, [&](std::size_t trial, std::size_t rung, double value) {
    const message a = c.messages().call(
        0, make_message(message_kind::decide, {{"trial", trial}, {"rung", rung}, {"value", wire::json_number(value)}}));
    return experiment::rung_from_json(a.head.at("rung_record"), "[partrain::mpi] a decision from rank 0: ");
  });
  remote_events remote(c.messages());
  logged_events events(log, remote);
  const auto names = experiment::architecture_names<Architectures>();
  std::vector<std::future<void>> jobs;
  for (int k = 0; k < workers.size(); ++k)
    jobs.push_back(workers.submit([&](context& ctx) {
      while (const auto i = c.next()) {
        trial_result r;
        r.trial = plan.at(*i);
        r.architecture = names[r.trial.architecture];
        r.folder = o.folder / io::trial_folder_name(r.trial.index + 1, plan.size());
        experiment::train_trial<Architectures>(r, f, ctx, events, book, w.rank());
      }
    }));
  for (auto& job : jobs) job.wait();
  std::exception_ptr failed;
  try {
    c.finish();
    for (auto& job : jobs) job.get();
  } catch (...) {
    failed = std::current_exception();
  }
  end_log(log, failed);
  if (failed) std::rethrow_exception(failed);
  return {o.folder, o.metric, experiment::maximizes(o.metric, o.goal), {}};
}
}  // namespace detail

/// experiment::run_experiment over every rank of `w`; call it on every rank with the same
/// arguments (each rank's `workers`: w.local_pool_options()). Rank 0 returns every trial's
/// result and writes the summary; the other ranks return a result without trials.
/// Throws config_error on every rank before any training when a rank's plan, options or
/// data_fingerprint differ from rank 0's, or what experiment::run_experiment throws for the
/// folder. A rank that dies ends the job (mpirun's default); running it again resumes.
template <class Architectures, class F>
experiment::experiment_result run_experiment(world& w, parallel::pool& workers, const experiment::trial_plan& plan,
                                             const experiment::experiment_options& options, F f,
                                             span_options span = {}) {
  const std::vector<std::uint64_t> mine = detail::experiment_fingerprint(plan, experiment::architecture_names<Architectures>(),
                                                            options, span.data_fingerprint);
  const partrain::interrupt_handlers handlers;  // SIGTERM from mpirun or Slurm: checkpoint and stop
  if (w.rank() == 0) return detail::run_rank_0<Architectures>(w, workers, plan, options, f, span, mine);
  return detail::run_other_rank<Architectures>(w, workers, plan, options, f, mine);
}

}  // namespace partrain::mpi

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/mpi/impl/run_experiment.ipp"
#endif
