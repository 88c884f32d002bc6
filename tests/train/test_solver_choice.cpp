// A solver chosen at run time trains bit for bit as the solver it holds, is recorded and
// checkpointed under that solver's name, and resumes exactly; bad choices are clear errors.
#include <doctest/doctest.h>

#include <string>

#include "../io/temp_dir.hpp"
#include "partrain/io.hpp"
#include "partrain/partrain.hpp"
#include "resume_scenarios.hpp"

namespace pt = partrain;

namespace {
template <class Solver>
pt::training_options<Solver> choice_test_options(Solver solver, double learn_rate) {
  return {.solver = solver, .initial_learn_rate = learn_rate, .max_epochs = 2, .mini_batch_size = 8,
          .shuffle = pt::shuffle_mode::every_epoch, .verbose = false, .seed = 9};
}

template <class Solver>
void check_same_as(Solver solver, double learn_rate) {
  const auto data = test::blobs(48, 4);
  const auto fixed = pt::train_network<test::small_cnn>(data, choice_test_options(solver, learn_rate));
  const auto chosen =
      pt::train_network<test::small_cnn>(data, choice_test_options(pt::optim::solver_choice(solver), learn_rate));
  CHECK(test::result_fingerprint(chosen) == test::result_fingerprint(fixed));
  // Recorded as the solver it holds, with its hyper-parameters.
  REQUIRE(chosen.options.values.size() == fixed.options.values.size());
  for (std::size_t i = 0; i < fixed.options.values.size(); ++i) {
    CHECK(chosen.options.values[i].name == fixed.options.values[i].name);
    CHECK(chosen.options.values[i].value == fixed.options.values[i].value);
  }
  CHECK(std::get<std::string>(chosen.options.find("solver")->value) == Solver::name);
}
}  // namespace

TEST_CASE("solver_choice trains bit for bit as the solver it holds, and is recorded as that solver") {
  check_same_as(pt::optim::sgdm{.momentum = 0.8}, 0.05);
  check_same_as(pt::optim::adam{.gradient_decay_factor = 0.85}, 0.01);
  check_same_as(pt::optim::rmsprop{}, 0.005);
  CHECK(pt::optim::solver_choice::named("adam").chosen_name() == "adam");
  CHECK(pt::optim::solver_choice::named("rmsprop").chosen_default_learn_rate() == 0.001);
}

TEST_CASE("solver_choice checkpoints under the chosen solver's name and resumes bit for bit") {
  pt::test::temp_dir dir("solver-choice");
  const auto data = test::blobs(48, 4);
  auto options = choice_test_options(pt::optim::solver_choice(pt::optim::adam{}), 0.01);
  const auto reference = pt::train_network<test::small_cnn>(data, options);
  options.checkpoint_path = dir.path / "run";
  pt::train_network<test::small_cnn>(data, options);
  const auto first = pt::io::list_checkpoints(dir.path / "run").front();
  auto resumed = options;
  resumed.checkpoint_path = dir.path / "again";
  resumed.resume_from = first;
  CHECK(test::result_fingerprint(pt::train_network<test::small_cnn>(data, resumed)) ==
        test::result_fingerprint(reference));
  // The same checkpoint under a plain adam resumes too: the files are adam's.
  auto plain = choice_test_options(pt::optim::adam{}, 0.01);
  plain.resume_from = first;
  CHECK(test::result_fingerprint(pt::train_network<test::small_cnn>(data, plain)) ==
        test::result_fingerprint(reference));
  // Another chosen solver is named.
  resumed.solver = pt::optim::sgdm{};
  CHECK_THROWS_WITH_AS(pt::train_network<test::small_cnn>(data, resumed), doctest::Contains("sgdm"),
                       pt::config_error);
}

TEST_CASE("solver_choice: an unknown name and an unset learn rate are clear errors") {
  CHECK_THROWS_WITH_AS(pt::optim::solver_choice::named("nadam"),
                       "[partrain::optim::solver_choice] no solver named 'nadam'; expected sgdm, adam or rmsprop",
                       pt::config_error);
  const pt::training_options<pt::optim::solver_choice> options{.solver = pt::optim::adam{}, .verbose = false};
  CHECK_THROWS_WITH_AS(options.validate(), doctest::Contains("initial_learn_rate is not set"), pt::config_error);
  CHECK_THROWS_WITH_AS(options.validate(), doctest::Contains("0.001, the default of the chosen 'adam'"),
                       pt::config_error);
  auto bad = options;
  bad.initial_learn_rate = 0.01;
  bad.solver = pt::optim::sgdm{.momentum = 1.5};
  CHECK_THROWS_WITH_AS(bad.validate(), doctest::Contains("momentum is 1.5"), pt::config_error);
}
