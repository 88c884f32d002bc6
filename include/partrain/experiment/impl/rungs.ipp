// The bodies of experiment/rungs.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/experiment.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/experiment/rungs.hpp"

namespace partrain::experiment {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL nlohmann::json rung_json(const rung_record& r, const scheduler& s) {
  using format::json_number;
  const auto m = metric_of(s);
  return {{"record", "rung"}, {"trial", r.trial + 1}, {"trial_index", r.trial}, {"rung", r.rung},
          {"t", json_number(r.t)}, {"unit", m ? to_string(m->unit) : "epochs"}, {"metric", m ? m->name : ""},
          {"value", json_number(r.value)}, {"cutoff", json_number(r.cutoff)}, {"compared_with", r.compared_with},
          {"decision", r.stop ? "stop" : "continue"}};
}

PARTRAIN_DECL rung_record rung_from_json(const nlohmann::json& j, const std::string& where) {
  using format::from_json_number;
  rung_record r;
  r.trial = j.at("trial_index").get<std::size_t>(), r.rung = j.at("rung").get<std::size_t>();
  r.t = from_json_number(j.at("t"), where, "t");
  r.value = from_json_number(j.at("value"), where, "value");
  r.cutoff = from_json_number(j.at("cutoff"), where, "cutoff");
  r.compared_with = j.at("compared_with").get<std::size_t>();
  r.stop = j.at("decision").get<std::string>() == "stop";
  return r;
}

PARTRAIN_DECL std::vector<rung_record> read_rung_records(const std::filesystem::path& folder) {
  std::vector<rung_record> rungs;
  for (const auto& j : read_journal(folder).records)
    if (j.value("record", "") == "rung") rungs.push_back(rung_from_json(j, (folder / journal_file).string()));
  return rungs;
}

PARTRAIN_DECL std::vector<rung_record> replay(const scheduler& s, const std::vector<rung_record>& records) {
  std::vector<rung_record> again, earlier;
  for (const rung_record& r : records) {
    again.push_back(decide(s, earlier, r.trial, r.rung, r.value));
    earlier.push_back(r);
  }
  return again;
}

PARTRAIN_DECL rung_record rung_book::decide(std::size_t trial, std::size_t rung, double value) {
  std::unique_lock lock(mutex_);
  for (const rung_record& r : records_)
    if (r.trial == trial && r.rung == rung) return r;
  rung_record r;
  if (ask_) {
    lock.unlock();  // the answer takes a round trip; other workers' decisions need not wait
    r = ask_(trial, rung, value);
    lock.lock();
  } else {
    r = experiment::decide(scheduler_, records_, trial, rung, value);
    write_(r);
  }
  records_.push_back(r);
  return r;
}

PARTRAIN_DECL std::optional<rung_record> rung_book::last(std::size_t trial) const {
  std::lock_guard lock(mutex_);
  std::optional<rung_record> found;
  for (const rung_record& r : records_)
    if (r.trial == trial && (!found || r.rung > found->rung)) found = r;
  return found;
}

PARTRAIN_DECL std::optional<scheduler_verdict> rung_tracker::on_progress(const training_progress& p) {
  if (!metric_ || p.state != training_state::iteration || p.iterations_per_epoch <= 0 || p.iteration < 1)
    return std::nullopt;
  values_.resize(std::size_t(p.iteration), training_info::nan);
  values_[std::size_t(p.iteration) - 1] = field(p);
  const double per_unit = metric_->unit == resource_unit::epochs ? p.iterations_per_epoch : 1;
  const bool last_iteration = p.iteration >= p.max_iterations;
  while (const auto point = decision_point(book_.settings(), next_)) {
    const double at = *point * per_unit;  // in iterations
    if (double(p.iteration) + 1e-9 < at) break;
    const rung_record r = book_.decide(trial_, next_++, value_at(std::size_t(std::floor(at + 1e-9))));
    if (r.stop && !last_iteration) return scheduler_verdict{false, why(r)};
  }
  const double end = scheduler_end(book_.settings());
  if (double(p.iteration) + 1e-9 >= end * per_unit && !last_iteration)
    return scheduler_verdict{true, partrain::concat_text(scheduler_name(book_.settings()), ": reached max_t (",
                                                         format::number_text(end), " ",
                                                         to_string(metric_->unit), ")")};
  return std::nullopt;
}

PARTRAIN_DECL double rung_tracker::field(const training_progress& p) const {
  const std::string& m = metric_->name;
  return m == "training_loss"       ? p.training_loss
         : m == "training_accuracy" ? p.training_accuracy
         : m == "validation_loss"   ? p.validation_loss
                                    : p.validation_accuracy;
}

PARTRAIN_DECL std::vector<double> rung_tracker::field(const training_info& h) const {
  const std::string& m = metric_->name;
  return m == "training_loss"       ? h.training_loss
         : m == "training_accuracy" ? h.training_accuracy
         : m == "validation_loss"   ? h.validation_loss
                                    : h.validation_accuracy;
}

PARTRAIN_DECL double rung_tracker::value_at(std::size_t iteration) const {
  for (std::size_t k = std::min(iteration, values_.size()); k-- > 0;)
    if (!std::isnan(values_[k])) return values_[k];
  return training_info::nan;
}

PARTRAIN_DECL std::string rung_tracker::why(const rung_record& r) const {
  using format::number_text;
  const std::string at = partrain::concat_text(number_text(r.t), " ", to_string(metric_->unit));
  if (std::holds_alternative<asha>(book_.settings()))
    return partrain::concat_text("asha: rung ", r.rung, " (", at, "): ", metric_->name, " ",
                                 number_text(r.value), " worse than the cutoff ", number_text(r.cutoff), " of ",
                                 r.compared_with, " other trials");
  return partrain::concat_text("median_stopping at ", at, ": its best ", metric_->name,
                               " so far worse than the median ", number_text(r.cutoff), " of ", r.compared_with,
                               " other trials' running means");
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::experiment
