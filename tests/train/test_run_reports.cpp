// What a run tells its user: the verbose table's elapsed time, the final progress message's
// figures, why it stopped (with advice when it diverged), and an output_fn that throws.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "partrain/partrain.hpp"
#include "toy_data.hpp"

using namespace partrain;
using test::small_cnn;

TEST_CASE("the verbose table's Time Elapsed column shows the time elapsed") {
  const auto train = test::blobs(64, 1);
  std::ostringstream table;
  train_network<small_cnn>(train, training_options<>{.max_epochs = 1, .mini_batch_size = 16, .verbose = true,
                                                     .verbose_frequency = 1, .verbose_stream = &table,
                                                     .output_fn = [](const training_progress& p) {
                                                       if (p.iteration == 2)  // rows from iteration 3 on are >= 1 s
                                                         std::this_thread::sleep_for(std::chrono::milliseconds(1100));
                                                       return false;
                                                     }});
  INFO(table.str());
  CHECK(table.str().find("|       00:00:00 |") != std::string::npos);  // iteration 1
  CHECK(table.str().find("|       00:00:01 |") != std::string::npos);  // iterations 3 and 4
}

TEST_CASE("the done message carries the final validation figures (population statistics)") {
  const auto train = test::blobs(64, 1), val = test::blobs(32, 2);
  std::vector<training_progress> seen;
  auto r = train_network<small_cnn>(train, training_options<>{.max_epochs = 2, .mini_batch_size = 16,
                                                              .validation_data = &val, .validation_frequency = 8,
                                                              .verbose = false,
                                                              .output_fn = [&](const training_progress& p) {
                                                                seen.push_back(p);
                                                                return false;
                                                              }});
  REQUIRE(seen.back().state == training_state::done);
  const training_progress& last_iteration = seen[seen.size() - 2];
  REQUIRE(last_iteration.iteration == 8);
  // Moving batch-norm statistics during training, population statistics at the end: they differ.
  REQUIRE(last_iteration.validation_loss != r.info.final_validation_loss);
  CHECK(seen.back().validation_loss == r.info.final_validation_loss);
  CHECK(seen.back().validation_accuracy == r.info.final_validation_accuracy);
}

TEST_CASE("a diverged run says so without verbose: the iteration, the loss and what to try") {
  const auto train = test::blobs(64, 1);
  std::ostringstream table;
  auto options = training_options<>{.initial_learn_rate = 1e30, .max_epochs = 5, .mini_batch_size = 16,
                                    .l2_regularization = 0, .verbose = false};
  auto r = train_network<small_cnn>(train, options);
  REQUIRE(r.info.stop_reason == stop_reason::diverged);
  CHECK(r.info.diverged_iteration == r.info.iterations());
  const std::string& m = r.info.stop_message;
  INFO(m);
  CHECK(m.find("at iteration " + std::to_string(r.info.diverged_iteration)) != std::string::npos);
  CHECK(m.find("initial_learn_rate (now 1e+30)") != std::string::npos);
  CHECK(m.find("gradient_threshold") != std::string::npos);
  options.verbose = true;
  options.verbose_stream = &table;
  train_network<small_cnn>(train, options);
  CHECK(table.str().find("Training finished: diverged. " + m + ".") != std::string::npos);
  // Other reasons say what happened too.
  auto full = train_network<small_cnn>(train, training_options<>{.max_epochs = 1, .mini_batch_size = 16, .verbose = false});
  CHECK(full.info.stop_message == "max_epochs (1) completed");
  CHECK(full.info.diverged_iteration == 0);
}

namespace test {
using small_cnn_wide = models::digit_cnn<4, 1, 8, 8, 1, 2>;
}

TEST_CASE("an output_fn that throws: training_error with where, the run so far, and a final failed message") {
  const auto train = test::blobs(64, 1);
  std::vector<training_progress> seen;
  const auto options = training_options<>{.max_epochs = 5, .mini_batch_size = 16, .verbose = false,
                                          .output_fn = [&](const training_progress& p) {
                                            seen.push_back(p);
                                            if (p.state == training_state::iteration && p.iteration == 6)
                                              throw std::runtime_error("dashboard disconnected");
                                            return false;
                                          }};
  try {
    train_network<small_cnn>(train, options);
    FAIL("expected training_error");
  } catch (const training_error& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find("output_fn threw at iteration 6 (epoch 2): dashboard disconnected") != std::string::npos);
    CHECK(what.find(small_cnn::description()) != std::string::npos);
    CHECK(e.info.iterations() == 6);
    CHECK(e.info.stop_reason == stop_reason::failed);
    CHECK(e.info.output_network_iteration == 6);
    CHECK(e.network<test::small_cnn_wide>() == nullptr);  // not the network it trained
    REQUIRE(e.network<small_cnn>() != nullptr);
    CHECK_THROWS_WITH_AS(std::rethrow_exception(e.cause), "dashboard disconnected", std::runtime_error);
    // The network is the one iteration 6 left: training the same run to iteration 6 gives it.
    auto six = train_network<small_cnn>(train, training_options<>{.max_epochs = 5, .mini_batch_size = 16,
                                                                  .batch_normalization_statistics = batch_norm_statistics::moving,
                                                                  .verbose = false,
                                                                  .output_fn = [](const training_progress& p) {
                                                                    return p.iteration == 6;
                                                                  }});
    CHECK(std::memcmp(six.network.parameters().data(), e.network<small_cnn>()->parameters().data(),
                      small_cnn::parameter_count * sizeof(float)) == 0);
  }
  REQUIRE(seen.size() == 8);  // start, 6 iterations, failed
  CHECK(seen.back().state == training_state::failed);
  CHECK(seen.back().iteration == 6);
}
