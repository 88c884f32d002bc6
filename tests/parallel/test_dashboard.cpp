#include <doctest/doctest.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "partrain/parallel/channel.hpp"
#include "partrain/parallel/fetch_outputs.hpp"
#include "partrain/parallel/pool.hpp"
#include "partrain/report/dashboard.hpp"

using namespace partrain;
using report::dashboard;
using report::dashboard_options;

namespace {
training_progress progress(int trial, training_state state, int iteration) {
  training_progress p;
  p.trial = trial;
  p.network_name = trial == 0 ? "net_a" : "net_b";
  p.state = state;
  p.iteration = iteration;
  p.iterations_per_epoch = 5;
  p.max_iterations = 20;
  p.epoch = iteration == 0 ? 1 : (iteration - 1) / 5 + 1;
  if (state != training_state::start) {
    p.training_loss = 0.693147;
    p.training_accuracy = 50;
    p.images_per_second = 1200;
  }
  return p;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

// The text a terminal shows: without ESC[...X sequences and carriage returns.
std::string visible(const std::string& s) {
  std::string v;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\x1b') {
      while (i < s.size() && !std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
    } else if (s[i] != '\r') {
      v += s[i];
    }
  }
  return v;
}

int count(const std::string& s, const std::string& what) {
  int n = 0;
  for (auto pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + 1)) ++n;
  return n;
}
}  // namespace

TEST_CASE("dashboard: a plain line says everything about a trial") {
  std::ostringstream out;
  dashboard d{out, 2, {.min_seconds_between_lines = 0}};
  CHECK_FALSE(d.is_tty());  // an ostringstream is no terminal
  CHECK(d.line(0) ==
        "[trial 0] trial 0 [....................]   0% epoch 0 iter 0 loss - acc - "
        "val acc - - img/s queued");
  d.update(progress(1, training_state::iteration, 5));
  const std::string expected =
      "[trial 1] net_b [#####...............]  25% epoch 1/4 iter 5/20 loss 0.6931 acc 50.0% val "
      "acc - 1200 img/s running";
  CHECK(out.str() == expected + "\n");
  CHECK(d.line(1) == expected);
}

TEST_CASE("dashboard: validation accuracy shows the last validated value") {
  std::ostringstream out;
  dashboard d{out, 1, {.min_seconds_between_lines = 0}};
  auto p = progress(0, training_state::iteration, 10);
  p.validation_accuracy = 91.25;
  d.update(p);
  p.iteration = 11;
  p.validation_accuracy = training_progress::nan;  // not validated this iteration
  d.update(p);
  CHECK(d.line(0).find("iter 11/20") != std::string::npos);
  CHECK(d.line(0).find("val acc 91.2%") != std::string::npos);
}

TEST_CASE("dashboard: plain mode prints milestones always and iterations at most periodically") {
  std::ostringstream out;
  dashboard d{out, 2, {.min_seconds_between_lines = 3600}};
  d.update(progress(0, training_state::start, 0));
  for (int i = 1; i <= 20; ++i) d.update(progress(0, training_state::iteration, i));
  d.update(progress(1, training_state::start, 0));
  d.update(progress(1, training_state::iteration, 1));
  d.update(progress(1, training_state::done, 7));  // ended before max_iterations
  d.update(progress(0, training_state::done, 20));
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 4);  // the starts and the ends; no iteration within the hour
  CHECK(lines[0].find("[trial 0] net_a [....................]   0% epoch 1/4 iter 0/20") == 0);
  CHECK(lines[1].find("[trial 1] net_b") == 0);
  CHECK(lines[2].find("[trial 1] net_b [#######.............]  35%") == 0);
  CHECK(lines[2].find(" stopped") == lines[2].size() - 8);
  CHECK(lines[3].find("100% epoch 4/4 iter 20/20") != std::string::npos);
  CHECK(lines[3].find(" done") == lines[3].size() - 5);
  CHECK(out.str().find('\x1b') == std::string::npos);  // no escape codes in CI logs
}

TEST_CASE("dashboard: plain mode repeats a trial's line once the period has passed") {
  std::ostringstream out;
  dashboard d{out, 1, {.min_seconds_between_lines = 0.05}};
  d.update(progress(0, training_state::iteration, 1));
  d.update(progress(0, training_state::iteration, 2));  // too soon
  CHECK(lines_of(out.str()).size() == 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  d.update(progress(0, training_state::iteration, 3));
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 2);
  CHECK(lines[1].find("iter 3/20") != std::string::npos);
}

TEST_CASE("dashboard: on a TTY the table is redrawn in place") {
  std::ostringstream out;
  dashboard d{out,
              2,
              {.tty = true,
               .min_seconds_between_redraws = 3600,
               .name_width = 8,
               .names = {"first", "a_long_network_name"}}};
  CHECK(d.is_tty());
  d.update(progress(0, training_state::start, 0));
  const std::string first = out.str();
  CHECK(first.find("\x1b[3A") == std::string::npos);  // nothing to move back over yet
  CHECK(count(first, "\x1b[2K") == 3);                // header + 2 trials
  auto lines = lines_of(first);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].find("network") != std::string::npos);
  CHECK(lines[0].find("val acc") != std::string::npos);
  CHECK(lines[1].find("first") != std::string::npos);
  CHECK(lines[1].find("running") != std::string::npos);
  CHECK(lines[2].find("a_lon...") != std::string::npos);  // cut to name_width
  CHECK(lines[2].find("queued") != std::string::npos);

  out.str("");
  d.update(progress(0, training_state::iteration, 1));  // within the redraw period: skipped
  CHECK(out.str().empty());
  d.update(progress(1, training_state::done, 20));
  const std::string second = out.str();
  CHECK(second.rfind("\x1b[3A\r", 0) == 0);  // cursor up over the old table, then redraw
  lines = lines_of(second);
  REQUIRE(lines.size() == 3);
  CHECK(lines[1].find("iter") == std::string::npos);  // the table has columns, not labels
  CHECK(lines[1].find("0.6931") != std::string::npos);
  CHECK(lines[2].find("[####################] 100%") != std::string::npos);
  CHECK(lines[2].find("4/4") != std::string::npos);
  CHECK(lines[2].find("done") != std::string::npos);
  // Every table line has the same width up to the state column: columns line up.
  lines = lines_of(visible(second));
  CHECK(lines[0].find("state") == lines[1].find("running"));
  CHECK(lines[0].find("state") == lines[2].find("done"));
  CHECK(lines[0].find("state") > 60);
}

TEST_CASE("dashboard: flush and mark_failed") {
  std::ostringstream out;
  dashboard d{out, 3, {.min_seconds_between_lines = 3600}};
  d.mark_failed(2);
  CHECK(out.str().find("[trial 2] trial 2") == 0);
  CHECK(d.line(2).find(" failed") != std::string::npos);
  out.str("");
  d.flush();
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].find("[trial 0]") == 0);
  CHECK(lines[2].find("failed") != std::string::npos);
}

TEST_CASE("dashboard: a failed message (output_fn threw) shows the trial as failed, not running") {
  std::ostringstream out;
  dashboard d{out, 2, {.min_seconds_between_lines = 3600}};
  d.update(progress(1, training_state::start, 0));
  d.update(progress(1, training_state::iteration, 3));
  CHECK(d.line(1).find(" running") != std::string::npos);
  d.update(progress(1, training_state::failed, 3));
  CHECK(d.line(1).find(" failed") != std::string::npos);
}

TEST_CASE("dashboard: bad arguments are rejected with clear messages") {
  std::ostringstream out;
  CHECK_THROWS_WITH_AS(dashboard(out, 0),
                       "[partrain::report::dashboard] trials = 0; expected at least 1",
                       config_error);
  CHECK_THROWS_WITH_AS(dashboard(out, 2, {.min_seconds_between_lines = -1}),
                       doctest::Contains("min_seconds_between_lines = -1; expected a number of "
                                         "seconds >= 0"),
                       config_error);
  CHECK_THROWS_WITH_AS(dashboard(out, 2, {.min_seconds_between_redraws = std::nan("")}),
                       doctest::Contains("min_seconds_between_redraws = nan"), config_error);
  CHECK_THROWS_WITH_AS(dashboard(out, 2, {.bar_width = 0}),
                       doctest::Contains("bar_width = 0; expected >= 1"), config_error);
  CHECK_THROWS_WITH_AS(dashboard(out, 2, {.name_width = 3}),
                       doctest::Contains("name_width = 3; expected >= 4"), config_error);
  CHECK_THROWS_WITH_AS(dashboard(out, 2, {.names = {"only one"}}),
                       doctest::Contains("names has 1 names for 2 trials"), config_error);
  dashboard d{out, 2};
  CHECK_THROWS_WITH_AS(d.update(progress(2, training_state::iteration, 1)),
                       "[partrain::report::dashboard::update] trial 2 is out of range; the "
                       "dashboard shows trials 0..1",
                       config_error);
  CHECK_THROWS_AS(d.update(progress(-1, training_state::iteration, 1)), config_error);
  CHECK_THROWS_WITH_AS(d.mark_failed(7), doctest::Contains("dashboard::mark_failed] trial 7"),
                       config_error);
  CHECK(out.str().empty());  // nothing printed for rejected updates
  CHECK_FALSE(report::is_terminal(out));
}

TEST_CASE("dashboard fed by a channel from pool workers") {
  constexpr int trials = 3;
  std::ostringstream out;
  dashboard board{out, trials, {.min_seconds_between_lines = 3600}};
  parallel::channel<training_progress> queue;
  queue.after_each([&](const training_progress& p) { board.update(p); });
  parallel::pool pool{parallel::cpu_workers(2)};
  std::vector<std::future<void>> futures;
  for (int t = 0; t < trials; ++t)
    futures.push_back(pool.submit(
        [](std::function<bool(const training_progress&)> output_fn) {
          training_progress p;
          p.network_name = "cnn";
          p.max_iterations = 40;
          p.iterations_per_epoch = 10;
          output_fn(p);
          for (int i = 1; i <= 40; ++i) {
            p.state = training_state::iteration;
            p.iteration = i;
            p.epoch = (i - 1) / 10 + 1;
            p.training_loss = 1.0 / i;
            output_fn(p);
          }
          p.state = training_state::done;
          output_fn(p);
        },
        queue.sender(t)));
  parallel::fetch_outputs(futures);
  queue.close();
  for (int t = 0; t < trials; ++t) {
    CHECK(board.line(t).find("epoch 4/4 iter 40/40 loss 0.0250") != std::string::npos);
    CHECK(board.line(t).find(" done") != std::string::npos);
  }
  CHECK(count(out.str(), "\n") == 2 * trials);  // start and done of each trial
}
