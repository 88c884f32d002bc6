// confusion_matrix: counts, accuracy, recall, precision, and index checks.
#include <doctest/doctest.h>

#include <cmath>

#include "partrain/report/confusion_matrix.hpp"

using partrain::report::confusion_matrix;

TEST_CASE("confusion_matrix counts and summaries") {
  confusion_matrix cm({"cat", "dog", "bird"});
  cm.add(0, 0, 8);
  cm.add(0, 1, 2);
  cm.add(1, 1, 5);
  cm.add(2, 0);
  CHECK(cm.classes() == 3);
  CHECK(cm.total() == 16);
  CHECK(cm.count(0, 1) == 2);
  CHECK(cm.support(0) == 10);
  CHECK(cm.predicted_count(0) == 9);
  CHECK(cm.accuracy() == doctest::Approx(100.0 * 13 / 16));
  CHECK(cm.recall(0) == doctest::Approx(80));
  CHECK(cm.recall(1) == doctest::Approx(100));
  CHECK(cm.recall(2) == doctest::Approx(0));
  CHECK(cm.precision(0) == doctest::Approx(100.0 * 8 / 9));
  CHECK(cm.precision(1) == doctest::Approx(100.0 * 5 / 7));
  CHECK(std::isnan(cm.precision(2))); // nothing predicted as bird
  CHECK(std::isnan(confusion_matrix({"a"}).accuracy()));
}

TEST_CASE("confusion_matrix rejects bad indices and empty class lists") {
  confusion_matrix cm({"a", "b"});
  CHECK_THROWS_WITH_AS(cm.add(2, 0), doctest::Contains("true class 2 is outside [0, 2)"),
                       partrain::config_error);
  CHECK_THROWS_WITH_AS(cm.add(0, -1), doctest::Contains("predicted class -1 is outside [0, 2)"),
                       partrain::config_error);
  CHECK_THROWS_AS(confusion_matrix({}), partrain::config_error);
}
