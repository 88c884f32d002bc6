// The bodies of experiment/trial_run.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/experiment.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/experiment/trial_run.hpp"

namespace partrain::experiment {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL optim::solver_choice trial_run::solver() const {
  optim::solver_choice s = optim::solver_choice::named(trial_.get<std::string>("solver"));
  s.for_each_hyperparameter([&](std::string_view name, auto& v) {
    if (trial_.has(name)) v = trial_.get<std::remove_cvref_t<decltype(v)>>(name);
  });
  for (const optim::solver_choice other : {optim::solver_choice(optim::sgdm{}), optim::solver_choice(optim::adam{}),
                                           optim::solver_choice(optim::rmsprop{})})
    other.for_each_hyperparameter([&](std::string_view name, const auto&) {
      bool chosen_has = false;
      s.for_each_hyperparameter([&](std::string_view mine, const auto&) { chosen_has = chosen_has || mine == name; });
      PARTRAIN_CHECK(chosen_has || !trial_.has(name), config_error, "[partrain::experiment::trial_run] trial ",
                     trial_.index, " has a value '", name, "', a hyper-parameter of ", other.chosen_name(),
                     ", but its solver is ", s.chosen_name(), "; make '", name, "' exist only_when{\"solver\", \"",
                     other.chosen_name(), "\"}");
    });
  return s;
}

PARTRAIN_DECL void trial_run::report(std::string name, double value) {
  std::lock_guard lock(mutex_);
  reported_[std::move(name)] = value;
}

PARTRAIN_DECL std::map<std::string, double> trial_run::reported() const {
  std::lock_guard lock(mutex_);
  return reported_;
}

PARTRAIN_DECL void trial_run::check_scheduler_needs(bool has_validation, int max_epochs) const {
  const auto m = metric_of(scheduler_);
  if (!m) return;
  const std::string where = partrain::concat_text("[partrain::experiment::trial_run] trial ", trial_.index, ": the scheduler ",
                                   scheduler_name(scheduler_), "'s metric is ", m->name);
  PARTRAIN_CHECK(has_validation || !m->name.starts_with("validation_"), config_error, where,
                 " but the training options have no validation_data; give them validation_data (validated at "
                 "least once by each decision point) or stop on a training metric");
  const double first = decision_point(scheduler_, 0).value_or(0);
  PARTRAIN_CHECK(m->unit != resource_unit::epochs || first < max_epochs, config_error, where,
                 ", its first decision comes at epoch ", first, ", not before the trial's max_epochs (", max_epochs,
                 "): no trial could be stopped; lower grace_period");
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::experiment
