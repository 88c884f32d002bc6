// The bodies of experiment/train_trial.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/experiment.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/experiment/train_trial.hpp"

namespace partrain::experiment {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL void folder_events::started(const trial_result& r, const std::string& resumes_from) {
  folder_.record_status(r, {{"worker", r.worker}, {"rank", r.rank}, {"device", r.device}, {"host", r.host},
                            {"resumes_from", resumes_from}});
  table_.status(r);
}

PARTRAIN_DECL void folder_events::progress(std::size_t i, const training_progress& p) {
  table_.progress(i, p);
  if (journaled(p)) folder_.record_progress(i, p);
}

PARTRAIN_DECL void folder_events::ended(const trial_result& r, const io::trial_record* record) {
  if (record) folder_.write_trial(r, *record);
  if (r.status != trial_status::running) folder_.record_end(r);
  table_.status(r);
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::experiment

namespace partrain::experiment::detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::string host_name() {
  char name[256] = {};
  return ::gethostname(name, sizeof name - 1) == 0 ? std::string(name) : std::string("unknown");
}

PARTRAIN_DECL std::string rung_text(const rung_book& book, std::size_t trial) {
  const auto r = book.last(trial);
  const auto m = metric_of(book.settings());
  return r && m ? partrain::concat_text(r->rung, " (", format::number_text(r->t), " ", to_string(m->unit), ")") : std::string();
}

PARTRAIN_DECL rung_tracker make_tracker(rung_book& book, std::size_t i, const std::optional<std::filesystem::path>& resumes) {
  rung_tracker tracker(book, i);
  if (resumes && metric_of(book.settings())) {
    const auto state = nlohmann::json::parse(format::read_text_file(*resumes / "state.json", "partrain::experiment"));
    tracker.seed(training_info_from_json(state.at("history"), resumes->string()));
  }
  return tracker;
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::experiment::detail

namespace partrain::experiment {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL void end_trial(trial_events& events, trial_result& r, const io::trial_record* record) {
  try {
    events.ended(r, record);
  } catch (const std::exception& e) {  // its files could not be written: the trial failed
    r.status = trial_status::failed, r.error = e.what();
    try {
      events.ended(r, nullptr);
    } catch (...) {  // nor its end recorded: the journal keeps it running, and a rerun runs it again
    }
  }
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::experiment
