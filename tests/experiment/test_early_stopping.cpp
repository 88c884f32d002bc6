// Early stopping in an experiment: ASHA stops weak trials at their rungs (each keeps its
// network and a history that is its full run's up to the stop), a trial that diverges before
// its first rung records none, every decision is journaled once and replays; with one worker
// an interrupted experiment whose checkpoints were lost resumes to the uninterrupted result;
// bad settings and resuming with another scheduler are named.
#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "../io/temp_dir.hpp"
#include "experiment_scenario.hpp"
#include "rung_checks.hpp"
#include "partrain/io.hpp"

namespace pt = partrain;
namespace ex = partrain::experiment;
namespace fs = std::filesystem;

namespace {
struct fixture {
  pt::data::image_set train = test::blobs(48, 4), validation = test::blobs(16, 5);
  // Rungs at epochs 1 and 2 of the trials' 3; the median of the others' validation loss.
  ex::scheduler asha = test::experiment_asha();
  ex::trial_plan plan = test::experiment_plan(8);
  test::train_trial trial{&train, &validation, 0, 0};  // trial 0 diverges at once

  ex::experiment_result run(const fs::path& folder, const ex::scheduler& s, int workers,
                            std::ostream* table = nullptr) const {
    pt::parallel::pool pool{pt::parallel::cpu_workers(workers)};
    return ex::run_experiment<test::experiment_architectures>(pool, plan, {.folder = folder, .scheduler = s, .table = table},
                                                              trial);
  }
};

using test::check_rung_journal;
using test::prefix_of;
using test::rung_records;
}  // namespace

TEST_CASE_FIXTURE(fixture, "ASHA stops weak trials at rungs; each keeps its network and its full run's history up to the stop") {
  pt::test::temp_dir dir("early-stopping");
  const auto full = run(dir.path / "fifo", ex::fifo{}, 2);
  std::ostringstream table;
  for (const int workers : {1, 2}) {  // with 2 the decisions depend on which trial reaches a rung first
    CAPTURE(workers);
    const fs::path folder = dir.path / ("asha-" + std::to_string(workers));
    const auto result = run(folder, asha, workers, workers == 1 ? &table : nullptr);
    int stopped_at_rungs = 0;
    for (const auto& t : result.trials) {
      CAPTURE(t.trial.index);
      REQUIRE(t.ended());
      CHECK(prefix_of(t.info.training_loss, full.trials[t.trial.index].info.training_loss));
      CHECK(prefix_of(t.info.validation_loss, full.trials[t.trial.index].info.validation_loss));
      if (!t.stop_reason.starts_with("asha: rung ")) continue;
      ++stopped_at_rungs;
      CHECK(t.status == ex::trial_status::stopped);
      CHECK(t.info.iterations() < full.trials[t.trial.index].info.iterations());
      CHECK(fs::exists(t.folder / "network.safetensors"));
      const auto info = pt::io::read_training_info_json(t.folder / "training_info.json");
      CHECK(info.stop_message == t.stop_reason);
    }
    CHECK(stopped_at_rungs >= 1);
    CHECK(result.count(ex::trial_status::finished) >= 1);
    // Trial 0 diverged at its first iteration: stopped, with no rung record; trial 1 was
    // first at rung 0 with one worker, and continued.
    CHECK(result.trials[0].stop_reason == "diverged");
    const auto rungs = rung_records(folder);
    CHECK(std::ranges::none_of(rungs, [](const auto& r) { return r.trial == 0; }));
    if (workers == 1) {
      REQUIRE(!rungs.empty());
      CHECK(rungs[0].trial == 1);
      CHECK(rungs[0].compared_with == 0);
      CHECK(!rungs[0].stop);
    }
    check_rung_journal(folder, asha);
  }
  // The table has a rung column and says why a trial stopped.
  const std::string lines = table.str();
  CHECK(lines.find("trial  status      progress  rung              validation_accuracy") != std::string::npos);
  CHECK(lines.find("stopped: validation_accuracy") != std::string::npos);
  CHECK(lines.find("(asha: rung ") != std::string::npos);
}

TEST_CASE_FIXTURE(fixture, "one worker: ASHA interrupted, its trial's checkpoints lost, resumed equals the uninterrupted run") {
  pt::test::temp_dir dir("early-stopping-resume");
  const auto whole = run(dir.path / "whole", asha, 1);
  // The trial with the longest run, interrupted in its last epoch (after both rungs) ...
  std::size_t longest = 1;
  for (const auto& t : whole.trials)
    if (t.info.iterations() > whole.trials[longest].info.iterations()) longest = t.trial.index;
  REQUIRE(whole.trials[longest].info.iterations() == 18);
  auto interrupting = *this;
  interrupting.trial.interrupting = longest, interrupting.trial.interrupt_after = 15;
  const auto cut = interrupting.run(dir.path / "cut", asha, 1);
  pt::clear_interrupt();
  REQUIRE(cut.trials[longest].status == ex::trial_status::running);
  // ... and its checkpoints lost: it starts again from nothing and passes both rungs again.
  fs::remove_all(dir.path / "cut" / pt::io::trial_folder_name(longest + 1, 8) / "checkpoints");
  const auto resumed = run(dir.path / "cut", asha, 1);
  for (const auto& t : resumed.trials) {
    CAPTURE(t.trial.index);
    const auto& w = whole.trials[t.trial.index];
    CHECK(t.status == w.status);
    CHECK(t.stop_reason == w.stop_reason);
    CHECK(t.rung == w.rung);
    CHECK(prefix_of(t.info.training_loss, w.info.training_loss));
    CHECK(t.info.iterations() == w.info.iterations());
  }
  const auto a = rung_records(dir.path / "whole"), b = rung_records(dir.path / "cut");
  REQUIRE(a.size() == b.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    CAPTURE(k);
    CHECK(a[k].trial == b[k].trial);
    CHECK(a[k].rung == b[k].rung);
    CHECK(a[k].value == b[k].value);
    CHECK(a[k].stop == b[k].stop);
  }
  check_rung_journal(dir.path / "cut", asha);
}

TEST_CASE_FIXTURE(fixture, "bad scheduler settings, a metric the trials cannot give, and another scheduler on resume are named") {
  pt::test::temp_dir dir("early-stopping-bad");
  CHECK_THROWS_WITH_AS(run(dir.path / "eta", ex::asha{.reduction_factor = 1}, 1),
                       doctest::Contains("reduction_factor (eta) is 1; expected at least 2"), pt::config_error);
  CHECK(!fs::exists(dir.path / "eta"));
  // Validation loss with no validation data: each trial fails, saying what to give.
  auto blind = *this;
  blind.trial.validation = nullptr;
  blind.plan = test::experiment_plan(2);
  const auto failed = blind.run(dir.path / "blind", asha, 1);
  CHECK(failed.count(ex::trial_status::failed) == 2);
  CHECK(failed.trials[1].error.find("the scheduler asha's metric is validation_loss but the training options have no "
                                    "validation_data") != std::string::npos);
  // A first rung after the trials' last epoch: no trial could ever be stopped.
  const auto late = blind.run(dir.path / "late", ex::asha{.metric = "training_loss", .grace_period = 4}, 1);
  CHECK(late.trials[1].error.find("its first decision comes at epoch 4, not before the trial's max_epochs (3)") !=
        std::string::npos);
  // Resuming with other settings, or another scheduler.
  CHECK_THROWS_WITH_AS(blind.run(dir.path / "late", ex::asha{.metric = "training_loss", .grace_period = 2}, 1),
                       doctest::Contains("its scheduler or its settings differs; the journal has \"asha(metric="
                                         "training_loss, goal=min, unit=epochs, max_t=100, grace_period=4"),
                       pt::config_error);
  CHECK_THROWS_WITH_AS(blind.run(dir.path / "late", ex::fifo{}, 1), doctest::Contains("this program \"fifo\""),
                       pt::config_error);
}
