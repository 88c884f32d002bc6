// Checkpoints of a training run, as an end-of-epoch hook: the network after every epoch in
// its own .safetensors file. The folder is checked before training; a checkpoint that
// fails later (disk full, folder gone) is a warning, never the run's end.
#pragma once

#include <cstdio>
#include <deque>
#include <exception>
#include <filesystem>
#include <string>
#include <system_error>

#include "partrain/core/error.hpp"
#include "partrain/core/filesystem.hpp"
#include "partrain/core/memory.hpp"
#include "partrain/io/file.hpp"
#include "partrain/io/network_file.hpp"
#include "partrain/train/run_hooks.hpp"

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

/// "checkpoint-epoch003-iteration000150.safetensors".
inline std::string checkpoint_name(int epoch, int iteration) {
  char name[64];
  std::snprintf(name, sizeof name, "checkpoint-epoch%03d-iteration%06d.safetensors", epoch, iteration);
  return name;
}

/// Adds the checkpoint hook: at the end of every epoch (not after a cancellation) `net` —
/// the run's network, copied to host memory first when it is on a device — is written to
/// folder/checkpoint_name(epoch, iteration) with metadata "epoch" and "iteration". Only the
/// last `keep` checkpoints of this run stay (0: all); older ones it wrote are removed. A
/// checkpoint that cannot be written becomes a warning naming the file and the reason.
template <class Net>
void add_checkpoint_hook(run_hooks& hooks, Net& net, const std::filesystem::path& folder, int keep) {
  hooks.on_epoch_end("checkpoints", [&net, folder, keep, written = std::deque<std::filesystem::path>{}](
                                        const epoch_event& e) mutable {
    if (e.stop == stop_reason::cancelled) return hook_result::carry_on();
    const auto file = folder / checkpoint_name(e.epoch, e.iteration);
    const std::map<std::string, std::string> metadata{{"epoch", std::to_string(e.epoch)},
                                                      {"iteration", std::to_string(e.iteration)}};
    try {
      partrain::detail::create_folders(folder, "partrain::train_network checkpoint");
      if (net.on_host()) {
        save_network(net, file, metadata);
      } else {
        Net host_copy = net;
        host_copy.to(host_memory);
        save_network(host_copy, file, metadata);
      }
    } catch (const std::exception& failure) {
      return hook_result::warn(partrain::detail::concat("checkpoint of epoch ", e.epoch, " not written: ",
                                                        failure.what(), "; training goes on"));
    }
    written.push_back(file);
    std::string pruned;
    while (keep > 0 && int(written.size()) > keep) {
      std::error_code ec;
      std::filesystem::remove(written.front(), ec);
      if (ec) pruned = partrain::detail::concat("old checkpoint '", written.front().string(), "' not removed (",
                                                ec.message(), ")");
      written.pop_front();
    }
    return pruned.empty() ? hook_result::carry_on() : hook_result::warn(pruned);
  });
}

}  // namespace partrain::io
