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

#include "partrain/config.hpp"
#include "partrain/experiment/scheduler.hpp"
#include "partrain/experiment/search_space.hpp"
#include "partrain/train/checkpoint_names.hpp"
#include "partrain/optim/solver_choice.hpp"
#include "partrain/train/training_options.hpp"

namespace partrain::experiment {

inline namespace PARTRAIN_MODE_NAMESPACE {

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
  optim::solver_choice solver() const;

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
  void report(std::string name, double value);
  std::map<std::string, double> reported() const;

 private:
  void check_scheduler_needs(bool has_validation, int max_epochs) const;

  experiment::trial trial_;
  std::filesystem::path folder_;
  std::function<bool(const training_progress&)> progress_;
  scheduler scheduler_;
  mutable std::mutex mutex_;
  std::map<std::string, double> reported_;
};

}  // namespace PARTRAIN_MODE_NAMESPACE

}  // namespace partrain::experiment

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/experiment/impl/trial_run.ipp"
#endif
