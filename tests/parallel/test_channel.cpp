#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "partrain/parallel/channel.hpp"
#include "partrain/train/training_progress.hpp"
#include "partrain/parallel/fetch_outputs.hpp"
#include "partrain/parallel/pool.hpp"

using namespace partrain;
using namespace std::chrono_literals;
using parallel::channel;
using parallel::delivery_mode;

namespace {
struct message {
  int producer;
  int seq;
};

// Checks exactly-once, per-producer order and one-at-a-time delivery without locks of its own:
// a second delivery thread would race on these plain ints (ThreadSanitizer reports it).
struct order_checker {
  explicit order_checker(int producers) : next(std::size_t(producers), 0) {}
  std::vector<int> next;
  long total = 0, out_of_order = 0;
  std::atomic<int> inside{0};
  std::atomic<bool> overlapped{false};
  void operator()(const message& m) {
    if (inside.fetch_add(1) != 0) overlapped = true;
    if (m.seq != next[std::size_t(m.producer)]) ++out_of_order;
    next[std::size_t(m.producer)] = m.seq + 1;
    ++total;
    inside.fetch_sub(1);
  }
};

void produce(channel<message>& ch, int producers, int per_producer) {
  std::vector<std::jthread> threads;
  for (int p = 0; p < producers; ++p)
    threads.emplace_back([&ch, p, per_producer] {
      for (int i = 0; i < per_producer; ++i) ch.send({p, i});
    });
}
}  // namespace

TEST_CASE("channel: 16 producers x 100,000 messages arrive exactly once, in order per producer") {
  constexpr int producers = 16, per_producer = 100'000;
  order_checker check(producers);
  channel<message> ch;
  ch.after_each([&](const message& m) { check(m); });
  produce(ch, producers, per_producer);
  CHECK(ch.close().empty());
  CHECK(check.total == long(producers) * per_producer);
  CHECK(check.out_of_order == 0);
  CHECK_FALSE(check.overlapped);
  for (int n : check.next) CHECK(n == per_producer);
  CHECK(ch.delivered() == std::size_t(producers) * per_producer);
  CHECK(ch.pending() == 0);
}

TEST_CASE("channel: manual delivery pumped by poll() on the caller's thread") {
  constexpr int producers = 8, per_producer = 20'000;
  order_checker check(producers);
  channel<message> ch{{.delivery = delivery_mode::manual}};
  const auto me = std::this_thread::get_id();
  bool on_caller = true;
  ch.after_each([&](const message& m) {
    on_caller = on_caller && std::this_thread::get_id() == me;
    check(m);
  });
  std::atomic<bool> done{false};
  std::size_t polled = 0;
  std::thread senders([&] {
    produce(ch, producers, per_producer);
    done = true;
  });
  while (!done) polled += ch.poll();  // a UI loop
  senders.join();
  polled += ch.poll();
  CHECK(ch.close().empty());
  CHECK(polled == std::size_t(producers) * per_producer);
  CHECK(check.total == long(producers) * per_producer);
  CHECK(check.out_of_order == 0);
  CHECK(on_caller);
}

TEST_CASE("channel: messages sent before a callback exists wait for it") {
  for (auto mode : {delivery_mode::thread, delivery_mode::manual}) {
    channel<int> ch{{.delivery = mode}};
    for (int i = 0; i < 100; ++i) ch.send(i);
    if (mode == delivery_mode::manual) CHECK(ch.poll() == 0);  // nobody to deliver to yet
    std::this_thread::sleep_for(5ms);
    CHECK(ch.pending() == 100);
    std::vector<int> got;
    ch.after_each([&](int v) { got.push_back(v); });
    CHECK(ch.close().empty());
    REQUIRE(got.size() == 100);
    for (int i = 0; i < 100; ++i) CHECK(got[std::size_t(i)] == i);
  }
}

TEST_CASE("channel: every callback sees every message, in registration order") {
  channel<int> ch;
  std::vector<std::string> log;
  ch.after_each([&](int v) { log.push_back("a" + std::to_string(v)); });
  ch.after_each([&](int v) { log.push_back("b" + std::to_string(v)); });
  ch.send(1);
  ch.send(2);
  ch.close();
  CHECK(log == std::vector<std::string>{"a1", "b1", "a2", "b2"});
}

TEST_CASE("channel: close and destruction deliver or report everything already sent") {
  std::atomic<int> count{0};
  {
    channel<int> ch;
    ch.after_each([&](int) {
      std::this_thread::sleep_for(1us);  // slower than the producers: a backlog builds up
      count++;
    });
    std::vector<std::jthread> producers;
    for (int p = 0; p < 4; ++p)
      producers.emplace_back([&] {
        for (int i = 0; i < 2000; ++i) ch.send(i);
      });
  }  // producers joined first, then ~channel delivers the backlog
  CHECK(count == 8000);

  channel<int> unheard;
  for (int i = 0; i < 3; ++i) unheard.send(i);
  CHECK(unheard.close() == std::vector<int>{0, 1, 2});  // no callback: handed back, not lost
  CHECK(unheard.close().empty());                       // and only once

  std::ostringstream captured;
  auto* old = std::cerr.rdbuf(captured.rdbuf());
  {
    channel<int> forgotten;
    forgotten.send(1);
    forgotten.send(2);
  }
  std::cerr.rdbuf(old);
  CHECK(captured.str() ==
        "[partrain::parallel::channel] destroyed with 2 undelivered message(s): no after_each "
        "callback was registered\n");
}

TEST_CASE("channel: a throwing callback does not stop delivery; the error is reported") {
  SUBCASE("delivery thread: close() rethrows") {
    channel<int> ch;
    std::vector<int> got;
    ch.after_each([&](int v) {
      got.push_back(v);
      if (v == 3 || v == 5) throw data_error("[test] bad message " + std::to_string(v));
    });
    for (int i = 0; i < 10; ++i) ch.send(i);
    CHECK_THROWS_WITH_AS(ch.close(), "[test] bad message 3", data_error);
    CHECK(got.size() == 10);
    CHECK_NOTHROW(ch.close());  // reported once
  }
  SUBCASE("manual: poll() rethrows after delivering the batch") {
    channel<int> ch{{.delivery = delivery_mode::manual}};
    int seen = 0;
    ch.after_each([&](int v) {
      ++seen;
      if (v == 0) throw config_error("[test] zero");
    });
    for (int i = 0; i < 4; ++i) ch.send(i);
    CHECK_THROWS_WITH_AS(ch.poll(), "[test] zero", config_error);
    CHECK(seen == 4);
    CHECK(ch.poll() == 0);
  }
  SUBCASE("destruction reports on std::cerr") {
    std::ostringstream captured;
    auto* old = std::cerr.rdbuf(captured.rdbuf());
    {
      channel<int> ch;
      ch.after_each([](int) { throw io_error("[test] disk full"); });
      ch.send(1);
    }
    std::cerr.rdbuf(old);
    CHECK(captured.str() ==
          "[partrain::parallel::channel] an after_each callback threw: [test] disk full\n");
  }
}

TEST_CASE("channel: misuse is rejected with clear messages") {
  channel<int> ch;
  CHECK_THROWS_WITH_AS(ch.poll(),
                       doctest::Contains("[partrain::parallel::channel::poll] this "
                                         "channel delivers on its own thread"),
                       config_error);
  CHECK_THROWS_WITH_AS(ch.after_each(nullptr),
                       doctest::Contains("[partrain::parallel::channel::after_each] the "
                                         "callback is empty"),
                       config_error);
  std::atomic<bool> closed_inside{true};
  ch.after_each([&](int) {
    try {
      ch.close();
    } catch (const config_error& e) {
      closed_inside = false;
      CHECK(std::string(e.what()).find("called from an after_each callback") != std::string::npos);
    }
  });
  ch.send(1);
  ch.close();
  CHECK_FALSE(closed_inside);
  CHECK_THROWS_WITH_AS(ch.send(2),
                       doctest::Contains("[partrain::parallel::channel::send] the "
                                         "channel is closed"),
                       config_error);
  CHECK_THROWS_WITH_AS(ch.after_each([](int) {}),
                       doctest::Contains("the channel is closed; register callbacks before"),
                       config_error);
}

TEST_CASE("channel<training_progress>: sender stamps the trial and carries stop requests") {
  channel<training_progress> queue;
  std::vector<training_progress> got;
  queue.after_each([&](const training_progress& p) { got.push_back(p); });
  // Assignable as it is to training_options::output_fn.
  static_assert(std::is_same_v<decltype(queue.sender(1)),
                               std::function<bool(const training_progress&)>>);
  auto send1 = queue.sender(1);
  auto send2 = queue.sender(2);
  training_progress p;
  p.trial = 99;
  p.iteration = 4;
  CHECK_FALSE(send1(p));
  CHECK_FALSE(send2(p));
  queue.stop_trial(2);
  CHECK(queue.stop_requested(2));
  CHECK_FALSE(queue.stop_requested(1));
  CHECK(send2(p));        // trial 2 is told to stop ...
  CHECK_FALSE(send1(p));  // ... trial 1 is not
  queue.close();
  REQUIRE(got.size() == 4);
  CHECK(got[0].trial == 1);
  CHECK(got[1].trial == 2);
  CHECK(got[0].iteration == 4);
  CHECK_THROWS_WITH_AS(queue.sender(-1), doctest::Contains("trial = -1; expected a trial index"),
                       config_error);
  CHECK_THROWS_AS(queue.stop_trial(-3), config_error);

  std::function<bool(const training_progress&)> orphan;
  {
    channel<training_progress> gone;
    gone.after_each([](const training_progress&) {});
    orphan = gone.sender(0);
  }
  CHECK_THROWS_WITH_AS(orphan(p), doctest::Contains("the channel is closed"), config_error);
}

TEST_CASE("channel: forward_to sends to a function on the sender's thread instead of the callbacks") {
  channel<training_progress> queue;
  std::vector<training_progress> delivered, forwarded;
  queue.after_each([&](const training_progress& p) { delivered.push_back(p); });
  queue.forward_to([&](const training_progress& p) { forwarded.push_back(p); });  // synchronous: no lock needed
  auto send = queue.sender(3);
  training_progress p;
  p.iteration = 7;
  CHECK_FALSE(send(p));
  queue.stop_trial(3);
  CHECK(send(p));  // stops still answer here
  REQUIRE(forwarded.size() == 2);
  CHECK(forwarded[0].trial == 3);
  CHECK(forwarded[0].iteration == 7);
  queue.forward_to({});
  CHECK(send(p));
  CHECK(queue.close().empty());
  CHECK(delivered.size() == 1);  // only the message sent after forwarding ended
  CHECK(forwarded.size() == 2);
}

TEST_CASE("pool + channel: trials report progress; a callback stops one trial") {
  constexpr int trials = 4, max_iterations = 1000;
  channel<training_progress> queue;
  std::vector<std::vector<int>> seen(trials);
  queue.after_each([&](const training_progress& p) {
    seen[std::size_t(p.trial)].push_back(p.iteration);
    if (p.trial == 1 && p.iteration == 5) queue.stop_trial(1);  // like Experiment Manager's Stop
  });
  parallel::pool pool{parallel::cpu_workers(2)};
  std::vector<std::future<int>> futures;
  for (int t = 0; t < trials; ++t)
    futures.push_back(pool.submit(
        [](context& ctx, std::function<bool(const training_progress&)> output_fn) {
          training_progress p;
          p.max_iterations = max_iterations;
          int it = 0;
          for (; it < max_iterations && !ctx.stop_requested(); ++it) {
            p.iteration = it + 1;
            p.state = training_state::iteration;
            if (output_fn(p)) break;
            std::this_thread::sleep_for(100us);
          }
          p.state = training_state::done;
          output_fn(p);
          return it;
        },
        queue.sender(t)));
  const auto ran = parallel::fetch_outputs(futures);
  queue.close();
  for (int t = 0; t < trials; ++t) {
    const auto& s = seen[std::size_t(t)];
    CHECK(std::is_sorted(s.begin(), s.end()));
    if (t == 1) {
      CHECK(ran[1] < max_iterations);  // stopped early (the callback runs a little behind)
    } else {
      CHECK(ran[std::size_t(t)] == max_iterations);
      CHECK(s.size() == std::size_t(max_iterations) + 1);
    }
  }
}
