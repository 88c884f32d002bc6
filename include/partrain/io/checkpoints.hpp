// Checkpoints of a training run, as its checkpoint hook: a checkpoint folder (see
// io/checkpoint.hpp) every checkpoint_frequency epochs or iterations and when the run is
// interrupted, the last K kept with the best by validation loss; and resuming a run from
// one. The folder is checked before training; a checkpoint that fails later (disk full,
// folder gone) is a warning, never the run's end.
#pragma once

#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "partrain/core/error.hpp"
#include "partrain/core/filesystem.hpp"
#include "partrain/io/checkpoint.hpp"
#include "partrain/io/checkpoint_read.hpp"
#include "partrain/io/file.hpp"
#include "partrain/train/run_hooks.hpp"
#include "partrain/train/training_run.hpp"

namespace partrain::io {

/// Checks that `folder` can hold checkpoints before any training: creates it (and its
/// parents) when missing, then writes and removes a small file in it. Throws config_error
/// naming the option, the folder and the operating system's reason.
inline void check_checkpoint_folder(const std::filesystem::path& folder) {
  try {
    partrain::detail::create_folders(folder, "partrain::training_options");
    const auto probe = folder / ".partrain-checkpoint-write-check";
    write_file_atomic(probe, std::string_view("partrain\n"), "partrain::training_options");
    std::error_code ec;
    std::filesystem::remove(probe, ec);
  } catch (const io_error& e) {
    fail<config_error>("[partrain::training_options] checkpoint_path '", folder.string(),
                       "' cannot hold checkpoints: ", e.what(), "; expected a folder this program can create and write");
  }
}

/// "checkpoint-epoch003-iteration000150": the checkpoint folder after that iteration.
inline std::string checkpoint_name(int epoch, int iteration) {
  char name[64];
  std::snprintf(name, sizeof name, "checkpoint-epoch%03d-iteration%06d", epoch, iteration);
  return name;
}

/// The iteration in a checkpoint folder's name; nullopt for other names (temporaries too).
inline std::optional<int> checkpoint_iteration(const std::string& name) {
  int epoch = 0, iteration = 0, end = 0;
  if (std::sscanf(name.c_str(), "checkpoint-epoch%d-iteration%d%n", &epoch, &iteration, &end) != 2 ||
      std::size_t(end) != name.size())
    return std::nullopt;
  return iteration;
}

/// The checkpoints in `folder` (those with a state.json), oldest first.
inline std::vector<std::filesystem::path> list_checkpoints(const std::filesystem::path& folder) {
  std::vector<std::pair<int, std::filesystem::path>> found;
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) return {};
  for (const auto& entry : partrain::detail::list_folder(folder, false, "partrain::io::list_checkpoints"))
    if (const auto i = checkpoint_iteration(entry.path().filename().string());
        i && std::filesystem::exists(entry.path() / "state.json", ec))
      found.emplace_back(*i, entry.path());
  std::sort(found.begin(), found.end());
  std::vector<std::filesystem::path> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

/// The newest checkpoint in `folder` (a checkpoint_path); nullopt when it has none.
inline std::optional<std::filesystem::path> latest_checkpoint(const std::filesystem::path& folder) {
  auto all = list_checkpoints(folder);
  if (all.empty()) return std::nullopt;
  return all.back();
}

namespace detail {
/// Which of a run's checkpoints stay: the last `keep` (0: all) and the one of the lowest
/// validation loss. Other files in the folder are never touched.
class checkpoint_keeper {
 public:
  explicit checkpoint_keeper(int keep) : keep_(keep) {}
  /// A checkpoint of this run written, with the last validation loss at it (NaN: none yet).
  hook_result added(std::filesystem::path folder, double validation_loss) {
    written_.push_back({std::move(folder), validation_loss});
    if (keep_ == 0) return hook_result::carry_on();
    std::size_t best = written_.size();
    for (std::size_t i = 0; i < written_.size(); ++i)
      if (std::isfinite(written_[i].loss) && (best == written_.size() || written_[i].loss < written_[best].loss))
        best = i;
    const std::size_t old = written_.size() > std::size_t(keep_) ? written_.size() - std::size_t(keep_) : 0;
    std::string failed;
    std::vector<written> kept;
    for (std::size_t i = 0; i < written_.size(); ++i) {
      if (i >= old || i == best) {
        kept.push_back(std::move(written_[i]));
        continue;
      }
      std::error_code ec;
      std::filesystem::remove_all(written_[i].folder, ec);
      if (ec) failed = partrain::detail::concat("old checkpoint '", written_[i].folder.string(), "' not removed (",
                                                ec.message(), ")");
    }
    written_ = std::move(kept);
    return failed.empty() ? hook_result::carry_on() : hook_result::warn(failed);
  }

 private:
  struct written {
    std::filesystem::path folder;
    double loss;
  };
  int keep_;
  std::vector<written> written_;
};

/// A solver whose state does not list its fields cannot be checkpointed: config_error.
template <class Net, class Solver>
void check_checkpointable() {
  PARTRAIN_CHECK(lists_its_fields<typename Solver::template state<Net>>, config_error,
                 "[partrain::training_options] checkpoint_path or resume_from is set but solver '", Solver::name,
                 "' cannot be checkpointed: its state<Net> has no for_each_field(f) naming its fields "
                 "(see docs/guide.md, \"Your own solver, schedule or layer\")");
}

inline double last_validation_loss(const training_info& info) {
  for (auto it = info.validation_loss.rbegin(); it != info.validation_loss.rend(); ++it)
    if (!std::isnan(*it)) return *it;
  return training_info::nan;
}
/// The same from a checkpoint folder written earlier (NaN when it cannot be read).
inline double last_validation_loss(const std::filesystem::path& checkpoint) {
  try {
    const auto state = nlohmann::json::parse(read_text_file(checkpoint / "state.json"));
    return last_validation_loss(training_info_from_json(state.at("history"), checkpoint.string()));
  } catch (const std::exception&) {
    return training_info::nan;
  }
}
}  // namespace detail

/// Adds the checkpoint hook to `run` (checkpoint_path must be set): at each checkpoint
/// event the run's state goes to checkpoint_path/checkpoint_name(epoch, iteration). Only
/// the run's last checkpoints_to_keep stay (0: all) and the one of the lowest validation
/// loss — counting those a resumed run wrote before, in checkpoint_path, up to where it
/// resumed. A checkpoint that cannot be written becomes a warning naming it and the
/// reason. Temporaries left by a killed writer are removed first.
template <class Net, class D, class Solver, class Schedule>
void add_checkpoint_hook(training_run<Net, D, Solver, Schedule>& run) {
  detail::check_checkpointable<Net, Solver>();
  const std::filesystem::path folder = run.options().checkpoint_path;
  // Checkpoints and folder probes that killed writers left.
  detail::remove_abandoned_temporaries(folder, "", "partrain::train_network checkpoint");
  auto keeper = std::make_shared<detail::checkpoint_keeper>(run.options().checkpoints_to_keep);
  for (const auto& earlier : list_checkpoints(folder))
    if (run.iteration() > 0 && *checkpoint_iteration(earlier.filename().string()) <= run.iteration())
      keeper->added(earlier, detail::last_validation_loss(earlier));
  run.hooks().on_checkpoint("checkpoints", [&run, folder, keeper, data = detail::data_json(run.data())](
                                               const checkpoint_event& e) {
    const auto target = folder / checkpoint_name(e.epoch, e.iteration);
    try {
      partrain::detail::create_folders(folder, "partrain::train_network checkpoint");
      auto state = run.snapshot();
      write_checkpoint(target, state, run.options(), data);
    } catch (const std::exception& failure) {
      return hook_result::warn(partrain::detail::concat("checkpoint after iteration ", e.iteration, " (epoch ",
                                                        e.epoch, ") not written: ", failure.what(),
                                                        "; training goes on"));
    }
    return keeper->added(target, detail::last_validation_loss(run.info()));
  });
}

/// Makes `run` continue from the checkpoint `from` (a checkpoint folder, or a folder of
/// them: the newest) instead of starting: see read_checkpoint for what must match. Throws
/// config_error naming `from` when it holds no checkpoint.
template <class Net, class D, class Solver, class Schedule>
void resume(training_run<Net, D, Solver, Schedule>& run, const std::filesystem::path& from) {
  detail::check_checkpointable<Net, Solver>();
  std::error_code ec;
  std::filesystem::path folder = from;
  if (!std::filesystem::exists(from / "state.json", ec)) {
    const auto newest = latest_checkpoint(from);
    PARTRAIN_CHECK(newest || !std::filesystem::is_directory(from, ec), config_error,
                   "[partrain::training_options] resume_from '", from.string(), "' holds no checkpoint (no state.json, "
                   "no checkpoint-epoch*-iteration* folder); leave resume_from empty to start afresh");
    if (newest) folder = *newest;
  }
  run.resume(read_checkpoint<Net>(folder, run.options(), detail::data_json(run.data())));
}

}  // namespace partrain::io
