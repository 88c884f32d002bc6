// The schedulers' decisions against rung tables computed by hand: ASHA's cutoff (numpy's
// nanpercentile), ties, NaN values, a maximised and a minimised metric, median stopping's
// running means; the rungs; a trial's value at a rung from its progress; a decision made
// once per trial and rung; replaying decisions; bad settings named.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "partrain/experiment/rungs.hpp"
#include "partrain/experiment/scheduler.hpp"

namespace pt = partrain;
namespace ex = partrain::experiment;

namespace {
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

/// Decides (trial, rung, value) in order, each seeing the ones before: the rung table.
std::vector<ex::rung_record> table(const ex::scheduler& s, const std::vector<ex::rung_record>& rows) {
  std::vector<ex::rung_record> made;
  for (const auto& r : rows) made.push_back(ex::decide(s, made, r.trial, r.rung, r.value));
  return made;
}
ex::rung_record row(std::size_t trial, std::size_t rung, double value) { return {trial, rung, 0, value}; }

pt::training_progress at(int iteration, double validation_accuracy, int per_epoch = 10, int max_iterations = 100) {
  pt::training_progress p;
  p.state = pt::training_state::iteration;
  p.iteration = iteration, p.iterations_per_epoch = per_epoch, p.max_iterations = max_iterations;
  p.validation_accuracy = validation_accuracy;
  return p;
}
}  // namespace

TEST_CASE("nanpercentile interpolates linearly and leaves NaN out, as numpy does") {
  CHECK(ex::detail::nanpercentile({4, 1, 3, 2}, 75) == 3.25);
  CHECK(ex::detail::nanpercentile({NaN, 4, 1, NaN, 3, 2}, 75) == 3.25);
  CHECK(ex::detail::nanpercentile({5}, 75) == 5);
  CHECK(ex::detail::nanpercentile({1, 2}, 50) == 1.5);
  CHECK(std::isnan(ex::detail::nanpercentile({NaN, NaN}, 50)));
  // To the last bit: numpy 1.24's np.nanpercentile([0.1, 1.1], 75) and ([0.1, 0.9], 75).
  CHECK(ex::detail::nanpercentile({0.1, 1.1}, 75) == 0.8500000000000001);
  CHECK(ex::detail::nanpercentile({0.1, 0.9}, 75) == 0.7);
}

TEST_CASE("ASHA's rungs are at grace_period * eta^k below max_t; median stopping's every interval") {
  std::vector<double> rungs;
  for (std::size_t k = 0; auto t = ex::decision_point(ex::asha{}, k); ++k) rungs.push_back(*t);
  CHECK(rungs == std::vector<double>{1, 4, 16, 64});  // Ray's defaults: eta 4, grace 1, max_t 100
  rungs.clear();
  for (std::size_t k = 0; auto t = ex::decision_point(ex::asha{.max_t = 8, .grace_period = 1, .reduction_factor = 2}, k); ++k)
    rungs.push_back(*t);
  CHECK(rungs == std::vector<double>{1, 2, 4});  // 8 is max_t: trials end there
  CHECK(ex::decision_point(ex::median_stopping{.grace_period = 2, .interval = 3}, 2) == 8);
  CHECK(!ex::decision_point(ex::fifo{}, 0));
}

TEST_CASE("ASHA on a maximised metric, eta 4: the 75th percentile of the others at the rung") {
  const auto made = table(ex::asha{.metric = "validation_accuracy"},
                          {row(0, 0, 50), row(1, 0, 40), row(2, 0, 60), row(3, 0, 47.5), row(4, 0, 52.5),
                           row(5, 0, NaN), row(6, 0, 70), row(0, 1, NaN), row(2, 1, NaN), row(6, 1, 80)});
  // trial: value | others at the rung (sorted) | cutoff | decision
  CHECK(!made[0].stop);  // 50 | none: the first at a rung continues
  CHECK(made[0].compared_with == 0);
  CHECK(made[1].cutoff == 50);  // 40 | 50 | 50 | stop
  CHECK(made[1].stop);
  CHECK(made[2].cutoff == 47.5);  // 60 | 40 50 | 40 + 0.75 * 10 | continue
  CHECK(!made[2].stop);
  CHECK(made[3].cutoff == 55);  // 47.5 | 40 50 60 | 55 | stop
  CHECK(made[3].stop);
  CHECK(made[4].cutoff == 52.5);  // 52.5 | 40 47.5 50 60 | 50 + 0.25 * 10 | a tie continues
  CHECK(!made[4].stop);
  CHECK(made[5].cutoff == 52.5);  // NaN | 40 47.5 50 52.5 60 | 52.5 | NaN stops
  CHECK(made[5].stop);
  CHECK(made[6].cutoff == 52.5);  // 70 | the same numbers and a NaN, left out | continue
  CHECK(made[6].compared_with == 6);
  CHECK(!made[6].stop);
  CHECK(!made[7].stop);  // rung 1: NaN first continues
  CHECK(std::isnan(made[8].cutoff));  // NaN | NaN | no cutoff: continues
  CHECK(!made[8].stop);
  CHECK(std::isnan(made[9].cutoff));  // 80 | NaN NaN
  CHECK(!made[9].stop);
}

TEST_CASE("ASHA on a minimised metric, eta 2: the median, with values negated as Ray does") {
  const auto made = table(ex::asha{.metric = "validation_loss", .reduction_factor = 2},
                          {row(0, 0, 0.5), row(1, 0, 0.7), row(2, 0, 0.4), row(3, 0, 0.6)});
  CHECK(!made[0].stop);
  CHECK(made[1].cutoff == 0.5);  // 0.7 worse than 0.5: stop
  CHECK(made[1].stop);
  CHECK(made[2].cutoff == doctest::Approx(0.6));  // 0.4 better than the median of 0.5 and 0.7
  CHECK(!made[2].stop);
  CHECK(made[3].cutoff == 0.5);  // 0.6 worse than the median of 0.4 0.5 0.7
  CHECK(made[3].stop);
  // The goal may be given: the same name maximised flips the decisions.
  const auto up = table(ex::asha{.metric = "validation_loss", .goal = ex::metric_goal::maximize, .reduction_factor = 2},
                        {row(0, 0, 0.5), row(1, 0, 0.7)});
  CHECK(!up[1].stop);
}

TEST_CASE("median stopping: the best value so far against the median of the others' running means") {
  const ex::median_stopping rule{.metric = "validation_accuracy", .min_samples_required = 2};
  const std::vector<ex::rung_record> earlier = {row(0, 0, 10), row(1, 0, 30), row(0, 1, 20), row(1, 1, 40), row(2, 0, 12)};
  // At point 1: trial 0's running mean (10 + 20) / 2 = 15, trial 1's 35: median 25.
  const auto weak = ex::decide(rule, earlier, 2, 1, 15);  // best of 12, 15: 15 < 25
  CHECK(weak.cutoff == 25);
  CHECK(weak.compared_with == 2);
  CHECK(weak.stop);
  CHECK(!ex::decide(rule, earlier, 3, 1, 26).stop);  // 26 >= 25
  CHECK(!ex::decide(rule, earlier, 2, 1, 30).stop);
  // Too few others at the point: no decision to stop.
  const auto alone = ex::decide(rule, {row(0, 0, 10)}, 1, 0, 1);
  CHECK(alone.compared_with == 1);
  CHECK(!alone.stop);
  // A trial without a number stops while the others' median is a number.
  CHECK(ex::decide(rule, earlier, 3, 1, NaN).stop);
}

TEST_CASE("a trial's value at a rung is the last it reported at or before it; one decision per trial and rung") {
  const ex::scheduler s = ex::asha{.max_t = 8, .grace_period = 1, .reduction_factor = 2};  // rungs at epochs 1, 2, 4
  std::vector<ex::rung_record> journaled;
  ex::rung_book book(s, {}, [&](const ex::rung_record& r) { journaled.push_back(r); });
  ex::rung_tracker first(book, 0);
  for (int i = 1; i <= 9; ++i) CHECK(!first.on_progress(at(i, i == 5 ? 70.0 : NaN)));
  CHECK(journaled.empty());
  CHECK(!first.on_progress(at(10, NaN)));  // epoch 1 ends: the value is iteration 5's
  REQUIRE(journaled.size() == 1);
  CHECK(journaled[0].value == 70);
  CHECK(journaled[0].t == 1);

  // Reported at the rung's own iteration: it counts; 80 is not worse than 70.
  ex::rung_tracker second(book, 1);
  for (int i = 1; i <= 9; ++i) CHECK(!second.on_progress(at(i, NaN)));
  CHECK(!second.on_progress(at(10, 80.0)));
  CHECK(journaled.back().value == 80);
  CHECK(!journaled.back().stop);

  // Nothing reported by the rung: NaN, worse than the cutoff, the median of 70 and 80 (eta 2).
  ex::rung_tracker third(book, 2);
  for (int i = 1; i <= 9; ++i) CHECK(!third.on_progress(at(i, NaN)));
  const auto verdict = third.on_progress(at(10, NaN));
  REQUIRE(verdict);
  CHECK(!verdict->finished);
  CHECK(verdict->why == "asha: rung 0 (1 epochs): validation_accuracy NaN worse than the cutoff 75 of 2 other trials");
  CHECK(journaled.size() == 3);

  // Trial 0 resumed from iteration 5's checkpoint passes rung 0 again: the journaled
  // decision stands, nothing is journaled twice.
  pt::training_info history;
  history.validation_accuracy = {NaN, NaN, NaN, NaN, 70.0};
  ex::rung_tracker again(book, 0);
  again.seed(history);
  for (int i = 6; i <= 10; ++i) CHECK(!again.on_progress(at(i, NaN)));
  CHECK(journaled.size() == 3);
  CHECK(again.passed() == 1);

  // Resumed past two rungs at once: each gets the value reported at or before it.
  history.validation_accuracy.assign(24, NaN);
  history.validation_accuracy[7] = 85, history.validation_accuracy[17] = 88;
  ex::rung_tracker jump(book, 3);
  jump.seed(history);
  jump.on_progress(at(25, 90.0));
  REQUIRE(journaled.size() == 5);
  CHECK(journaled[3].value == 85);
  CHECK(journaled[4].value == 88);
  CHECK(journaled[4].rung == 1);
}

TEST_CASE("ASHA ends a trial reaching max_t, finished; the last iteration's decision ends nothing") {
  ex::rung_book book(ex::asha{.max_t = 2, .grace_period = 1, .reduction_factor = 2}, {row(0, 0, 90)},
                     [](const ex::rung_record&) {});
  ex::rung_tracker t(book, 1);
  CHECK(!t.on_progress(at(10, 50.0, 10, 10)));  // rung 0: 50 worse than 90, but it is the last iteration ...
  CHECK(t.passed() == 1);
  ex::rung_tracker longer(book, 2);
  const auto stop = longer.on_progress(at(10, 50.0, 10, 30));  // ... of a trial of 1 epoch; this one has 3
  REQUIRE(stop);
  CHECK(!stop->finished);
  ex::rung_tracker strong(book, 3);
  CHECK(!strong.on_progress(at(10, 95.0, 10, 30)));
  const auto end = strong.on_progress(at(20, 96.0, 10, 30));
  REQUIRE(end);
  CHECK(end->finished);
  CHECK(end->why == "asha: reached max_t (2 epochs)");
}

TEST_CASE("a journal's decisions replay, and a decision that differs shows") {
  const ex::scheduler s = ex::asha{.metric = "validation_loss", .reduction_factor = 2};
  auto made = table(s, {row(0, 0, 0.5), row(1, 0, 0.7), row(2, 0, 0.4), row(3, 0, 0.6), row(2, 1, 0.3), row(0, 1, 0.35)});
  const auto again = ex::replay(s, made);
  REQUIRE(again.size() == made.size());
  for (std::size_t k = 0; k < made.size(); ++k) {
    CHECK(again[k].stop == made[k].stop);
    CHECK(again[k].compared_with == made[k].compared_with);
  }
  made[1].stop = false;  // a journal whose trial 1 went on although 0.7 is worse than 0.5
  CHECK(ex::replay(s, made)[1].stop != made[1].stop);
}

TEST_CASE("bad scheduler settings are named") {
  CHECK_THROWS_WITH_AS(ex::validate(ex::asha{.reduction_factor = 1.5}),
                       "[partrain::experiment] scheduler asha: reduction_factor (eta) is 1.5; expected at least 2",
                       pt::config_error);
  CHECK_THROWS_WITH_AS(ex::validate(ex::asha{.max_t = 4, .grace_period = 4}),
                       "[partrain::experiment] scheduler asha: grace_period (4) is not below max_t (4): there would be no rung",
                       pt::config_error);
  CHECK_THROWS_WITH_AS(ex::validate(ex::median_stopping{.metric = "test_accuracy"}),
                       doctest::Contains("metric 'test_accuracy' is not one trials report while they train"),
                       pt::config_error);
  CHECK_THROWS_WITH_AS(ex::validate(ex::asha{.unit = ex::resource_unit::iterations, .grace_period = 0.5}),
                       doctest::Contains("grace_period is 0.5 iterations; expected at least 1"), pt::config_error);
  CHECK_THROWS_WITH_AS(ex::validate(ex::median_stopping{.min_samples_required = 0}),
                       doctest::Contains("min_samples_required is 0; expected at least 1"), pt::config_error);
  CHECK_THROWS_WITH_AS(ex::resource_unit_named("seconds"), doctest::Contains("trials report epochs and iterations"),
                       pt::config_error);
  CHECK(ex::resource_unit_named("iterations") == ex::resource_unit::iterations);
  CHECK_NOTHROW(ex::validate(ex::asha{}));
  CHECK(ex::describe(ex::asha{}) ==
        "asha(metric=validation_accuracy, goal=max, unit=epochs, max_t=100, grace_period=1, reduction_factor=4)");
}
