// parallel::pool: worker threads bound to devices that run jobs and hand back std::futures
// (MATLAB's parpool + parfeval). Each worker owns one partrain::context; a job can be cancelled
// through the std::stop_token its context carries.
#pragma once

#include <sched.h>

#include <concepts>
#include <cstdlib>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "partrain/backend/context.hpp"
#include "partrain/backend/cpu/blas_threads.hpp"
#include "partrain/core/device.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/random.hpp"

namespace partrain::parallel {

/// Thrown into the future of a job that was cancelled before a worker started it.
struct cancelled_error : error {
  using error::error;
};

/// How many workers a pool starts and where. The default is one worker per GPU, or one CPU
/// worker per core when there is no GPU.
struct pool_options {
  bool use_gpus = true;     ///< put workers on GPUs when partrain::gpu_count() > 0
  int workers_per_gpu = 1;  ///< with GPUs: workers per GPU, each with its own stream (>= 1)
  int cpu_workers = 0;      ///< without GPUs: worker threads; 0 = one per core it may use (allowed_cores)
  std::uint64_t seed = 0;   ///< worker i's context gets a seed derived from (seed, i)
  bool single_threaded_blas = true;  ///< one BLAS thread per call when CPU workers start (they fill the cores)
  std::vector<int> gpus{};  ///< with GPUs: only these devices (empty: all); e.g. one per MPI rank
};

/// MATLAB's parpool(gpuDeviceCount): one worker per GPU; CPU workers (one per core) without one.
inline pool_options one_worker_per_gpu() { return {}; }

/// `k` workers per GPU, each on its own stream, so k networks overlap on one device.
/// Falls back to one CPU worker per core without a GPU. Throws config_error unless k >= 1.
inline pool_options workers_per_gpu(int k) {
  PARTRAIN_CHECK(k >= 1, config_error, "[partrain::parallel::workers_per_gpu] k = ", k,
                 "; expected at least 1 worker per GPU");
  return {.workers_per_gpu = k};
}

/// `n` CPU workers, GPUs or not. Throws config_error unless n >= 1.
inline pool_options cpu_workers(int n) {
  PARTRAIN_CHECK(
      n >= 1, config_error, "[partrain::parallel::cpu_workers] n = ", n,
      "; expected at least 1 worker (pool_options{.use_gpus = false} gives one per core)");
  return {.use_gpus = false, .cpu_workers = n};
}

/// The cores this process may use: its CPU affinity (taskset, or mpirun's binding of each
/// rank), at most SLURM_CPUS_PER_TASK under Slurm; every core when neither says.
inline int allowed_cores() {
  int cores = int(std::max(1u, std::thread::hardware_concurrency()));
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) cores = CPU_COUNT(&set);
  if (const char* slurm = std::getenv("SLURM_CPUS_PER_TASK"); slurm && std::atoi(slurm) > 0)
    cores = std::min(cores, std::atoi(slurm));
  return cores;
}

/// The device of each worker a pool with `options` starts on a machine with `gpus` GPUs:
/// GPU g gets workers g*k .. g*k+k-1. Throws config_error for negative or zero counts.
inline std::vector<device> plan_workers(const pool_options& options, int gpus) {
  PARTRAIN_CHECK(options.workers_per_gpu >= 1, config_error,
                 "[partrain::parallel::pool] pool_options.workers_per_gpu = ",
                 options.workers_per_gpu, "; expected >= 1");
  PARTRAIN_CHECK(options.cpu_workers >= 0, config_error,
                 "[partrain::parallel::pool] pool_options.cpu_workers = ", options.cpu_workers,
                 "; expected >= 1, or 0 for one per core");
  PARTRAIN_CHECK(gpus >= 0, config_error, "[partrain::parallel::plan_workers] gpus = ", gpus,
                 "; expected >= 0");
  std::vector<device> devices;
  if (options.use_gpus && gpus > 0) {
    std::vector<int> chosen = options.gpus;
    if (chosen.empty())
      for (int g = 0; g < gpus; ++g) chosen.push_back(g);
    for (int g : chosen) {
      PARTRAIN_CHECK(g >= 0 && g < gpus, config_error, "[partrain::parallel::pool] pool_options.gpus names GPU ", g,
                     "; this process sees GPUs 0..", gpus - 1);
      for (int k = 0; k < options.workers_per_gpu; ++k) devices.push_back(device::cuda(g));
    }
  } else {
    devices.assign(options.cpu_workers > 0 ? options.cpu_workers : allowed_cores(), device::cpu());
  }
  return devices;
}

namespace detail {

template <class F, class... Args>
concept takes_context = std::invocable<std::decay_t<F> &&, context&, std::decay_t<Args>&&...>;
template <class F, class... Args>
concept takes_args = std::invocable<std::decay_t<F> &&, std::decay_t<Args>&&...>;

template <class F, class... Args>
struct job_result {
  using type = void;  // only reached when submit's static_assert has already failed
};
template <class F, class... Args>
requires takes_context<F, Args...>
struct job_result<F, Args...> {
  using type = std::invoke_result_t<std::decay_t<F>&&, context&, std::decay_t<Args>&&...>;
};
template <class F, class... Args>
requires(!takes_context<F, Args...> && takes_args<F, Args...>) struct job_result<F, Args...> {
  using type = std::invoke_result_t<std::decay_t<F>&&, std::decay_t<Args>&&...>;
};

// A queued call, type-erased; run() and cancel() each fulfil the promise exactly once.
struct job_base {
  std::stop_source stop;
  virtual ~job_base() = default;
  virtual void run(context& ctx) noexcept = 0;
  virtual void cancel(std::exception_ptr why) noexcept = 0;
};

template <class R, class F, class... Args>
struct job final : job_base {
  std::promise<R> promise;
  F f;
  std::tuple<Args...> args;

  template <class G, class... A>
  explicit job(G&& g, A&&... a) : f(std::forward<G>(g)), args(std::forward<A>(a)...) {}

  void run(context& ctx) noexcept override {
    try {
      auto call = [&](Args&... a) -> R {
        if constexpr (takes_context<F, Args...>)
          return std::invoke(std::move(f), ctx, std::move(a)...);
        else
          return std::invoke(std::move(f), std::move(a)...);
      };
      if constexpr (std::is_void_v<R>) {
        std::apply(call, args);
        promise.set_value();
      } else {
        promise.set_value(std::apply(call, args));
      }
    } catch (...) {
      promise.set_exception(std::current_exception());
    }
  }
  void cancel(std::exception_ptr why) noexcept override { promise.set_exception(why); }
};

inline std::uint64_t worker_seed(std::uint64_t seed, int worker) {
  const auto bits = random_bits(seed, 0x706f6f6cu, std::uint32_t(worker), 0);
  return (std::uint64_t(bits[0]) << 32) | bits[1];
}

}  // namespace detail

/// `f` can be submitted with `args`: callable as f(context&, args...) or f(args...) on
/// decayed copies of the arguments (the context form is chosen when both work).
template <class F, class... Args>
concept job_function = detail::takes_context<F, Args...> || detail::takes_args<F, Args...>;

/// A fixed set of worker threads, each bound to one device and owning one context.
/// Jobs wait in one FIFO queue and go to whichever worker is free. Destruction requests stop
/// on running jobs, cancels queued ones (their futures throw cancelled_error) and joins.
class pool {
 public:
  /// Starts the workers (see plan_workers) and waits until each has built its context.
  /// Throws config_error for bad options, or whatever building a worker's context threw.
  explicit pool(pool_options options = {})
      : devices_(plan_workers(options, gpu_count())),
        fell_back_(options.use_gpus && gpu_count() == 0) {
    const int n = int(devices_.size());
    if (options.single_threaded_blas && devices_.front().is_cpu()) backend::cpu::use_one_blas_thread();
    running_.assign(devices_.size(), std::stop_source(std::nostopstate));
    std::vector<std::exception_ptr> startup(devices_.size());
    std::latch ready(n);
    threads_.reserve(devices_.size());
    try {
      for (int w = 0; w < n; ++w)
        threads_.emplace_back([this, w, seed = detail::worker_seed(options.seed, w), &ready,
                               &startup] { work(w, seed, ready, startup[std::size_t(w)]); });
    } catch (...) {  // no thread for the rest: count them down so the latch opens
      ready.count_down(n - int(threads_.size()));
      ready.wait();
      shutdown();
      throw;
    }
    ready.wait();
    for (auto& e : startup)
      if (e) {
        shutdown();
        std::rethrow_exception(e);
      }
  }
  ~pool() { shutdown(); }
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;

  /// Number of workers (> 0).
  int size() const { return int(devices_.size()); }
  /// The device worker `w` runs on. Throws config_error unless 0 <= w < size().
  device device_of(int worker) const {
    PARTRAIN_CHECK(worker >= 0 && worker < size(), config_error,
                   "[partrain::parallel::pool::device_of] worker ", worker,
                   " does not exist; the pool has workers 0..", size() - 1);
    return devices_[std::size_t(worker)];
  }
  /// True when GPU workers were asked for but no GPU was found, so the pool runs CPU workers.
  bool fell_back_to_cpu() const { return fell_back_; }
  /// One line for logs, e.g. "4 CPU workers (no GPU found)" or "2 workers on cuda:0, ...".
  std::string describe() const {
    std::string s = std::to_string(size()) + (devices_.front().is_cpu() ? " CPU" : "") +
                    (size() == 1 ? " worker" : " workers");
    if (!devices_.front().is_cpu()) {
      s += " on";
      for (std::size_t i = 0; i < devices_.size(); ++i)
        if (i == 0 || devices_[i] != devices_[i - 1]) s += (i ? ", " : " ") + devices_[i].name();
    }
    return fell_back_ ? s + " (no GPU found)" : s;
  }

  /// Queues f(args...) — or f(ctx, args...) with the running worker's context — and returns
  /// its future at once; never waits for a worker. Arguments are copied or moved into the job
  /// (use std::ref to pass a reference). An exception thrown by f lands in the future.
  /// The job's context carries a stop token that pool destruction or cancel_all() sets.
  template <class F, class... Args>
  requires(!std::same_as<std::remove_cvref_t<F>, std::stop_source>) auto submit(F&& f,
                                                                                Args&&... args) {
    return submit(std::stop_source{}, std::forward<F>(f), std::forward<Args>(args)...);
  }

  /// As submit(f, args...), cancellable through `stop`: stop.request_stop() makes the running
  /// job's context::stop_requested() true (the job decides how to end), or, if no worker has
  /// started it yet, skips it and its future throws cancelled_error.
  template <class F, class... Args>
  auto submit(std::stop_source stop, F&& f, Args&&... args) {
    static_assert(job_function<F, Args...>,
                  "pool::submit(f, args...): f is not callable as f(args...) or "
                  "f(partrain::context&, args...) with copies of args; check the argument types "
                  "and wrap arguments taken by non-const reference in std::ref");
    using R = typename detail::job_result<F, Args...>::type;
    PARTRAIN_CHECK(stop.stop_possible(), config_error,
                   "[partrain::parallel::pool::submit] the stop_source has no stop state "
                   "(std::nostopstate); pass a default-constructed std::stop_source");
    auto j = std::make_unique<detail::job<R, std::decay_t<F>, std::decay_t<Args>...>>(
        std::forward<F>(f), std::forward<Args>(args)...);
    j->stop = std::move(stop);
    std::future<R> result = j->promise.get_future();
    {
      std::lock_guard lock(mutex_);
      if (!stopping_) queue_.push_back(std::move(j));
    }
    if (j)  // submitted by a job while the pool is being destroyed: no worker will take it
      j->cancel(std::make_exception_ptr(cancelled_error(
          "[partrain::parallel::pool::submit] job cancelled: the pool is shutting down")));
    else
      wake_.notify_one();
    return result;
  }

  /// Requests stop on every running job and cancels every queued one (cancelled_error);
  /// the pool stays usable for new jobs.
  void cancel_all() { stop_jobs(false); }

  /// Jobs waiting for a worker.
  std::size_t queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
  }

 private:
  void work(int w, std::uint64_t seed, std::latch& ready, std::exception_ptr& startup) {
    std::optional<context> ctx;  // built on its own thread: CUDA binds device and stream here
    try {
      ctx.emplace(devices_[std::size_t(w)], seed);
      ctx->set_worker(w);
    } catch (...) {
      startup = std::current_exception();
    }
    ready.count_down();
    if (!ctx) return;
    for (;;) {
      std::unique_ptr<detail::job_base> j;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        j = std::move(queue_.front());
        queue_.pop_front();
        running_[std::size_t(w)] = j->stop;
      }
      if (j->stop.stop_requested()) {
        j->cancel(std::make_exception_ptr(cancelled_error(
            "[partrain::parallel::pool] job cancelled before it started (stop was requested "
            "while it was queued)")));
      } else {
        ctx->set_stop_token(j->stop.get_token());
        j->run(*ctx);
        ctx->set_stop_token({});
      }
      std::lock_guard lock(mutex_);
      running_[std::size_t(w)] = std::stop_source(std::nostopstate);
    }
  }

  void stop_jobs(bool final) {
    std::deque<std::unique_ptr<detail::job_base>> dropped;
    std::vector<std::stop_source> running;
    {
      std::lock_guard lock(mutex_);
      stopping_ = stopping_ || final;
      dropped.swap(queue_);
      running = running_;
    }
    wake_.notify_all();
    // Outside the lock: stop callbacks and future continuations may call back into the pool.
    for (auto& s : running) s.request_stop();
    for (auto& j : dropped)
      j->cancel(std::make_exception_ptr(cancelled_error(
          final ? "[partrain::parallel::pool] job cancelled: the pool was destroyed before a "
                  "worker started it"
                : "[partrain::parallel::pool::cancel_all] job cancelled before it started")));
  }

  void shutdown() {
    stop_jobs(true);
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

  std::vector<device> devices_;
  bool fell_back_ = false;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<detail::job_base>> queue_;
  std::vector<std::stop_source> running_;  // stop state of each worker's current job
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace partrain::parallel
