#include <doctest/doctest.h>

#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "partrain/parallel/fetch_outputs.hpp"
#include "partrain/parallel/pool.hpp"

extern "C" int openblas_get_num_threads(void);

using namespace partrain;
using namespace std::chrono_literals;
using parallel::pool;

namespace {
// Blocks the workers of a pool until opened; lets tests hold jobs in the queue.
struct gate {
  std::promise<void> open_promise;
  std::shared_future<void> opened = open_promise.get_future().share();
  void open() { open_promise.set_value(); }
};
}  // namespace

TEST_CASE("pool: many trials on few workers resolve with the right results") {
  pool p{parallel::cpu_workers(2)};
  REQUIRE(p.size() == 2);
  std::mutex m;
  std::set<std::thread::id> threads;
  std::vector<std::future<std::string>> futures;
  for (int i = 0; i < 1000; ++i)
    futures.push_back(p.submit(
        [&](int k, std::string prefix) {
          {
            std::lock_guard lock(m);
            threads.insert(std::this_thread::get_id());
          }
          return prefix + std::to_string(k * k);
        },
        i, std::string("sq=")));
  auto results = parallel::fetch_outputs(futures);
  REQUIRE(results.size() == 1000);
  for (int i = 0; i < 1000; ++i) CHECK(results[std::size_t(i)] == "sq=" + std::to_string(i * i));
  CHECK(threads.size() <= 2);
  CHECK(threads.count(std::this_thread::get_id()) == 0);
  for (auto& f : futures) CHECK_FALSE(f.valid());  // consumed
}

TEST_CASE("pool: a job may take its worker's context; each worker owns one") {
  pool p{parallel::pool_options{.use_gpus = false, .cpu_workers = 3, .seed = 7}};
  std::vector<std::future<std::pair<const context*, std::uint64_t>>> futures;
  for (int i = 0; i < 300; ++i)
    futures.push_back(p.submit(
        [](context& ctx, int) {
          CHECK(ctx.device() == device::cpu());
          CHECK_FALSE(ctx.stop_requested());
          std::this_thread::sleep_for(100us);
          return std::pair<const context*, std::uint64_t>(&ctx, ctx.seed());
        },
        i));
  std::set<const context*> contexts;
  std::set<std::uint64_t> seeds;
  for (auto& [ctx, seed] : parallel::fetch_outputs(futures)) {
    contexts.insert(ctx);
    seeds.insert(seed);
  }
  CHECK(contexts.size() >= 1);
  CHECK(contexts.size() <= 3);
  CHECK(seeds.size() == contexts.size());  // one seed per worker, all different
  CHECK(parallel::detail::worker_seed(7, 0) != parallel::detail::worker_seed(8, 0));
}

TEST_CASE("pool: void jobs, move-only arguments and results") {
  pool p{parallel::cpu_workers(2)};
  auto up = p.submit([](std::unique_ptr<int> x) { return std::make_unique<int>(*x + 1); },
                     std::make_unique<int>(41));
  CHECK(*up.get() == 42);
  std::atomic<int> sum{0};
  std::vector<std::future<void>> futures;
  for (int i = 1; i <= 100; ++i) futures.push_back(p.submit([&sum](int k) { sum += k; }, i));
  parallel::fetch_outputs(futures);
  CHECK(sum == 5050);
  int by_ref = 0;
  p.submit([](int& r) { r = 9; }, std::ref(by_ref)).get();
  CHECK(by_ref == 9);
}

TEST_CASE("pool: submit returns at once while every worker is busy") {
  pool p{parallel::cpu_workers(2)};
  gate g;
  std::vector<std::future<int>> futures;
  for (int i = 0; i < 2; ++i)
    futures.push_back(p.submit([opened = g.opened] {
      opened.wait();
      return -1;
    }));
  while (p.queued() != 0) std::this_thread::yield();  // both workers now wait at the gate
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 500; ++i) futures.push_back(p.submit([i] { return i; }));
  const auto took = std::chrono::steady_clock::now() - t0;
  CHECK(p.queued() == 500);  // nothing ran: submit did not wait for a worker
  for (std::size_t i = 2; i < futures.size(); ++i)
    CHECK(futures[i].wait_for(0s) == std::future_status::timeout);
  CHECK(took < 2s);
  g.open();
  auto results = parallel::fetch_outputs(futures);
  for (int i = 0; i < 500; ++i) CHECK(results[std::size_t(i) + 2] == i);
}

TEST_CASE("pool: an exception in one trial lands in its future; the others finish") {
  pool p{parallel::cpu_workers(3)};
  std::atomic<int> finished{0};
  auto trial = [&](int i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(i % 4));
    if (i == 7) {
      finished++;
      throw data_error("[test] trial 7 diverged");
    }
    finished++;
    return i * 10;
  };
  SUBCASE("read one by one") {
    std::vector<std::future<int>> futures;
    for (int i = 0; i < 20; ++i) futures.push_back(p.submit(trial, i));
    for (int i = 0; i < 20; ++i) {
      if (i == 7)
        CHECK_THROWS_WITH_AS(futures[7].get(), "[test] trial 7 diverged", data_error);
      else
        CHECK(futures[std::size_t(i)].get() == i * 10);
    }
  }
  SUBCASE("fetch_outputs rethrows after all have finished") {
    std::vector<std::future<int>> futures;
    // Trial 0 throws first and at once; the slow ones must still finish before the rethrow.
    futures.push_back(p.submit([]() -> int { throw data_error("[test] first"); }));
    for (int i = 1; i < 20; ++i) futures.push_back(p.submit(trial, i));
    try {
      parallel::fetch_outputs(futures);
      FAIL("fetch_outputs did not throw");
    } catch (const data_error& e) {
      CHECK(std::string(e.what()) == "[test] first");  // the first by index, not trial 7
      CHECK(finished == 19);
    }
  }
}

TEST_CASE("pool: cancelling one running trial stops it within one iteration") {
  pool p{parallel::cpu_workers(2)};
  std::atomic<int> iterations{0};
  std::stop_source stop;
  auto running = p.submit(stop, [&](context& ctx) {
    int done = 0;
    while (!ctx.stop_requested()) {  // a training loop checks once per iteration
      std::this_thread::sleep_for(200us);
      iterations.store(++done);
    }
    return done;
  });
  auto other = p.submit([](context& ctx) {
    for (int i = 0; i < 50; ++i) {
      if (ctx.stop_requested()) return -1;
      std::this_thread::sleep_for(200us);
    }
    return 50;
  });
  while (iterations.load() < 10) std::this_thread::yield();
  stop.request_stop();
  const int at_stop = iterations.load();
  const int ran = running.get();
  CHECK(ran >= at_stop);
  CHECK(ran <= at_stop + 1);  // the iteration in flight finishes, no further one starts
  CHECK(other.get() == 50);   // the other trial was not touched
}

TEST_CASE("pool: a job cancelled while queued is skipped with cancelled_error") {
  pool p{parallel::cpu_workers(1)};
  gate g;
  auto blocker = p.submit([opened = g.opened] { opened.wait(); });
  std::stop_source stop;
  std::atomic<bool> ran{false};
  auto skipped = p.submit(stop, [&] { ran = true; });
  auto after = p.submit([] { return 3; });
  stop.request_stop();
  g.open();
  CHECK_THROWS_WITH_AS(skipped.get(), doctest::Contains("cancelled before it started"),
                       parallel::cancelled_error);
  CHECK(after.get() == 3);
  blocker.get();
  CHECK_FALSE(ran);
}

TEST_CASE("pool: destruction stops running trials, cancels queued ones and joins") {
  std::vector<std::future<int>> running, queued;
  std::atomic<int> started{0};
  {
    pool p{parallel::cpu_workers(2)};
    for (int i = 0; i < 2; ++i)
      running.push_back(p.submit([&](context& ctx) {
        started++;
        int n = 0;
        while (!ctx.stop_requested()) std::this_thread::sleep_for(100us), ++n;
        return n;
      }));
    for (int i = 0; i < 5; ++i) queued.push_back(p.submit([] { return 1; }));
    while (started.load() < 2) std::this_thread::yield();
  }  // ~pool: must not hang on the endless loops above
  for (auto& f : running) CHECK(f.get() >= 0);
  for (auto& f : queued)
    CHECK_THROWS_WITH_AS(f.get(), doctest::Contains("the pool was destroyed"),
                         parallel::cancelled_error);
}

TEST_CASE("pool: destruction with unread futures and idle workers") {
  std::atomic<int> count{0};
  {
    pool p{parallel::cpu_workers(3)};
    for (int i = 0; i < 50; ++i) (void)p.submit([&] { count++; });
    while (count.load() < 50) std::this_thread::yield();
  }
  CHECK(count == 50);
  { pool idle{parallel::cpu_workers(4)}; }  // never used: still joins cleanly
}

TEST_CASE("pool: cancel_all stops running jobs, cancels queued ones, and the pool goes on") {
  pool p{parallel::cpu_workers(1)};
  std::atomic<bool> started{false};
  auto endless = p.submit([&](context& ctx) {
    started = true;
    while (!ctx.stop_requested()) std::this_thread::sleep_for(100us);
    return std::string("stopped");
  });
  auto queued = p.submit([] { return std::string("ran"); });
  while (!started) std::this_thread::yield();
  p.cancel_all();
  CHECK(endless.get() == "stopped");
  CHECK_THROWS_AS(queued.get(), parallel::cancelled_error);
  CHECK(p.submit([](context& ctx) { return ctx.stop_requested(); }).get() == false);
}

TEST_CASE("pool: one CPU worker per core the process may use; Slurm's count caps it") {
  cpu_set_t set;
  REQUIRE(::sched_getaffinity(0, sizeof set, &set) == 0);
  CHECK(parallel::allowed_cores() == CPU_COUNT(&set));
  ::setenv("SLURM_CPUS_PER_TASK", "1", 1);
  CHECK(parallel::allowed_cores() == 1);
  ::setenv("SLURM_CPUS_PER_TASK", "100000", 1);  // more than the affinity allows: the affinity
  CHECK(parallel::allowed_cores() == CPU_COUNT(&set));
  ::unsetenv("SLURM_CPUS_PER_TASK");
}

TEST_CASE("pool: GPU placements and the CPU fallback") {
  using parallel::plan_workers;
  const auto on3 = plan_workers(parallel::workers_per_gpu(2), 3);
  CHECK(on3 == std::vector<device>{device::cuda(0), device::cuda(0), device::cuda(1),
                                   device::cuda(1), device::cuda(2), device::cuda(2)});
  CHECK(plan_workers(parallel::one_worker_per_gpu(), 2) ==
        std::vector<device>{device::cuda(0), device::cuda(1)});
  CHECK(plan_workers(parallel::cpu_workers(3), 2) == std::vector<device>(3, device::cpu()));
  const int cores = parallel::allowed_cores();  // this process's CPU affinity
  CHECK(cores >= 1);
  CHECK(cores <= int(std::max(1u, std::thread::hardware_concurrency())));
  CHECK(plan_workers(parallel::workers_per_gpu(4), 0) == std::vector<device>(cores, device::cpu()));
  // One rank's GPU (pool_options::gpus): its workers there only; a GPU it does not see is refused.
  CHECK(plan_workers({.workers_per_gpu = 2, .gpus = {1}}, 3) == std::vector<device>{device::cuda(1), device::cuda(1)});
  CHECK_THROWS_WITH_AS(plan_workers({.gpus = {3}}, 3),
                       doctest::Contains("pool_options.gpus names GPU 3; this process sees GPUs 0..2"), config_error);

  if (gpu_count() == 0) {
    pool p{parallel::one_worker_per_gpu()};
    CHECK(p.fell_back_to_cpu());
    CHECK(p.size() == cores);
    for (int w = 0; w < p.size(); ++w) CHECK(p.device_of(w) == device::cpu());
    CHECK(p.describe() == std::to_string(cores) + (cores == 1 ? " CPU worker" : " CPU workers") +
                              " (no GPU found)");
    CHECK(openblas_get_num_threads() == 1);  // CPU workers run BLAS single-threaded
  } else {
    MESSAGE("a GPU is present: the CPU fallback of one_worker_per_gpu() is not exercised");
  }
  pool three{parallel::cpu_workers(3)};
  CHECK_FALSE(three.fell_back_to_cpu());
  CHECK(three.describe() == "3 CPU workers");
  CHECK(three.device_of(2) == device::cpu());
}

TEST_CASE("pool: bad options and arguments are rejected with clear messages") {
  CHECK_THROWS_WITH_AS(parallel::cpu_workers(0),
                       doctest::Contains("[partrain::parallel::cpu_workers] n = 0"), config_error);
  CHECK_THROWS_WITH_AS(parallel::workers_per_gpu(-2),
                       doctest::Contains("[partrain::parallel::workers_per_gpu] k = -2"),
                       config_error);
  CHECK_THROWS_WITH_AS(pool(parallel::pool_options{.cpu_workers = -1}),
                       doctest::Contains("pool_options.cpu_workers = -1; expected >= 1"),
                       config_error);
  CHECK_THROWS_WITH_AS(pool(parallel::pool_options{.workers_per_gpu = 0}),
                       doctest::Contains("pool_options.workers_per_gpu = 0; expected >= 1"),
                       config_error);
  CHECK_THROWS_WITH_AS(parallel::plan_workers({}, -1),
                       doctest::Contains("[partrain::parallel::plan_workers] gpus = -1"),
                       config_error);
  pool p{parallel::cpu_workers(2)};
  CHECK_THROWS_WITH_AS(p.device_of(2),
                       "[partrain::parallel::pool::device_of] worker 2 does not exist; the pool "
                       "has workers 0..1",
                       config_error);
  CHECK_THROWS_AS(p.device_of(-1), config_error);
  CHECK_THROWS_WITH_AS(p.submit(std::stop_source(std::nostopstate), [] {}),
                       doctest::Contains("the stop_source has no stop state"), config_error);

  std::vector<std::future<int>> futures;
  futures.push_back(p.submit([] { return 1; }));
  futures.emplace_back();
  CHECK_THROWS_WITH_AS(parallel::fetch_outputs(futures),
                       doctest::Contains("[partrain::parallel::fetch_outputs] future 1 of 2 has "
                                         "no result to fetch"),
                       config_error);
  CHECK(futures[0].get() == 1);  // the check comes before any waiting or fetching
}
