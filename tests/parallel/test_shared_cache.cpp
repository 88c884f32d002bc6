// core/shared_cache.hpp and core/fingerprint.hpp: how workers on one device share their
// uploaded training images. Here (label parallel) so that CI also runs it under TSan.
#include <doctest/doctest.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "partrain/core/fingerprint.hpp"
#include "partrain/core/shared_cache.hpp"

using namespace partrain;

namespace {
struct resource {
  int key;
  explicit resource(int k) : key(k) {}
};
}  // namespace

TEST_CASE("shared_cache: one object per key while held, made once, gone with its last holder") {
  shared_cache<int, resource> cache;
  int made = 0;
  auto make = [&](int k) { return [&made, k] { ++made; return std::make_shared<const resource>(k); }; };
  auto a = cache.get(1, make(1));
  auto b = cache.get(1, make(1));
  auto c = cache.get(2, make(2));
  CHECK(a == b);
  CHECK(a != c);
  CHECK(c->key == 2);
  CHECK(made == 2);
  CHECK(cache.size() == 2);
  std::weak_ptr<const resource> was = a;
  a.reset(), b.reset();
  CHECK(was.expired());  // the cache does not keep it alive
  CHECK(cache.size() == 1);
  auto again = cache.get(1, make(1));
  CHECK(made == 3);
  CHECK(again->key == 1);
}

TEST_CASE("shared_cache: a make that throws keeps nothing, and the next caller makes it") {
  shared_cache<std::string, resource> cache;
  CHECK_THROWS_WITH_AS(cache.get("x", []() -> std::shared_ptr<const resource> { throw std::runtime_error("no device memory"); }),
                       "no device memory", std::runtime_error);
  CHECK(cache.size() == 0);
  auto r = cache.get("x", [] { return std::make_shared<const resource>(7); });
  CHECK(r->key == 7);
}

TEST_CASE("shared_cache: threads asking at once for one key get one object, made once") {
  shared_cache<int, resource> cache;
  constexpr int threads = 8;
  std::atomic<int> made{0};
  std::vector<std::shared_ptr<const resource>> got(threads);
  std::barrier start(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      start.arrive_and_wait();
      got[t] = cache.get(t % 2, [&] {
        ++made;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // others arrive while it is made
        return std::make_shared<const resource>(t % 2);
      });
    });
  for (auto& w : workers) w.join();
  CHECK(made == 2);
  for (int t = 0; t < threads; ++t) {
    CHECK(got[t] == got[t % 2]);
    CHECK(got[t]->key == t % 2);
  }
}

TEST_CASE("fingerprint: equal data agree; any change, order or piece boundary differs") {
  std::vector<float> pixels(1001);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = float(i % 17) / 16;
  auto of = [](const std::vector<float>& v) { return fingerprint().add(std::span<const float>(v)).value(); };
  const std::uint64_t base = of(pixels);
  CHECK(of(std::vector<float>(pixels)) == base);
  auto changed = pixels;
  changed[1000] = 0.5f;  // in the tail word
  CHECK(of(changed) != base);
  changed = pixels;
  changed[3] = std::nextafter(changed[3], 2.0f);  // one bit
  CHECK(of(changed) != base);
  changed = pixels;
  std::swap(changed[0], changed[1]);
  CHECK(of(changed) != base);
  changed = pixels;
  changed.push_back(0);  // one more zero
  CHECK(of(changed) != base);
  const char abc[] = "abc";
  CHECK(fingerprint().add(abc, 2).add(abc + 2, 1).value() != fingerprint().add(abc, 1).add(abc + 1, 2).value());
  CHECK(fingerprint().add_value(1).value() != fingerprint().add_value(2).value());
  CHECK(fingerprint().value() != fingerprint().add(abc, 0).value());
}
