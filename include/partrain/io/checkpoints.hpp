// Forwarding header (until partrain 0.2): checkpoints are part of training, in
// partrain/train/checkpoint_*.hpp, namespace partrain. The old io:: names still work, but
// write_checkpoint and read_checkpoint now take a run_snapshot (the state by name) instead
// of a run_state<Net, Solver>, and detail::data_json is checkpoint_data_json.
#pragma once

#include "partrain/train/checkpoint_hook.hpp"
#include "partrain/train/checkpoint_names.hpp"
#include "partrain/train/checkpoint_read.hpp"
#include "partrain/train/checkpoint_write.hpp"
#include "partrain/train/train_network.hpp"

namespace partrain::io {
using partrain::add_checkpoint_hook;
using partrain::check_checkpoint_folder;
using partrain::checkpoint_content;
using partrain::checkpoint_format_version;
using partrain::checkpoint_iteration;
using partrain::checkpoint_name;
using partrain::latest_checkpoint;
using partrain::list_checkpoints;
using partrain::read_checkpoint;
using partrain::read_checkpoint_files;
using partrain::resume;
using partrain::write_checkpoint;
}  // namespace partrain::io
