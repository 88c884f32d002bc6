// Compile-time sweeps: a type_list of architectures trained on a pool, progress over a channel.
#include <doctest/doctest.h>

#include <atomic>
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

TEST_CASE("submit_each starts the most expensive architectures first") {
  static_assert(tiny_cnn<4, 1>::flops_per_image > tiny_cnn<2, 2>::flops_per_image);
  static_assert(tiny_cnn<2, 2>::flops_per_image > tiny_cnn<2, 1>::flops_per_image);
  static_assert(parallel::detail::longest_first<sweep>() == std::array<std::size_t, 3>{1, 2, 0});
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
