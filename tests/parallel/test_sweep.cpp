// Compile-time sweeps: a type_list of architectures trained on a pool, progress over a channel.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <string>
#include <vector>
#include <mutex>
#include <map>
#include <set>
#include <stdexcept>
#include <type_traits>

#include "partrain/partrain.hpp"
#include "../train/toy_data.hpp"

using namespace partrain;

namespace {
template <int Width, int Depth>
using tiny_cnn = models::digit_cnn<Width, Depth, 8, 8, 1, 2>;
using sweep = type_list<tiny_cnn<2, 1>, tiny_cnn<4, 1>, tiny_cnn<2, 2>>;
}  // namespace

TEST_CASE("submit_each trains every architecture of a type_list and keeps each result typed") {
  const auto train = test::blobs(64, 1), val = test::blobs(32, 2);
  parallel::pool pool{parallel::cpu_workers(2)};
  parallel::channel<training_progress> queue;
  std::map<int, int> iterations;  // per trial, touched only by the delivery thread
  std::set<int> done;
  queue.after_each([&](const training_progress& p) {
    if (p.state == training_state::iteration) ++iterations[p.trial];
    if (p.state == training_state::done) done.insert(p.trial);
  });
  auto futures = parallel::submit_each<sweep>(pool, [&]<class Net>(int trial, context& ctx) {
    return train_network<Net>(train, training_options<optim::adam>{.initial_learn_rate = 0.01, .max_epochs = 3, .mini_batch_size = 16,
                                                                   .validation_data = &val, .validation_frequency = 4,
                                                                   .verbose = false, .seed = std::uint64_t(trial),
                                                                   .output_fn = queue.sender(trial)},
                              ctx);
  });
  static_assert(std::is_same_v<std::tuple_element_t<2, decltype(futures)>, std::future<trained<tiny_cnn<2, 2>>>>);
  auto results = parallel::fetch_outputs(futures);
  queue.close();
  for_each(results, [&](const auto& r, std::size_t trial) {
    CHECK(r.info.iterations() == 12);
    CHECK(r.info.final_validation_accuracy > 90);
    CHECK(iterations[int(trial)] == 12);
  });
  CHECK(done == std::set<int>{0, 1, 2});
}

TEST_CASE("a failing trial is rethrown by fetch_outputs after the others finished") {
  const auto train = test::blobs(64, 1);
  parallel::pool pool{parallel::cpu_workers(2)};
  std::atomic<int> finished{0};
  auto futures = parallel::submit_each<sweep>(pool, [&]<class Net>(int trial, context& ctx) {
    auto opts = training_options<>{.max_epochs = 2, .mini_batch_size = 16, .verbose = false};
    if (trial == 1) opts.mini_batch_size = 0;  // invalid: this trial throws config_error
    auto r = train_network<Net>(train, opts, ctx);
    ++finished;
    return r;
  });
  CHECK_THROWS_AS(parallel::fetch_outputs(futures), config_error);
  CHECK(finished == 2);
}

TEST_CASE("one failed trial of four costs no other trial's result: outcomes, completion order") {
  using four = type_list<tiny_cnn<2, 1>, tiny_cnn<4, 1>, tiny_cnn<2, 2>, tiny_cnn<4, 2>>;
  const std::vector<std::string> names{"a", "b", "c", "d"};
  const auto train = test::blobs(64, 1);
  parallel::pool pool{parallel::cpu_workers(2)};
  auto run = [&]<class Net>(int trial, context& ctx) {
    auto opts = training_options<>{.max_epochs = 2, .mini_batch_size = 16, .verbose = false};
    if (trial == 2) opts.mini_batch_size = 0;  // invalid: this trial throws config_error
    return train_network<Net>(train, opts, ctx);
  };
  SUBCASE("fetch_outcomes: every good result and the failed trial's index, name and message") {
    auto futures = parallel::submit_each<four>(pool, run);
    auto outcomes = parallel::fetch_outcomes(futures, names);
    int good = 0;
    for_each(outcomes, [&](auto& o, std::size_t trial) {
      CHECK(o.trial == int(trial));
      CHECK(o.name == names[trial]);
      if (trial == 2) {
        REQUIRE_FALSE(o.ok());
        CHECK_FALSE(o.result.has_value());
        CHECK(o.message.find("mini_batch_size") != std::string::npos);
        CHECK(o.describe().find("trial 2 (c) failed: ") == 0);
        CHECK_THROWS_AS(o.value(), config_error);
      } else {
        REQUIRE(o.ok());
        CHECK(o.value().info.iterations() == 8);
        ++good;
      }
    });
    CHECK(good == 3);
  }
  SUBCASE("for_each_completed hands each trial over once, as it completes") {
    auto futures = parallel::submit_each<four>(pool, run);
    std::vector<int> seen;
    parallel::for_each_completed(futures, [&](auto& o) {
      seen.push_back(o.trial);
      CHECK(o.ok() == (o.trial != 2));
    });
    std::sort(seen.begin(), seen.end());
    CHECK(seen == std::vector<int>{0, 1, 2, 3});
  }
  SUBCASE("fetch_next over a vector of futures, in completion order") {
    std::vector<std::future<int>> futures;
    std::promise<void> release;
    auto gate = release.get_future().share();
    futures.push_back(pool.submit([gate] { gate.wait(); return 0; }));  // finishes last
    futures.push_back(pool.submit([]() -> int { throw data_error("bad file 'x.png'"); }));
    futures.push_back(pool.submit([] { return 2; }));
    std::vector<int> order;
    for (int k = 0; k < 2; ++k) {
      auto o = parallel::fetch_next(futures);
      REQUIRE(o.has_value());
      order.push_back(o->trial);
      if (o->trial == 1) CHECK(o->message == "bad file 'x.png'");
      else CHECK(o->value() == 2);
    }
    std::sort(order.begin(), order.end());
    CHECK(order == std::vector<int>{1, 2});
    release.set_value();
    auto last = parallel::fetch_next(futures);
    REQUIRE(last.has_value());
    CHECK(last->trial == 0);
    CHECK(last->name == "trial 0");
    CHECK_FALSE(parallel::fetch_next(futures).has_value());
  }
}

TEST_CASE("submit_each starts the most expensive architectures first") {
  static_assert(tiny_cnn<4, 1>::flops_per_image > tiny_cnn<2, 2>::flops_per_image);
  static_assert(tiny_cnn<2, 2>::flops_per_image > tiny_cnn<2, 1>::flops_per_image);
  static_assert(parallel::longest_first<sweep>() == std::array<std::size_t, 3>{1, 2, 0});
  parallel::pool pool{parallel::cpu_workers(1)};
  std::mutex m;
  std::vector<int> started;
  auto futures = parallel::submit_each<sweep>(pool, [&]<class Net>(int trial, context&) {
    std::lock_guard lock(m);
    started.push_back(trial);
    return trial;
  });
  const auto results = parallel::fetch_outputs(futures);
  CHECK(results == std::tuple{0, 1, 2});        // futures stay in trial order
  CHECK(started == std::vector<int>{1, 2, 0});  // one worker runs them longest first
}
