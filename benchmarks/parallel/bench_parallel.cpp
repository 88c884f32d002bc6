// The parallel layer's overheads: how long pool::submit keeps the caller, how long a trivial
// job takes from submit to result, and how many messages per second a channel delivers.
// Prints a table; the figures bound how fine-grained pool jobs and progress messages can be.
//
// usage: partrain_bench_parallel [--jobs N] [--messages M]
//   --jobs N      trivial jobs per pool measurement (default 100000)
//   --messages M  messages per producer per channel measurement (default 100000)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <partrain/parallel/channel.hpp>
#include <partrain/parallel/pool.hpp>
#include <partrain/train/training_progress.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;
namespace parallel = partrain::parallel;

double micros(clock_type::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

struct stats {
  double mean, p50, p99;
};
stats summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  return {sum / double(v.size()), v[v.size() / 2], v[v.size() * 99 / 100]};
}

// Caller-side cost of submit(): each call timed on its own, while workers drain the queue.
stats submit_latency(int workers, int jobs) {
  parallel::pool pool{parallel::cpu_workers(workers)};
  std::vector<std::future<int>> futures;
  futures.reserve(std::size_t(jobs));
  std::vector<double> us;
  us.reserve(std::size_t(jobs));
  for (int i = 0; i < jobs; ++i) {
    const auto t0 = clock_type::now();
    futures.push_back(pool.submit([i] { return i; }));
    us.push_back(micros(clock_type::now() - t0));
  }
  long check = 0;
  for (auto& f : futures) check += f.get();
  if (check != long(jobs) * (jobs - 1) / 2) std::abort();
  return summarize(std::move(us));
}

// Submit one trivial job and wait for its result, one after another: the pool's round trip.
stats round_trip(int workers, int jobs) {
  parallel::pool pool{parallel::cpu_workers(workers)};
  std::vector<double> us;
  us.reserve(std::size_t(jobs));
  for (int i = 0; i < jobs; ++i) {
    const auto t0 = clock_type::now();
    if (pool.submit([i] { return i; }).get() != i) std::abort();
    us.push_back(micros(clock_type::now() - t0));
  }
  return summarize(std::move(us));
}

// Messages per second from the first send until close() returns with everything delivered.
template <class T, class Make>
double channel_rate(int producers, int per_producer, Make make) {
  parallel::channel<T> ch;
  long received = 0;
  ch.after_each([&](const T&) { ++received; });
  const auto t0 = clock_type::now();
  {
    std::vector<std::jthread> threads;
    for (int p = 0; p < producers; ++p)
      threads.emplace_back([&, p] {
        for (int i = 0; i < per_producer; ++i) ch.send(make(p, i));
      });
  }
  ch.close();
  const double seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
  if (received != long(producers) * per_producer) std::abort();
  return double(received) / seconds;
}

int arg(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::max(1, std::atoi(argv[i + 1]));
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int jobs = arg(argc, argv, "--jobs", 100'000);
  const int messages = arg(argc, argv, "--messages", 100'000);
  const int cores = int(std::max(1u, std::thread::hardware_concurrency()));

  std::printf("pool (%d cores, %d trivial jobs)\n", cores, jobs);
  std::printf("%-28s %8s %10s %10s %10s\n", "measurement", "workers", "mean us", "p50 us",
              "p99 us");
  for (int workers : {1, cores}) {
    const stats s = submit_latency(workers, jobs);
    std::printf("%-28s %8d %10.2f %10.2f %10.2f\n", "submit (caller side)", workers, s.mean, s.p50,
                s.p99);
    const stats r = round_trip(workers, std::max(1, jobs / 10));
    std::printf("%-28s %8d %10.2f %10.2f %10.2f\n", "submit -> get (round trip)", workers, r.mean,
                r.p50, r.p99);
    if (cores == 1) break;
  }

  std::printf("\nchannel (%d messages per producer, delivered by one thread)\n", messages);
  std::printf("%-28s %9s %14s\n", "message", "producers", "messages/s");
  for (int producers : {1, 4, 16}) {
    const double r =
        channel_rate<long>(producers, messages, [](int p, int i) { return long(p) << 32 | i; });
    std::printf("%-28s %9d %14.0f\n", "long", producers, r);
  }
  for (int producers : {1, 4, 16}) {
    const double r =
        channel_rate<partrain::training_progress>(producers, messages, [](int p, int i) {
          partrain::training_progress m;
          m.trial = p;
          m.iteration = i;
          m.network_name = "digit_cnn<8,2>";
          return m;
        });
    std::printf("%-28s %9d %14.0f\n", "training_progress", producers, r);
  }
}
