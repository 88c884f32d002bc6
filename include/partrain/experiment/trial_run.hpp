// What an experiment's trial function gets: its trial (values by name, typed), the trial's
// folder, and options() that makes training checkpoint there, resume from there after a
// kill, draw from the trial's seed and report progress to the experiment's table.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "partrain/experiment/scheduler.hpp"
#include "partrain/experiment/search_space.hpp"
#include "partrain/train/checkpoint_names.hpp"
#include "partrain/optim/solver_choice.hpp"
#include "partrain/train/training_options.hpp"

namespace partrain::experiment {

class trial_run {
 public:
  /// `progress` sees every progress message and answers whether the experiment's scheduler
  /// stops the trial there; `stopping`: that scheduler (its needs are checked in options()).
  trial_run(const experiment::trial& t, std::filesystem::path folder,
            std::function<bool(const training_progress&)> progress, const scheduler& stopping = fifo{})
      : trial_(t), folder_(std::move(folder)), progress_(std::move(progress)), scheduler_(stopping) {}

  const experiment::trial& trial() const { return trial_; }
  std::size_t index() const { return trial_.index; }
  std::uint64_t seed() const { return trial_.seed; }
  /// The value of a hyper-parameter, as trial::get: config_error naming the trial and the
  /// name when the space does not give this trial one.
  template <class T>
  T get(std::string_view name) const { return trial_.get<T>(name); }
  bool has(std::string_view name) const { return trial_.has(name); }
  /// The trial's folder in the experiment (trial-01, ...); its checkpoints go in checkpoints/.
  const std::filesystem::path& folder() const { return folder_; }

  /// The solver the trial's "solver" value names, with the solver's hyper-parameters the
  /// trial gives (momentum, gradient_decay_factor, ...) and defaults for the rest.
  /// config_error when the space has no "solver", or gives this trial a hyper-parameter of
  /// another solver (momentum for adam: make it only_when{"solver", "sgdm"}).
  optim::solver_choice solver() const {
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

  /// `o` made part of the experiment: checkpoints in folder()/checkpoints every epoch (or as
  /// o asks), the last one kept (and the best) unless o keeps more, resumed from there when
  /// an earlier run of the experiment left one, the trial's seed, no verbose table (the
  /// experiment's table shows the trials) and progress reported to the experiment (o's own
  /// output_fn is still called; the scheduler may stop the trial through it).
  /// config_error when the scheduler's metric needs validation_data the options lack, or its
  /// first decision comes after max_epochs.
  template <class Solver, class Schedule>
  training_options<Solver, Schedule> options(training_options<Solver, Schedule> o) const {
    check_scheduler_needs(static_cast<bool>(o.validation_data), o.max_epochs);
    o.checkpoint_path = folder_ / "checkpoints";
    if (o.checkpoints_to_keep == 0) o.checkpoints_to_keep = 1;
    if (latest_checkpoint(o.checkpoint_path)) o.resume_from = o.checkpoint_path;
    o.seed = trial_.seed;
    o.verbose = false;
    auto own = std::move(o.output_fn);
    o.output_fn = [progress = progress_, own = std::move(own)](const training_progress& p) {
      const bool stop = progress && progress(p);
      return (own && own(p)) || stop;
    };
    return o;
  }

  /// Records a metric of the trial's own, computed when it ends (a test accuracy, say); the
  /// experiment's metric may name it.
  void report(std::string name, double value) {
    std::lock_guard lock(mutex_);
    reported_[std::move(name)] = value;
  }
  std::map<std::string, double> reported() const {
    std::lock_guard lock(mutex_);
    return reported_;
  }

 private:
  void check_scheduler_needs(bool has_validation, int max_epochs) const {
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

  experiment::trial trial_;
  std::filesystem::path folder_;
  std::function<bool(const training_progress&)> progress_;
  scheduler scheduler_;
  mutable std::mutex mutex_;
  std::map<std::string, double> reported_;
};

}  // namespace partrain::experiment
