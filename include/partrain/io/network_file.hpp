// One network in one .safetensors file, one call each way: save_network writes its
// parameters and state with its architecture in the metadata; load_network reads it back
// into a Net, refusing a file of another architecture (naming the layers that differ).
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "partrain/network_tensors.hpp"
#include "partrain/format/safetensors.hpp"
#include "partrain/io/trial_record.hpp"

namespace partrain::io {

/// Writes net to `file` (atomically) with metadata {"architecture": Net::description(),
/// "partrain_version"} plus `metadata`. Throws io_error naming the file when it cannot be
/// written or exists as something other than a regular file; config_error when `metadata`
/// sets "architecture" to another value.
template <class Net>
void save_network(Net& net, const std::filesystem::path& file, std::map<std::string, std::string> metadata = {}) {
  const auto it = metadata.find("architecture");
  PARTRAIN_CHECK(it == metadata.end() || it->second == Net::description(), config_error,
                 "[partrain::io::save_network] '", file.string(), "': metadata 'architecture' is '", it->second,
                 "' but the network is '", Net::description(), "'; leave it out (save_network sets it)");
  metadata["architecture"] = Net::description();
  metadata.try_emplace("partrain_version", std::string(partrain_version));
  format::write_safetensors(file, network_tensors(net), metadata);
}

/// Reads a network saved by save_network (or any .safetensors with the network's tensor
/// names and shapes), or the network of a checkpoint folder. Throws io_error naming the
/// file when it is missing or damaged, names another architecture, or lacks or adds a
/// tensor (see assign_network_tensors).
template <class Net>
Net load_network(const std::filesystem::path& path) {
  std::error_code ec;
  const auto file = std::filesystem::is_directory(path, ec) ? path / "network.safetensors" : path;
  Net net(0);
  assign_network_tensors(net, format::read_safetensors(file), file.string());
  return net;
}

}  // namespace partrain::io
