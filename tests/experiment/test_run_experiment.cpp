// Experiments on a pool: every trial trained as train_network alone would train it, the
// journal, trial folders, summary and figures; resuming (nothing rerun, failed trials kept
// or retried, interrupted trials continued to the same result); the plain-line table; bad
// folders and other experiments named.
#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "../io/temp_dir.hpp"
#include "experiment_scenario.hpp"
#include "partrain/io.hpp"

namespace pt = partrain;
namespace ex = partrain::experiment;
namespace fs = std::filesystem;

namespace {
struct fixture {
  pt::data::image_set train = test::blobs(48, 4), validation = test::blobs(16, 5);
  pt::parallel::pool workers{pt::parallel::cpu_workers(2)};
};

std::string text_of(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

/// Equal bit for bit (NaNs, where no validation ran, included).
bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

/// Counts calls, and throws for trial `fail_index`.
struct counting_trial {
  test::train_trial inner;
  std::atomic<int>* calls;
  std::size_t fail_index = std::size_t(-1);
  template <class Net>
  pt::trained<Net> operator()(ex::trial_run& run, pt::context& ctx) const {
    ++*calls;
    if (run.index() == fail_index) throw std::runtime_error("this trial's data went missing");
    return inner.operator()<Net>(run, ctx);
  }
};
}  // namespace

TEST_CASE_FIXTURE(fixture, "an experiment trains each trial as train_network alone would, and records it all") {
  pt::test::temp_dir dir("experiment-run");
  const auto plan = test::experiment_plan();
  std::ostringstream table;
  const auto result = ex::run_experiment<test::experiment_architectures>(
      workers, plan, {.folder = dir.path / "search", .table = &table}, test::train_trial{&train, &validation});
  REQUIRE(result.trials.size() == 6);
  CHECK(result.count(ex::trial_status::finished) == 6);
  for (const auto& t : result.trials) {
    CAPTURE(t.trial.describe());
    CHECK(t.trial.values == plan.at(t.trial.index).values);
    CHECK(t.folder == dir.path / "search" / pt::io::trial_folder_name(t.trial.index + 1, 6));
    CHECK(t.worker >= 0);
    CHECK(t.metrics.at("validation_accuracy") == t.info.final_validation_accuracy);
    // The same trial trained alone, outside any experiment: the same network, bit for bit.
    const auto alone = ex::with_architecture<test::experiment_architectures>(t.trial, [&]<class Net>(const ex::trial& tr) {
      ex::trial_run run(tr, dir.path / "alone" / std::to_string(tr.index), {});
      pt::context ctx;
      auto o = test::train_trial{&train, &validation}.operator()<Net>(run, ctx);
      return pt::io::serialize_safetensors(pt::io::network_tensors(o.network), {});
    });
    const auto saved = pt::io::read_safetensors(t.folder / "network.safetensors");
    CHECK(pt::io::serialize_safetensors(saved.tensors, {}) == alone);
    const auto trial_json = nlohmann::json::parse(text_of(t.folder / "trial.json"));
    CHECK(trial_json["trial_index"] == t.trial.index);
    CHECK(trial_json["values"]["solver"] == ex::to_string(t.trial.values.at("solver")));
  }
  const auto best = result.best();
  REQUIRE(best != nullptr);
  for (const auto& t : result.trials) CHECK(t.metric("validation_accuracy") <= best->metric("validation_accuracy"));

  // The journal: a header, 6 queued, then running and finished for each trial.
  const auto journal = ex::read_journal(dir.path / "search");
  CHECK(journal.header["trials"] == 6);
  int running = 0, finished = 0;
  for (const auto& r : journal.records)
    if (r.value("record", "") == "status") running += r["status"] == "running", finished += r["status"] == "finished";
  CHECK(running == 6);
  CHECK(finished == 6);
  // summary.csv: a header and one row per trial; summary.json names the best; the figures.
  const std::string csv = text_of(dir.path / "search" / "summary.csv");
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 7);
  CHECK(csv.starts_with("trial,trial_index,folder,status,architecture,initial_learn_rate,momentum,solver,"));
  const auto summary = nlohmann::json::parse(text_of(dir.path / "search" / "summary.json"));
  CHECK(summary["best"]["trial_index"] == best->trial.index);
  for (const char* figure : {"metric_vs_architecture.svg", "metric_vs_initial_learn_rate.svg", "metric_vs_solver.svg",
                             "metric_vs_momentum.svg", "best_trials_progress.svg"})
    CHECK_MESSAGE(fs::file_size(dir.path / "search" / figure) > 500, figure);
  // Plain lines (not a terminal): a running and an ended line per trial, then the table.
  const std::string lines = table.str();
  CHECK(lines.find("[experiment] trial 0 (trial-01) running on worker ") != std::string::npos);
  CHECK(lines.find("[experiment] trial 5 (trial-06) finished: validation_accuracy ") != std::string::npos);
  CHECK(lines.find("trial  status      progress  validation_accuracy") != std::string::npos);
  CHECK(lines.find("\x1b[") == std::string::npos);
}

TEST_CASE_FIXTURE(fixture, "a failed trial is recorded with its error, the others finish; a resume keeps it or retries it") {
  pt::test::temp_dir dir("experiment-failed");
  const auto plan = test::experiment_plan();
  std::atomic<int> calls = 0;
  const counting_trial f{{&train, &validation}, &calls, 2};
  const ex::experiment_options options{.folder = dir.path / "search", .table = nullptr};
  const auto first = ex::run_experiment<test::experiment_architectures>(workers, plan, options, f);
  CHECK(calls == 6);
  CHECK(first.count(ex::trial_status::finished) == 5);
  CHECK(first.trials[2].status == ex::trial_status::failed);
  CHECK(first.trials[2].error == "this trial's data went missing");
  CHECK(text_of(dir.path / "search" / "summary.csv").find("failed") != std::string::npos);

  // Run again: nothing is rerun, and the results read back from the folder are the same.
  const auto again = ex::run_experiment<test::experiment_architectures>(workers, plan, options, f);
  CHECK(calls == 6);
  for (std::size_t i = 0; i < 6; ++i) {
    CHECK(again.trials[i].status == first.trials[i].status);
    CHECK(again.trials[i].metrics == first.trials[i].metrics);
    CHECK(again.trials[i].info.training_loss == first.trials[i].info.training_loss);
  }
  // A trial whose files were deleted runs again.
  fs::remove_all(first.trials[0].folder);
  ex::run_experiment<test::experiment_architectures>(workers, plan, options, f);
  CHECK(calls == 7);
  CHECK(fs::exists(first.trials[0].folder / "network.safetensors"));
  // Asked to retry the failed one, only it runs.
  auto retry = options;
  retry.retry_failed = true;
  const counting_trial fixed{{&train, &validation}, &calls};
  const auto retried = ex::run_experiment<test::experiment_architectures>(workers, plan, retry, fixed);
  CHECK(calls == 8);
  CHECK(retried.count(ex::trial_status::finished) == 6);
}

TEST_CASE_FIXTURE(fixture, "an interrupted experiment, run again, ends as the uninterrupted one") {
  pt::test::temp_dir dir("experiment-interrupt");
  const auto plan = test::experiment_plan();
  const auto whole = ex::run_experiment<test::experiment_architectures>(
      workers, plan, {.folder = dir.path / "whole", .table = nullptr}, test::train_trial{&train, &validation});
  // Interrupt in the middle of the third trial to start: running trials checkpoint and stop.
  std::atomic<int> started = 0;
  auto interrupting = [&]<class Net>(ex::trial_run& run, pt::context& ctx) {
    if (++started == 3) std::thread([] { pt::request_interrupt(); }).detach();
    return test::train_trial{&train, &validation, 5}.operator()<Net>(run, ctx);
  };
  const ex::experiment_options options{.folder = dir.path / "cut", .table = nullptr};
  const auto cut = ex::run_experiment<test::experiment_architectures>(workers, plan, options, interrupting);
  pt::clear_interrupt();
  CHECK(cut.count(ex::trial_status::finished) < 6);
  const auto resumed = ex::run_experiment<test::experiment_architectures>(workers, plan, options,
                                                                          test::train_trial{&train, &validation});
  REQUIRE(resumed.count(ex::trial_status::finished) == 6);
  for (std::size_t i = 0; i < 6; ++i) {
    CAPTURE(i);
    CHECK(resumed.trials[i].info.training_loss == whole.trials[i].info.training_loss);
    CHECK(same_bits(resumed.trials[i].info.validation_accuracy, whole.trials[i].info.validation_accuracy));
    CHECK(text_of(resumed.trials[i].folder / "network.safetensors") ==
          text_of(whole.trials[i].folder / "network.safetensors"));
  }
}

TEST_CASE_FIXTURE(fixture, "bad folders and another experiment in the folder are named") {
  pt::test::temp_dir dir("experiment-errors");
  const test::train_trial f{&train, &validation};
  fs::create_directories(dir.path / "photos");
  std::ofstream(dir.path / "photos" / "cat.png") << "not an experiment";
  CHECK_THROWS_WITH_AS(ex::run_experiment<test::experiment_architectures>(
                           workers, test::experiment_plan(), {.folder = dir.path / "photos", .table = nullptr}, f),
                       doctest::Contains("is not an experiment folder (it holds files but no journal.jsonl)"),
                       pt::config_error);
  const ex::experiment_options options{.folder = dir.path / "search", .table = nullptr};
  ex::run_experiment<test::experiment_architectures>(workers, test::experiment_plan(2), options, f);
  CHECK_THROWS_WITH_AS(
      ex::run_experiment<test::experiment_architectures>(workers, test::experiment_plan(2, 4), options, f),
      doctest::Contains("its strategy (or its seed) differs; the journal has \"random_sampling (num_samples 2, seed 3)\""),
      pt::config_error);
  CHECK_THROWS_WITH_AS(
      ex::run_experiment<test::experiment_architectures>(workers, test::experiment_plan(3), options, f),
      doctest::Contains("differs"), pt::config_error);
  {  // the folder in use by another run at the same time
    const ex::journal held(dir.path / "search");
    CHECK_THROWS_WITH_AS(
        ex::run_experiment<test::experiment_architectures>(workers, test::experiment_plan(2), options, f),
        doctest::Contains("journal.jsonl': another process is running this experiment"), pt::io_error);
  }
  const ex::trial_plan wider{ex::search_space::over<test::experiment_architectures>()
                                 .add("solver", ex::choice{"sgdm", "adam"})
                                 .add("initial_learn_rate", ex::log_uniform{0.001, 0.05}),
                             ex::random_sampling{.num_samples = 2, .seed = 3}};
  CHECK_THROWS_WITH_AS(ex::run_experiment<test::experiment_architectures>(workers, wider, options, f),
                       doctest::Contains("its search space differs; the journal has \"architecture (2), solver: "
                                         "choice of {sgdm, adam}, initial_learn_rate: log-uniform [0.003, 0.05]"),
                       pt::config_error);
  using other_list = pt::type_list<test::tiny_mlp, test::small_cnn>;
  const ex::trial_plan swapped{ex::search_space::over<other_list>()
                                   .add("solver", ex::choice{"sgdm", "adam"})
                                   .add("initial_learn_rate", ex::log_uniform{0.003, 0.05})
                                   .add("momentum", ex::uniform{0.8, 0.95}, ex::only_when{"solver", "sgdm"}),
                               ex::random_sampling{.num_samples = 2, .seed = 3}};
  CHECK_THROWS_WITH_AS(ex::run_experiment<other_list>(workers, swapped, options, f),
                       doctest::Contains("its architecture list differs"), pt::config_error);
  // A journal whose trial has other values than this program's plan gives it.
  const std::string original = text_of(dir.path / "search" / "journal.jsonl");
  std::string tampered = original;
  const auto seed_at = tampered.find("\"seed\":") + 7;
  tampered[seed_at] = tampered[seed_at] == '1' ? '2' : '1';
  std::ofstream(dir.path / "search" / "journal.jsonl") << tampered;
  CHECK_THROWS_WITH_AS(
      ex::run_experiment<test::experiment_architectures>(workers, test::experiment_plan(2), options, f),
      doctest::Contains("': the journal gives trial 0 the values"), pt::config_error);
  // A status line without its fields is named.
  std::ofstream(dir.path / "search" / "journal.jsonl") << original << "{\"record\":\"status\"}\n";
  CHECK_THROWS_WITH_AS(
      ex::run_experiment<test::experiment_architectures>(workers, test::experiment_plan(2), options, f),
      doctest::Contains("is not a record this partrain reads"), pt::io_error);
  std::ofstream(dir.path / "search" / "journal.jsonl") << original;
  // A damaged journal line (not the last) is named with its line number.
  std::string journal = text_of(dir.path / "search" / "journal.jsonl");
  journal.replace(journal.find('\n') + 1, 1, "#");
  std::ofstream(dir.path / "search" / "journal.jsonl") << journal;
  CHECK_THROWS_WITH_AS(ex::read_journal(dir.path / "search"), doctest::Contains("line 2 is not a JSON object"),
                       pt::io_error);
}

TEST_CASE_FIXTURE(fixture, "a journal killed before its first line was whole starts the experiment afresh") {
  pt::test::temp_dir dir("experiment-blank");
  for (const char* torn : {"", "{\"architectures\":[\"image_in"}) {
    fs::create_directories(dir.path / "search");
    std::ofstream(dir.path / "search" / ex::journal_file) << torn;
    const auto r = ex::run_experiment<test::experiment_architectures>(
        workers, test::experiment_plan(2), {.folder = dir.path / "search", .table = nullptr},
        test::train_trial{&train, &validation});
    CHECK(r.count(ex::trial_status::finished) == 2);
    fs::remove_all(dir.path / "search");
  }
}

TEST_CASE_FIXTURE(fixture, "a value the trial function asks for and the space lacks fails that trial, naming it") {
  pt::test::temp_dir dir("experiment-missing-value");
  auto asks_batch_size = [&]<class Net>(ex::trial_run& run, pt::context& ctx) {
    (void)run.get<int>("mini_batch_size");
    return test::train_trial{&train, &validation}.operator()<Net>(run, ctx);
  };
  const auto r = ex::run_experiment<test::experiment_architectures>(
      workers, test::experiment_plan(2), {.folder = dir.path / "search", .table = nullptr}, asks_batch_size);
  CHECK(r.count(ex::trial_status::failed) == 2);
  CHECK(r.trials[0].error.find("trial 0 has no value 'mini_batch_size'") != std::string::npos);
}

TEST_CASE_FIXTURE(fixture, "a solver's hyper-parameter given to another solver's trial fails it, naming the fix") {
  pt::test::temp_dir dir("experiment-wrong-solver");
  const ex::trial_plan plan{ex::search_space::over<pt::type_list<test::tiny_mlp>>()
                                .add("solver", ex::choice{"adam"})
                                .add("initial_learn_rate", ex::choice{0.01})
                                .add("momentum", ex::choice{0.9}),
                            ex::exhaustive{}};
  const auto r = ex::run_experiment<pt::type_list<test::tiny_mlp>>(
      workers, plan, {.folder = dir.path / "search", .table = nullptr}, test::train_trial{&train, &validation});
  REQUIRE(r.count(ex::trial_status::failed) == 1);
  CHECK(r.trials[0].error ==
        "[partrain::experiment::trial_run] trial 0 has a value 'momentum', a hyper-parameter of sgdm, but its solver "
        "is adam; make 'momentum' exist only_when{\"solver\", \"sgdm\"}");
}

TEST_CASE_FIXTURE(fixture, "a diverged trial is stopped, not finished; a metric no trial has is a warning") {
  pt::test::temp_dir dir("experiment-diverged");
  const ex::trial_plan plan{ex::search_space::over<pt::type_list<test::tiny_mlp>>()
                                .add("solver", ex::choice{"sgdm"})
                                .add("initial_learn_rate", ex::choice{0.01, 1e12}),
                            ex::exhaustive{}};
  std::ostringstream table;
  const auto r = ex::run_experiment<pt::type_list<test::tiny_mlp>>(
      workers, plan, {.folder = dir.path / "search", .metric = "test_acuracy", .table = &table},
      test::train_trial{&train, &validation});
  CHECK(r.trials[0].status == ex::trial_status::finished);
  CHECK(r.trials[1].status == ex::trial_status::stopped);
  CHECK(r.trials[1].stop_reason == "diverged");
  CHECK(r.best() == nullptr);
  CHECK(table.str().find("[experiment] warning: no ended trial has a value of the metric 'test_acuracy', so there is "
                         "no best trial; they have: epochs, iterations, training_accuracy, training_loss, "
                         "validation_accuracy, validation_loss") != std::string::npos);
}
