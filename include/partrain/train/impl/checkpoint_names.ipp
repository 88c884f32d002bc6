// The bodies of train/checkpoint_names.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/train.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "partrain/core/error.hpp"
#include "partrain/core/filesystem.hpp"
#include "partrain/format/files.hpp"
#include "partrain/train/checkpoint_names.hpp"

namespace partrain {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL void check_checkpoint_folder(const std::filesystem::path& folder) {
  try {
    create_folders(folder, "partrain::training_options");
    const auto probe = folder / ".partrain-checkpoint-write-check";
    format::write_file_atomic(probe, std::string_view("partrain\n"), "partrain::training_options");
    std::error_code ec;
    std::filesystem::remove(probe, ec);
  } catch (const io_error& e) {
    fail<config_error>("[partrain::training_options] checkpoint_path '", folder.string(),
                       "' cannot hold checkpoints: ", e.what(), "; expected a folder this program can create and write");
  }
}

PARTRAIN_DECL std::string checkpoint_name(int epoch, int iteration) {
  char name[64];
  std::snprintf(name, sizeof name, "checkpoint-epoch%03d-iteration%06d", epoch, iteration);
  return name;
}

PARTRAIN_DECL std::optional<int> checkpoint_iteration(const std::string& name) {
  int epoch = 0, iteration = 0, end = 0;
  if (std::sscanf(name.c_str(), "checkpoint-epoch%d-iteration%d%n", &epoch, &iteration, &end) != 2 ||
      std::size_t(end) != name.size())
    return std::nullopt;
  return iteration;
}

PARTRAIN_DECL std::vector<std::filesystem::path> list_checkpoints(const std::filesystem::path& folder) {
  std::vector<std::pair<int, std::filesystem::path>> found;
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) return {};
  for (const auto& entry : list_folder(folder, false, "partrain::io::list_checkpoints"))
    if (const auto i = checkpoint_iteration(entry.path().filename().string());
        i && std::filesystem::exists(entry.path() / "state.json", ec))
      found.emplace_back(*i, entry.path());
  std::sort(found.begin(), found.end());
  std::vector<std::filesystem::path> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

PARTRAIN_DECL std::optional<std::filesystem::path> latest_checkpoint(const std::filesystem::path& folder) {
  auto all = list_checkpoints(folder);
  if (all.empty()) return std::nullopt;
  return all.back();
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain
