// Search spaces and strategies: trials as an architecture plus named, typed values; the
// exhaustive sweep, random sampling and grid x random; trial i's values independent of how
// many workers draw them and in which order; every bad input named.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "partrain/experiment.hpp"
#include "partrain/parallel.hpp"

namespace pt = partrain;
namespace ex = partrain::experiment;

namespace {
struct net_a {};
struct net_b {};
struct net_c {};
using three = pt::type_list<net_a, net_b, net_c>;

ex::search_space solver_space() {
  return ex::search_space::over<pt::type_list<net_a, net_b>>()
      .add("solver", ex::choice{"sgdm", "adam"})
      .add("momentum", ex::choice{0.9, 0.95}, ex::only_when{"solver", "sgdm"})
      .add("mini_batch_size", ex::choice{64, 128});
}
}  // namespace

TEST_CASE("exhaustive: every combination, a conditional parameter only where it exists, in a fixed order") {
  const ex::trial_plan plan(solver_space(), ex::exhaustive{});
  // Per architecture: sgdm x 2 momenta x 2 batch sizes + adam x 2 batch sizes.
  REQUIRE(plan.size() == 12);
  const ex::trial first = plan.at(0), fifth = plan.at(4), last = plan.at(11);
  CHECK(first.describe() == "architecture 0, mini_batch_size=64, momentum=0.9, solver=sgdm");
  CHECK(fifth.describe() == "architecture 0, mini_batch_size=64, solver=adam");
  CHECK_FALSE(fifth.has("momentum"));
  CHECK(last.describe() == "architecture 1, mini_batch_size=128, solver=adam");
  CHECK(first.get<std::string>("solver") == "sgdm");
  CHECK(first.get<double>("momentum") == 0.9);
  CHECK(first.get<int>("mini_batch_size") == 64);
  CHECK(first.get<double>("mini_batch_size") == 64.0);  // an integer read as a number
  std::vector<std::string> all;
  for (std::size_t i = 0; i < plan.size(); ++i) all.push_back(plan.at(i).describe());
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());  // no combination twice
  CHECK(ex::trial_plan(ex::search_space::over<three>().add("depth", ex::integer{1, 3}), ex::exhaustive{}).size() == 9);
}

TEST_CASE("random sampling: values in their ranges, reproducible from (space, seed, index), log-uniform in log") {
  auto space = ex::search_space::over<three>()
                   .add("initial_learn_rate", ex::log_uniform{1e-4, 1e-1})
                   .add("dropout", ex::uniform{0.1, 0.5})
                   .add("depth", ex::integer{1, 3})
                   .add("solver", ex::choice{"sgdm", "adam", "rmsprop"})
                   .add("momentum", ex::uniform{0.8, 0.99}, ex::only_when{"solver", "sgdm"});
  const ex::trial_plan plan(space, ex::random_sampling{.num_samples = 3000, .seed = 11});
  REQUIRE(plan.size() == 3000);
  std::vector<double> lr;
  std::vector<int> depth_seen(4), arch_seen(3);
  int with_momentum = 0, sgdm = 0;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const ex::trial t = plan.at(i);
    lr.push_back(t.get<double>("initial_learn_rate"));
    CHECK(lr.back() >= 1e-4);
    CHECK(lr.back() <= 1e-1);
    const double d = t.get<double>("dropout");
    CHECK((d >= 0.1 && d <= 0.5));
    ++depth_seen[std::size_t(t.get<int>("depth"))];
    ++arch_seen[t.architecture];
    sgdm += t.get<std::string>("solver") == "sgdm";
    with_momentum += t.has("momentum");
  }
  CHECK(depth_seen[0] == 0);
  CHECK(std::all_of(depth_seen.begin() + 1, depth_seen.end(), [](int n) { return n > 800; }));  // both ends included
  CHECK(std::all_of(arch_seen.begin(), arch_seen.end(), [](int n) { return n > 800; }));
  CHECK(with_momentum == sgdm);  // momentum exactly when the solver is sgdm
  std::nth_element(lr.begin(), lr.begin() + 1500, lr.end());
  CHECK(lr[1500] == doctest::Approx(std::sqrt(1e-4 * 1e-1)).epsilon(0.15));  // the median is the geometric mean
  const ex::trial_plan again(space, ex::random_sampling{.num_samples = 3000, .seed = 11}),
      other(space, ex::random_sampling{.num_samples = 3000, .seed = 12});
  CHECK(again.at(1234).describe() == plan.at(1234).describe());
  CHECK(again.at(1234).seed == plan.at(1234).seed);
  CHECK(other.at(1234).describe() != plan.at(1234).describe());
  CHECK(plan.at(1).seed != plan.at(2).seed);
}

TEST_CASE("grid x random: every combination of the choices, each with num_samples draws of the ranges") {
  auto space = solver_space().add("initial_learn_rate", ex::log_uniform{1e-3, 1e-1});
  const ex::trial_plan plan(space, ex::grid_random{.num_samples = 3, .seed = 5});
  const ex::trial_plan grid(solver_space(), ex::exhaustive{});
  REQUIRE(plan.size() == grid.size() * 3);
  for (std::size_t i = 0; i < plan.size(); ++i) {
    ex::trial t = plan.at(i);
    CHECK(t.has("initial_learn_rate"));
    t.values.erase("initial_learn_rate");
    CHECK(t.describe() == grid.at(i / 3).describe());
  }
  CHECK(plan.at(0).get<double>("initial_learn_rate") != plan.at(1).get<double>("initial_learn_rate"));
}

TEST_CASE("trial i's values do not depend on the worker count or the finishing order (1, 2 and 3 workers)") {
  auto space = solver_space().add("initial_learn_rate", ex::log_uniform{1e-4, 1e-1});
  const ex::trial_plan plan(space, ex::random_sampling{.num_samples = 24, .seed = 3});
  std::vector<std::string> reference;
  for (std::size_t i = 0; i < plan.size(); ++i) reference.push_back(plan.at(i).describe());
  for (int workers : {1, 2, 3}) {
    CAPTURE(workers);
    pt::parallel::pool pool{pt::parallel::cpu_workers(workers)};
    std::vector<std::future<std::string>> futures;
    for (std::size_t i = 0; i < plan.size(); ++i)
      futures.push_back(pool.submit([&plan, i] {
        // Uneven work: trials finish in another order than they were submitted.
        std::this_thread::sleep_for(std::chrono::microseconds((i * 7919) % 3000));
        return plan.at(i).describe();
      }));
    for (std::size_t i = 0; i < plan.size(); ++i) CHECK(futures[i].get() == reference[i]);
  }
}

TEST_CASE("the values reach the trial's code typed; with_architecture gives it the architecture as a type") {
  const ex::trial_plan plan(solver_space(), ex::exhaustive{});
  std::vector<std::string> seen;
  for (std::size_t i = 0; i < plan.size(); ++i)
    seen.push_back(ex::with_architecture<pt::type_list<net_a, net_b>>(plan.at(i), []<class Net>(const ex::trial& t) {
      return std::string(std::is_same_v<Net, net_a> ? "a" : "b") + "/" + t.get<std::string>("solver");
    }));
  CHECK(seen.front() == "a/sgdm");
  CHECK(seen.back() == "b/adam");
  ex::plan_strategy asking(plan);
  std::size_t asked = 0;
  while (const auto t = asking.ask()) {
    CHECK(t->index == asked++);
    asking.tell(*t, 0.5);
  }
  CHECK(asked == plan.size());
}

TEST_CASE("bad search spaces and requests: each a config_error naming what is wrong") {
  auto space = [] { return ex::search_space::over<three>(); };
  CHECK_THROWS_WITH_AS(space().add("solver", ex::choice{std::vector<ex::value>{}}),
                       "[partrain::experiment::search_space] parameter 'solver' is a choice of nothing; give at least "
                       "one value",
                       pt::config_error);
  CHECK_THROWS_WITH_AS(space().add("dropout", ex::uniform{0.5, 0.1}),
                       doctest::Contains("parameter 'dropout': uniform range [0.5, 0.1]; expected finite bounds with "
                                         "low <= high"),
                       pt::config_error);
  CHECK_THROWS_WITH_AS(space().add("initial_learn_rate", ex::log_uniform{0, 0.1}),
                       doctest::Contains("log-uniform range [0, 0.1]; expected 0 < low <= high (a log range cannot "
                                         "reach 0)"),
                       pt::config_error);
  CHECK_THROWS_WITH_AS(space().add("depth", ex::integer{3, 1}), doctest::Contains("integer range [3, 1]"),
                       pt::config_error);
  CHECK_THROWS_WITH_AS(space().add("learn/rate", ex::choice{1}),
                       doctest::Contains("parameter 'learn/rate': a name has letters, digits, '_', '-' and '.' only"),
                       pt::config_error);
  CHECK_THROWS_WITH_AS(space().add("a", ex::choice{1}).add("a", ex::choice{2}),
                       doctest::Contains("parameter 'a' is defined twice"), pt::config_error);
  CHECK_THROWS_WITH_AS(space().add("momentum", ex::uniform{0.8, 0.9}, ex::only_when{"solver", "sgdm"}),
                       doctest::Contains("exists only when 'solver' is sgdm, but no such parameter was added before it"),
                       pt::config_error);
  CHECK_THROWS_WITH_AS(
      space().add("solver", ex::choice{"adam"}).add("momentum", ex::uniform{0.8, 0.9}, ex::only_when{"solver", "sgdm"}),
      doctest::Contains("a value 'solver' never takes"), pt::config_error);
  CHECK_THROWS_WITH_AS(ex::trial_plan(space(), ex::random_sampling{.num_samples = 0}),
                       "[partrain::experiment] num_samples is 0; expected at least 1", pt::config_error);
  CHECK_THROWS_WITH_AS(ex::trial_plan(space().add("dropout", ex::uniform{0.1, 0.5}), ex::exhaustive{}),
                       doctest::Contains("parameter 'dropout' is a range of real numbers, which cannot be swept"),
                       pt::config_error);
  const ex::trial t = ex::trial_plan(solver_space(), ex::exhaustive{}).at(4);  // adam: no momentum
  CHECK_THROWS_WITH_AS(t.get<double>("momentum"),
                       "[partrain::experiment::trial] trial 4 has no value 'momentum' (the space does not define it, "
                       "or not for this trial's choices); it has: mini_batch_size, solver",
                       pt::config_error);
  CHECK_THROWS_WITH_AS(t.get<int>("solver"), "[partrain::experiment::trial] trial 4: 'solver' is adam, not of the kind "
                                             "asked for",
                       pt::config_error);
  CHECK_THROWS_WITH_AS(ex::trial_plan(solver_space(), ex::exhaustive{}).at(12),
                       doctest::Contains("trial index 12 is out of range; the search has 12 trials"), pt::config_error);
}
