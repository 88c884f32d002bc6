// Early stopping: validation patience, output_fn, cancellation, divergence; best-network output.
#include <doctest/doctest.h>

#include <cmath>
#include <stop_token>
#include <vector>

#include "partrain/partrain.hpp"
#include "toy_data.hpp"

using namespace partrain;
using test::small_cnn;

TEST_CASE("validation patience stops when validation loss stops improving") {
  // Validation labels are flipped: the better the network learns, the worse they look.
  const auto train = test::blobs(128, 1), flipped = test::blobs(64, 2, true);
  auto r = train_network<small_cnn>(train, training_options<>{.max_epochs = 20, .mini_batch_size = 16,
                                                              .validation_data = &flipped,
                                                              .validation_frequency = 2,
                                                              .validation_patience = 3, .verbose = false});
  CHECK(r.info.stop_reason == stop_reason::validation_patience);
  CHECK(r.info.iterations() < 20 * 8);
  // The last three validations did not beat the best before them.
  std::vector<double> v;
  for (double x : r.info.validation_loss)
    if (!std::isnan(x)) v.push_back(x);
  REQUIRE(v.size() >= 4);
  const double best_before = *std::min_element(v.begin(), v.end() - 3);
  for (auto it = v.end() - 3; it != v.end(); ++it) CHECK(*it >= best_before);
}

TEST_CASE("output_network best_validation_loss returns the weights of the best validation") {
  const auto train = test::blobs(128, 1), flipped = test::blobs(64, 2, true);
  auto r = train_network<small_cnn>(train, training_options<>{.max_epochs = 3, .mini_batch_size = 16,
                                                              .validation_data = &flipped,
                                                              .validation_frequency = 3,
                                                              .output_network = output_network_mode::best_validation_loss,
                                                              .batch_normalization_statistics = batch_norm_statistics::moving,
                                                              .verbose = false});
  const auto& loss = r.info.validation_loss;
  int best = 0;
  for (int i = 0; i < int(loss.size()); ++i)
    if (!std::isnan(loss[i]) && (best == 0 || loss[i] < loss[best - 1])) best = i + 1;
  CHECK(r.info.output_network_iteration == best);
  CHECK(best < r.info.iterations());
  context ctx;
  CHECK(evaluate(r.network, ctx, flipped, 16).loss == doctest::Approx(loss[best - 1]).epsilon(1e-6));
  CHECK(r.info.final_validation_loss == doctest::Approx(loss[best - 1]).epsilon(1e-6));
}

TEST_CASE("output_fn sees start, every iteration and done, and stops training by returning true") {
  const auto train = test::blobs(64, 1);
  std::vector<training_progress> seen;
  auto r = train_network<small_cnn>(train, training_options<>{
                                               .max_epochs = 5, .mini_batch_size = 16, .verbose = false,
                                               .output_fn = [&](const training_progress& p) {
                                                 seen.push_back(p);
                                                 return p.iteration == 6;
                                               }});
  CHECK(r.info.stop_reason == stop_reason::output_fn);
  CHECK(r.info.iterations() == 6);
  REQUIRE(seen.size() == 8);
  CHECK(seen.front().state == training_state::start);
  CHECK(seen[1].state == training_state::iteration);
  CHECK(seen[1].iteration == 1);
  CHECK(seen[6].epoch == 2);
  CHECK(seen[6].iterations_per_epoch == 4);
  CHECK(std::isfinite(seen[6].training_loss));
  CHECK(seen.back().state == training_state::done);
}

TEST_CASE("a stop request on the context cancels within one iteration") {
  const auto train = test::blobs(64, 1);
  std::stop_source stop;
  context ctx(device::cpu(), 0, stop.get_token());
  auto r = train_network<small_cnn>(train, training_options<>{
                                               .max_epochs = 5, .mini_batch_size = 16, .verbose = false,
                                               .output_fn = [&](const training_progress& p) {
                                                 if (p.iteration == 3) stop.request_stop();
                                                 return false;
                                               }},
                                    ctx);
  CHECK(r.info.stop_reason == stop_reason::cancelled);
  CHECK(r.info.iterations() == 3);
}

TEST_CASE("a diverging loss stops with stop_reason diverged, without a crash") {
  const auto train = test::blobs(64, 1);
  auto r = train_network<small_cnn>(train, training_options<>{.initial_learn_rate = 1e30, .max_epochs = 5,
                                                              .mini_batch_size = 16, .l2_regularization = 0,
                                                              .verbose = false});
  CHECK(r.info.stop_reason == stop_reason::diverged);
  CHECK_FALSE(std::isfinite(r.info.training_loss.back()));
  CHECK(r.info.iterations() < 20);
  CHECK(r.info.output_network_iteration == r.info.iterations() - 1);
}
