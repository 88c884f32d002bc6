// A sweep over architectures across MPI ranks, SPMD: every rank calls mpi::submit_each with
// the same type_list and trial function, as parallel::submit_each on one machine. A trial
// travels as its index in the list; f runs where a free worker asked for it; its result, a
// trained<Net>, travels back to rank 0's future; its progress to rank 0's channel.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <future>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "partrain/core/fingerprint.hpp"
#include "partrain/mpi/coordinator.hpp"
#include "partrain/mpi/link.hpp"
#include "partrain/mpi/same_on_every_rank.hpp"
#include "partrain/mpi/wire.hpp"
#include "partrain/mpi/world.hpp"
#include "partrain/parallel/channel.hpp"
#include "partrain/parallel/submit_each.hpp"

namespace partrain::mpi {

/// Whether a trial's result can travel from the rank that trained it to rank 0: trained<Net>
/// (its network's tensors, training info and options) can.
template <class R> inline constexpr bool travels = false;
template <class Net> inline constexpr bool travels<trained<Net>> = true;

struct sweep_options {
  bool coordinator_trains = true; ///< rank 0 trains trials too (false: it only coordinates)
  /// The channel the trials' output_fn send to (its sender(trial)), made on every rank. On
  /// rank 0 its callbacks get every trial's progress, wherever the trial trains, and its
  /// stop_trial stops a trial on any rank; on the other ranks it forwards to rank 0 and runs
  /// no callback.
  parallel::channel<training_progress>* progress = nullptr;
  /// Of the data this rank built; must equal rank 0's (0 on every rank: not checked).
  std::uint64_t data_fingerprint = 0;
};

/// What mpi::submit_each returns. `futures` is parallel::submit_each's tuple: on rank 0 each
/// future gets its trial's result (or error) from whichever rank trained it; a trial that
/// threw on another rank holds a partrain::error with its message and rank. On the other
/// ranks every future throws config_error ("the result is on rank 0") once this rank's part
/// is done. The destructor (or wait()) waits for this rank's part — on rank 0, every rank's;
/// until then the program makes no MPI call of its own, and the pool, the channel and what f
/// uses must live (declare them before it).
template <class List, class F> class running_sweep {
  template <std::size_t I> using net = type_at<I, List>;
  template <std::size_t I>
  using trial_result =
      decltype(std::declval<F&>().template operator()<net<I>>(0, std::declval<context&>()));
  static constexpr std::size_t trials = List::size;

  template <std::size_t... I>
  static auto promises_for(std::index_sequence<I...>)
      -> std::tuple<std::promise<trial_result<I>>...>;
  using promises = decltype(promises_for(std::make_index_sequence<trials>{}));

public:
  template <std::size_t... I>
  static auto futures_for(std::index_sequence<I...>) -> std::tuple<std::future<trial_result<I>>...>;
  using futures_type = decltype(futures_for(std::make_index_sequence<trials>{}));

  running_sweep(world& w, parallel::pool& workers, F f, sweep_options o)
      : world_(w), f_(std::move(f)), options_(o), rank_of_(trials, -1), told_(trials, false),
        ended_(trials, false) {
    fingerprint architectures;
    for_each_type<List>([&]<class Net, std::size_t>() {
      const std::string d = Net::description();
      architectures.add(d.data(), d.size());
    });
    detail::check_same_on_every_rank(
        w, {architectures.value(), o.data_fingerprint},
        {"architectures (the type_list)", "data (sweep_options::data_fingerprint)"},
        "partrain::mpi::submit_each", "sweep");
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((std::get<I>(futures) = std::get<I>(promises_).get_future()), ...);
    }
    (std::make_index_sequence<trials>{});
    if (w.rank() == 0) {
      PARTRAIN_CHECK(o.coordinator_trains || w.size() > 1, config_error,
                     "[partrain::mpi::submit_each] sweep_options::coordinator_trains is false and "
                     "rank 0 is the only rank: no rank would train; start more ranks (mpirun -np 2 "
                     "or more) or let rank 0 train");
    }
    std::deque<std::size_t> todo;
    if (w.rank() == 0)
      for (std::size_t i : parallel::longest_first<List>()) todo.push_back(i);
    // A communicator of its own: a message still on its way when the sweep ends (a stop for
    // a trial that just ended) never reaches a later sweep or experiment.
    MPI_Comm_dup(w.comm(), &comm_);
    coordinator_.emplace(w.rank(), w.size(), comm_, std::move(todo),
                         [this](int source, message_kind kind, message& m, link& l) { on_message(source, kind, m, l); },
                         false);
    if (w.rank() != 0 && o.progress) {
      o.progress->forward_to([this](const training_progress& p) {
        coordinator_->messages().send_progress(wire::progress_json(std::size_t(p.trial), p));
      });
    }
    const int local = w.rank() == 0 && !o.coordinator_trains ? 0 : workers.size();
    jobs_left_ = local;
    for (int k = 0; k < local; ++k)
      jobs_.push_back(workers.submit([this](context& ctx) { work(ctx); }));
    if (local == 0) part_done();
  }
  ~running_sweep() {
    try {
      wait();
    } catch (const std::exception& e) {
      std::cerr << "[partrain::mpi::submit_each] " << e.what() << '\n';
    }
  }
  running_sweep(const running_sweep&) = delete;
  running_sweep& operator=(const running_sweep&) = delete;

  futures_type futures;

  /// The rank that trained trial `i`; -1 before it started, or on ranks other than 0.
  int rank_of(std::size_t i) const {
    std::lock_guard lock(mutex_);
    return rank_of_.at(i);
  }

  /// Waits until this rank's part is done — on rank 0, every rank's — then ends the sweep's
  /// messages. Rethrows what failed in the coordination (a message that could not be read
  /// or sent), not the trials' errors (those are in the futures). Call it from one thread.
  void wait() {
    if (waited_) return;
    waited_ = true;
    for (auto& job : jobs_)
      job.wait();
    if (options_.progress && world_.rank() != 0) options_.progress->forward_to({});
    std::exception_ptr failed = worker_error_;
    try {
      coordinator_->finish();
    } catch (...) {
      if (!failed) failed = std::current_exception();
    }
    MPI_Comm_free(&comm_);
    if (failed) std::rethrow_exception(failed);
  }

private:
  /// Calls fn.template operator()<I>() for trial i.
  template <class Fn> static void at_trial(std::size_t i, Fn&& fn) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((i == I ? (fn.template operator()<I>(), 0) : 0), ...);
    }
    (std::make_index_sequence<trials>{});
  }

  void work(context& ctx) {
    try {
      while (const auto i = coordinator_->next()) at_trial(*i, [&]<std::size_t I>() { train<I>(ctx); });
    } catch (...) { // rank 0 could not answer: this worker stops asking, wait() says why
      std::lock_guard lock(mutex_);
      if (!worker_error_) worker_error_ = std::current_exception();
    }
    std::lock_guard lock(mutex_);
    if (--jobs_left_ == 0) part_done();
  }

  template <std::size_t I> void train(context& ctx) {
    static_assert(travels<trial_result<I>>,
                  "mpi::submit_each: a trial's result travels from the rank that trained it to "
                  "rank 0, so f must return partrain::trained<Net> (what train_network returns); "
                  "compute other values from the network on rank 0");
    if (world_.rank() == 0) {
      {
        std::lock_guard lock(mutex_);
        rank_of_[I] = 0;
      }
      try {
        std::get<I>(promises_).set_value(f_.template operator()<net<I>>(int(I), ctx));
      } catch (...) {
        std::get<I>(promises_).set_exception(std::current_exception());
      }
      return;
    }
    link& l = coordinator_->messages();
    l.send(0, make_message(message_kind::started, {{"trial", I}}));
    message ended = make_message(message_kind::ended, {{"trial", I}});
    try {
      auto result = f_.template operator()<net<I>>(int(I), ctx);
      wire::put_trained(result, ended);
    } catch (const std::exception& e) {
      ended.head["error"] = e.what();
    } catch (...) {
      ended.head["error"] = "an exception that is not a std::exception";
    }
    try {
      l.send(0, std::move(ended));
    } catch (const std::exception& e) { // e.g. over MPI's 2 GiB: rank 0 must hear of it all the same
      l.send(0, make_message(message_kind::ended, {{"trial", I}, {"error", e.what()}}));
    }
  }

  void part_done() { // under mutex_: this rank trains no more; other ranks' futures say where
                     // results are
    if (world_.rank() == 0) return;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (std::get<I>(promises_).set_exception(
           std::make_exception_ptr(config_error(partrain::concat_text(
               "[partrain::mpi::submit_each] trial ", I, "'s result is on rank 0, not on rank ",
               world_.rank(), ": read the futures on rank 0 (results travel there)")))),
       ...);
    }
    (std::make_index_sequence<trials>{});
  }

  void on_message(int source, message_kind kind, message& m, link& l) {
    switch (kind) {
      case message_kind::progress:
        for (const auto& item : m.head.at("items"))
          if (options_.progress) options_.progress->send(wire::progress_from(item));
        return pass_stops_to(source, l);
      case message_kind::started: {
        std::lock_guard lock(mutex_);
        rank_of_.at(m.head.at("trial").get<std::size_t>()) = source;
        return;
      }
      case message_kind::ended:
        return ended(source, m);
      case message_kind::stop:  // on a rank other than 0
        if (options_.progress) options_.progress->stop_trial(m.head.at("trial").get<int>());
        return;
      default:
        fail<io_error>("[partrain::mpi::submit_each] rank ", source, " sent a message of kind ", to_string(kind),
                       ", which a sweep does not send");
    }
  }

  /// Rank 0: stop_trial(i) on its channel for a trial running on `rank` reaches that rank
  /// with the next progress batch from it (every 100 ms while the trial runs).
  void pass_stops_to(int rank, link& l) {
    if (!options_.progress) return;
    for (std::size_t i = 0; i < trials; ++i) {
      std::unique_lock lock(mutex_);
      if (rank_of_[i] != rank || told_[i] || ended_[i] || !options_.progress->stop_requested(int(i)))
        continue;
      told_[i] = true;
      lock.unlock();
      l.send(rank, make_message(message_kind::stop, {{"trial", i}}));
    }
  }

  void ended(int source, const message& m) {
    const std::size_t i = m.head.at("trial").get<std::size_t>();
    {
      std::lock_guard lock(mutex_);
      ended_.at(i) = true;
    }
    at_trial(i, [&]<std::size_t I>() {
      auto& promise = std::get<I>(promises_);
      if (m.head.contains("error")) {
        promise.set_exception(std::make_exception_ptr(
            error(partrain::concat_text("[partrain::mpi] trial ", I, " failed on rank ", source,
                                        ": ", m.head.at("error").get<std::string>()))));
        return;
      }
      try {
        promise.set_value(wire::take_trained<net<I>>(
            m, partrain::concat_text("trial ", I, "'s network from rank ", source)));
      } catch (...) {
        promise.set_exception(std::current_exception());
      }
    });
  }

  world& world_;
  F f_;
  sweep_options options_;
  promises promises_;
  mutable std::mutex mutex_;
  std::vector<int> rank_of_;
  std::vector<bool> told_;   // rank 0: stops passed on
  std::vector<bool> ended_;  // rank 0: results arrived from other ranks
  std::exception_ptr worker_error_;
  int jobs_left_ = 0;
  bool waited_ = false;
  std::vector<std::future<void>> jobs_;
  MPI_Comm comm_ = MPI_COMM_NULL;
  std::optional<coordinator> coordinator_; // started once what its messages reach is built
};

/// parallel::submit_each over every rank of `w`: call it on every rank with the same List
/// and f (each rank's `workers`: w.local_pool_options()). f.template operator()<Net>(trial,
/// ctx) runs on whichever rank's free worker asks first, most expensive architecture first;
/// it must return trained<Net> (a compile-time error says so otherwise). Returns once every
/// rank has called it (their lists and data are compared first), before the trials end; see
/// running_sweep for where the results are. One sweep or experiment at a time on a world.
template <class List, class F>
running_sweep<List, F> submit_each(world& w, parallel::pool& workers, F f, sweep_options options = {}) {
  return running_sweep<List, F>(w, workers, std::move(f), options);
}

/// The old name of running_sweep (until partrain 0.2).
template <class List, class F>
using sweep = running_sweep<List, F>;

} // namespace partrain::mpi
