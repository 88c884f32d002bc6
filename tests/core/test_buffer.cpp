// buffer<V> and tensor memory spaces on the host, and the CPU side of what a GPU run uses:
// copy/sum_of_squares ops, the metrics queue, the step graph stand-in, batch_reader(ctx) and
// batch_source.
#include <doctest/doctest.h>

#include <numeric>
#include <vector>

#include "partrain/core/buffer.hpp"
#include "partrain/data/data_source.hpp"
#include "partrain/backend/ops.hpp"
#include "partrain/train/batch_reader.hpp"
#include "partrain/train/batch_source.hpp"
#include "partrain/backend/metrics_queue.hpp"
#include "partrain/backend/step_graph.hpp"

using namespace partrain;

TEST_CASE("buffer: zero on growth, keeps its allocation, copies and moves") {
  buffer<int> b(5);
  CHECK(b.size() == 5);
  CHECK(b.on_host());
  CHECK(&b.space() == &host_memory);
  for (std::size_t i = 0; i < 5; ++i) CHECK(b.data()[i] == 0);
  std::iota(b.data(), b.data() + 5, 1);
  const int* at = b.data();
  b.resize(3);  // smaller: same allocation, contents kept
  CHECK(b.data() == at);
  CHECK(b.data()[2] == 3);
  b.resize(5);
  CHECK(b.data() == at);
  buffer<int> c = b;  // a deep copy in the same space
  CHECK(c.data() != b.data());
  CHECK(std::vector<int>(c.data(), c.data() + 5) == std::vector<int>{1, 2, 3, 4, 5});
  b.data()[0] = 9;
  CHECK(c.data()[0] == 1);
  buffer<int> d = std::move(c);
  CHECK(c.data() == nullptr);
  CHECK(c.size() == 0);
  CHECK(d.data()[4] == 5);
  d.to(host_memory);  // same space: nothing moves
  CHECK(d.data()[4] == 5);
  d.ensure(host_memory, 100);  // grows: a new, zeroed allocation
  CHECK(d.size() == 100);
  CHECK(d.data()[99] == 0);
}

TEST_CASE("tensor: host memory by default, 64-byte aligned, resize keeps the space") {
  tensor<float> t({2, 3, 4, 5});
  CHECK(t.on_host());
  CHECK(reinterpret_cast<std::uintptr_t>(t.data()) % 64 == 0);
  t.fill(2);
  tensor<float> u = t;
  CHECK(u.extents() == t.extents());
  CHECK(u[119] == 2);
  u.resize({1, 3, 4, 5}, host_memory);
  CHECK(u.size() == 60);
  CHECK(&u.space() == &host_memory);
}

TEST_CASE("copy and sum_of_squares ops on a CPU context") {
  context ctx;
  const std::vector<double> x{1, -2, 3};
  std::vector<double> y(3);
  backend::copy(ctx, x.data(), 3, y.data());
  CHECK(y == x);
  CHECK(backend::sum_of_squares(ctx, 3, x.data()) == 14.0);
  double m[2];
  const std::vector<float> p{0.25f, 0.75f, 0.9f, 0.1f};
  const std::vector<int> labels{1, 1};
  backend::batch_metrics(ctx, 2, 2, p.data(), labels.data(), m);
  CHECK(m[0] == doctest::Approx((-std::log(0.75) - std::log(0.1)) / 2).epsilon(1e-6));
  CHECK(m[1] == 1);
  // The divergence flag: left as it is for a finite loss, set for a non-finite one, and kept.
  int diverged = 0;
  backend::batch_metrics(ctx, 2, 2, p.data(), labels.data(), m, &diverged);
  CHECK(diverged == 0);
  const std::vector<float> nan_p{std::nanf(""), std::nanf(""), 0.9f, 0.1f};
  backend::batch_metrics(ctx, 2, 2, nan_p.data(), labels.data(), m, &diverged);
  CHECK(std::isnan(m[0]));
  CHECK(diverged == 1);
  backend::batch_metrics(ctx, 2, 2, p.data(), labels.data(), m, &diverged);
  CHECK(diverged == 1);
}

TEST_CASE("metrics_queue on the CPU: every slot is ready at once and reads back what was written") {
  context ctx;
  backend::metrics_queue q(ctx);
  for (std::int64_t i = 1; i <= 3 * backend::metrics_queue::depth; ++i) {
    double* s = q.slot(i);
    s[0] = double(i), s[1] = double(2 * i);
    q.queued(i);
    REQUIRE(q.ready(i));
    const auto m = q.read(i);
    CHECK(m[0] == double(i));
    CHECK(m[1] == double(2 * i));
  }
}

TEST_CASE("step_graph on the CPU runs the step each time and records nothing") {
  context ctx;
  backend::step_graph g;
  int runs = 0;
  for (int i = 0; i < 3; ++i) g.run(ctx, [&] { ++runs; });
  CHECK(runs == 3);
  CHECK(g.recordings() == 0);
  CHECK(g.invalidated() == 0);
}

TEST_CASE("batch_reader with a CPU context reads into host memory and checks nothing more") {
  data::image_set s;
  s.image = {1, 1, 2, 2};
  s.classes = {"a", "b"};
  s.push_back(std::vector<float>{1, 2, 3, 4}, 1);
  s.push_back(std::vector<float>{5, 6, 7, 8}, 0);
  context ctx;
  batch_reader<float> r;
  const std::vector<std::size_t> idx{1, 0};
  r.read(ctx, s, idx, 0, s.image_dims(), 2);
  CHECK(r.images().on_host());
  CHECK(r.images()[0] == 5);
  CHECK(r.images()[4] == 1);
  CHECK(std::vector<int>(r.labels().begin(), r.labels().end()) == std::vector<int>{0, 1});
  CHECK(r.labels().data() == r.host_labels().data());
}

TEST_CASE("batch_source on a CPU context: batches follow the epoch's order; one beyond it is named") {
  data::image_set s;
  s.image = {1, 1, 1, 2};
  s.classes = {"a", "b", "c"};
  for (int i = 0; i < 6; ++i) s.push_back(std::vector<float>{float(i), float(10 * i)}, i % 3);
  context ctx;
  batch_source<double> batches(ctx, s, 3);
  const std::vector<std::size_t> order{4, 1, 5, 0, 2, 3};
  batches.start_epoch(order, 2, 0);
  batches.read(2, 2);  // images 5 and 0
  CHECK(batches.images().extents() == dims{2, 1, 1, 2});
  CHECK(std::vector<double>(batches.images().data(), batches.images().data() + 4) == std::vector<double>{5, 50, 0, 0});
  CHECK(std::vector<int>(batches.labels().begin(), batches.labels().end()) == std::vector<int>{2, 0});
  CHECK_THROWS_WITH_AS(batches.read(5, 2), "[partrain::batch_source] batch [5, 7) is outside the epoch's 6 images",
                       error);
}
