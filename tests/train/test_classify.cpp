// classify and accuracy.
#include <doctest/doctest.h>

#include "partrain/partrain.hpp"
#include "partrain/report/confusion_matrix.hpp"
#include "toy_data.hpp"

using namespace partrain;

TEST_CASE("classify returns one label and one probability row per image") {
  const auto data = test::blobs(10, 3);
  test::small_cnn net(1);
  const auto p = classify(net, data, 4);  // batches of 4, 4, 2
  REQUIRE(p.size() == 10);
  CHECK(p.truth == data.labels);
  CHECK(p.class_names == data.classes);
  for (std::size_t i = 0; i < p.size(); ++i) {
    CHECK(p.score(i, 0) + p.score(i, 1) == doctest::Approx(1));
    CHECK(p.predicted[i] == (p.score(i, 1) > p.score(i, 0) ? 1 : 0));
  }
  predictions manual{.predicted = {0, 1, 1, 0}, .truth = {0, 1, 0, 0}};
  CHECK(accuracy_fraction(manual) == 0.75);
  CHECK(accuracy_percent(manual) == 75.0);
}

TEST_CASE("the confusion matrix of predictions counts truth against prediction") {
  predictions p{.predicted = {0, 1, 1, 0, 1}, .truth = {0, 1, 0, 0, 1}, .class_names = {"a", "b"}};
  const auto cm = report::confusion_matrix::from(p);
  CHECK(cm.count(0, 0) == 2);
  CHECK(cm.count(0, 1) == 1);
  CHECK(cm.count(1, 1) == 2);
  CHECK(cm.count(1, 0) == 0);
  CHECK(cm.accuracy() == doctest::Approx(80));
}
