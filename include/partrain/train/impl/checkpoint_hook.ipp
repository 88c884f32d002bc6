// The bodies of train/checkpoint_hook.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/train.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <cmath>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "partrain/core/error.hpp"
#include "partrain/core/filesystem.hpp"
#include "partrain/format/files.hpp"
#include "partrain/format/temporary.hpp"
#include "partrain/train/checkpoint_hook.hpp"
#include "partrain/train/checkpoint_names.hpp"
#include "partrain/train/checkpoint_read.hpp"
#include "partrain/train/checkpoint_write.hpp"
#include "partrain/train/engine.hpp"
#include "partrain/train/run_hooks.hpp"
#include "partrain/train/training_info_json.hpp"

namespace partrain {
namespace detail {
inline namespace PARTRAIN_ABI_NAMESPACE {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL hook_result checkpoint_keeper::added(std::filesystem::path folder, double validation_loss) {
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
    if (ec) failed = concat_text("old checkpoint '", written_[i].folder.string(), "' not removed (", ec.message(), ")");
  }
  written_ = std::move(kept);
  return failed.empty() ? hook_result::carry_on() : hook_result::warn(failed);
}

PARTRAIN_DECL double last_validation_loss(const training_info& info) {
  for (auto it = info.validation_loss.rbegin(); it != info.validation_loss.rend(); ++it)
    if (!std::isnan(*it)) return *it;
  return training_info::nan;
}
PARTRAIN_DECL double last_validation_loss(const std::filesystem::path& checkpoint) {
  try {
    const auto state = nlohmann::json::parse(format::read_text_file(checkpoint / "state.json"));
    return last_validation_loss(training_info_from_json(state.at("history"), checkpoint.string()));
  } catch (const std::exception&) {
    return training_info::nan;
  }
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace detail

inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL void add_checkpoint_hook(detail::training_engine& engine, checkpoint_target target) {
  // Checkpoints and folder probes that killed writers left.
  format::remove_abandoned_temporaries(target.folder, "", "partrain::train_network checkpoint");
  auto keeper = std::make_shared<detail::checkpoint_keeper>(target.keep);
  for (const auto& earlier : list_checkpoints(target.folder))
    if (engine.iteration() > 0 && *checkpoint_iteration(earlier.filename().string()) <= engine.iteration())
      keeper->added(earlier, detail::last_validation_loss(earlier));
  engine.hooks().on_checkpoint("checkpoints", [&engine, keeper, t = std::move(target)](const checkpoint_event& e) {
    const auto folder = t.folder / checkpoint_name(e.epoch, e.iteration);
    try {
      create_folders(t.folder, "partrain::train_network checkpoint");
      write_checkpoint(folder, engine.snapshot(), t.options, t.data);
    } catch (const std::exception& failure) {
      return hook_result::warn(concat_text("checkpoint after iteration ", e.iteration, " (epoch ", e.epoch,
                                           ") not written: ", failure.what(), "; training goes on"));
    }
    return keeper->added(folder, detail::last_validation_loss(engine.info()));
  });
}

PARTRAIN_DECL std::filesystem::path checkpoint_to_resume(const std::filesystem::path& from) {
  std::error_code ec;
  if (std::filesystem::exists(from / "state.json", ec)) return from;
  const auto newest = latest_checkpoint(from);
  PARTRAIN_CHECK(newest || !std::filesystem::is_directory(from, ec), config_error,
                 "[partrain::training_options] resume_from '", from.string(), "' holds no checkpoint (no state.json, "
                 "no checkpoint-epoch*-iteration* folder); leave resume_from empty to start afresh");
  return newest ? *newest : from;
}

PARTRAIN_DECL void resume(detail::training_engine& engine, const std::filesystem::path& from,
                          const nlohmann::json& now) {
  const std::filesystem::path folder = checkpoint_to_resume(from);
  engine.restore(read_checkpoint(folder, now), folder.string());
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain
