// Built with -O0: training says once, on std::clog, that the program is unoptimised.
#include <doctest/doctest.h>

#include <iostream>
#include <sstream>

#include "partrain/partrain.hpp"
#include "toy_data.hpp"

#ifdef __OPTIMIZE__
#error "test_unoptimized must be compiled without optimisation"
#endif

TEST_CASE("an unoptimised build says so once at run time") {
  std::ostringstream captured;
  auto* old = std::clog.rdbuf(captured.rdbuf());
  const auto train = test::blobs(32, 1);
  const auto options = partrain::training_options<>{.max_epochs = 1, .mini_batch_size = 16, .verbose = false};
  partrain::train_network<test::small_cnn>(train, options);
  partrain::train_network<test::small_cnn>(train, options);
  std::clog.rdbuf(old);
  const std::string text = captured.str();
  INFO(text);
  CHECK(text.find("compiled without optimisation, so training runs about 14x slower") != std::string::npos);
  CHECK(text.find("CMAKE_BUILD_TYPE=Release") != std::string::npos);
  CHECK(text.find("without optimisation") == text.rfind("without optimisation"));  // once
}
