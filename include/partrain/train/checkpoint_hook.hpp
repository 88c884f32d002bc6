// Checkpoints of a training run, as its checkpoint hook: a checkpoint folder (see
// train/checkpoint_write.hpp) every checkpoint_frequency epochs or iterations and when the
// run is interrupted, the last K kept with the best by validation loss; and resuming a run
// from one. Built on the training engine and run snapshots: not a template. The folder is
// checked before training; a checkpoint that fails later (disk full, folder gone) is a
// warning, never the run's end.
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

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/filesystem.hpp"
#include "partrain/format/files.hpp"
#include "partrain/format/temporary.hpp"
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
/// Which of a run's checkpoints stay: the last `keep` (0: all) and the one of the lowest
/// validation loss. Other files in the folder are never touched.
class checkpoint_keeper {
 public:
  explicit checkpoint_keeper(int keep) : keep_(keep) {}
  /// A checkpoint of this run written, with the last validation loss at it (NaN: none yet).
  hook_result added(std::filesystem::path folder, double validation_loss);

 private:
  struct written {
    std::filesystem::path folder;
    double loss;
  };
  int keep_;
  std::vector<written> written_;
};

PARTRAIN_DECL double last_validation_loss(const training_info& info);
/// The same from a checkpoint folder written earlier (NaN when it cannot be read).
PARTRAIN_DECL double last_validation_loss(const std::filesystem::path& checkpoint);
}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace detail

/// Where a run's checkpoints go and what they record besides its state.
struct checkpoint_target {
  std::filesystem::path folder;  ///< checkpoint_path
  int keep = 0;                  ///< checkpoints_to_keep (0: all)
  nlohmann::json options;        ///< options_json of the run's options
  nlohmann::json data;           ///< checkpoint_data_json of its data
};

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Adds the checkpoint hook to the engine's run: at each checkpoint event the run's state
/// goes to folder/checkpoint_name(epoch, iteration). Only the run's last `keep` stay (0: all)
/// and the one of the lowest validation loss — counting those a resumed run wrote before,
/// in the folder, up to where it resumed. A checkpoint that cannot be written becomes a
/// warning naming it and the reason. Temporaries left by a killed writer are removed first.
PARTRAIN_DECL void add_checkpoint_hook(detail::training_engine& engine, checkpoint_target target);

/// The checkpoint folder to resume from, given resume_from: `from` itself when it is one,
/// else the newest checkpoint in it. Throws config_error naming `from` when it holds none.
PARTRAIN_DECL std::filesystem::path checkpoint_to_resume(const std::filesystem::path& from);

/// Makes the engine's run continue from the checkpoint `from` (a checkpoint folder, or a
/// folder of them: the newest) instead of starting; `now` describes the run (see
/// read_checkpoint for what must match). Throws config_error naming `from` when it holds no
/// checkpoint; a checkpoint that is refused changes nothing.
PARTRAIN_DECL void resume(detail::training_engine& engine, const std::filesystem::path& from,
                          const nlohmann::json& now);

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/train/impl/checkpoint_hook.ipp"
#endif
