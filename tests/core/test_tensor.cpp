#include <doctest/doctest.h>

#include <cstdint>

#include "partrain/backend/context.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/tensor.hpp"

using namespace partrain;

TEST_CASE_TEMPLATE("tensor is aligned, NCHW-indexed and keeps its allocation", T, float, double) {
  tensor<T> t({2, 3, 4, 5});
  CHECK(t.size() == 120);
  CHECK(reinterpret_cast<std::uintptr_t>(t.data()) % 64 == 0);
  t.at(1, 2, 3, 4) = T(7);
  CHECK(t[119] == T(7));
  CHECK(t.image(1) == t.data() + 60);
  const T* before = t.data();
  t.resize({1, 3, 4, 5});
  CHECK(t.data() == before);  // shrinking keeps the buffer
  tensor<T> copy = t;
  CHECK(copy.extents() == dims{1, 3, 4, 5});
}

TEST_CASE("context workspace grows and is reused") {
  context ctx;
  float* a = ctx.workspace<float>(100);
  float* b = ctx.workspace<float>(50);
  CHECK(a == b);
  CHECK(ctx.device().is_cpu());
  CHECK_FALSE(ctx.stop_requested());
}

TEST_CASE("PARTRAIN_CHECK throws the named error with the message") {
  auto f = [](int v) { PARTRAIN_CHECK(v > 0, config_error, "[partrain::x] v is ", v, "; expected > 0"); };
  CHECK_NOTHROW(f(1));
  CHECK_THROWS_WITH_AS(f(-2), "[partrain::x] v is -2; expected > 0", config_error);
}
