// The bodies of network_tensors.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/network.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/network_tensors.hpp"

namespace partrain {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::string architecture_differences(const std::string& file, const std::string& net) {
  auto split = [](const std::string& s) {
    std::vector<std::string> out;
    for (std::size_t at = 0; at < s.size();) {
      const auto end = std::min(s.find(' ', at), s.size());
      if (end > at) out.push_back(s.substr(at, end - at));
      at = end + 1;
    }
    return out;
  };
  const auto a = split(file), b = split(net);
  std::string out;
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    if (i < a.size() && i < b.size() && a[i] == b[i]) continue;
    out += out.empty() ? "" : "; ";
    out += "layer " + std::to_string(i + 1) + ": the file has " + (i < a.size() ? a[i] : "no layer") +
           " where the network has " + (i < b.size() ? b[i] : "no layer");
  }
  return out;
}

PARTRAIN_DECL std::string first_tensor_difference(const std::vector<format::named_tensor>& file,
                                                  const std::vector<format::named_tensor>& net) {
  std::map<std::string, const format::named_tensor*> by_name;
  for (const auto& t : file) by_name[t.name] = &t;
  std::set<std::string> in_network;
  for (const auto& t : net) {
    in_network.insert(t.name);
    const auto it = by_name.find(t.name);
    if (it == by_name.end()) return "the network's tensor '" + t.name + "' is not in the file";
    if (it->second->shape != t.shape)
      return "tensor '" + t.name + "' is " + format::shape_string(it->second->shape) + " in the file and " +
             format::shape_string(t.shape) + " in the network";
  }
  for (const auto& t : file)
    if (!in_network.count(t.name)) return "the file's tensor '" + t.name + "' is not in the network";
  return "";
}

PARTRAIN_DECL bool names_another_architecture(const format::safetensors_content& content, const std::string& expected) {
  const auto it = content.metadata.find("architecture");
  return it != content.metadata.end() && it->second != expected;
}

PARTRAIN_DECL void check_architecture(const format::safetensors_content& content, const std::string& expected,
                                      const std::string& source, const std::vector<format::named_tensor>& net) {
  if (!names_another_architecture(content, expected)) return;
  const auto it = content.metadata.find("architecture");
  const std::string tensor = net.empty() ? "" : first_tensor_difference(content.tensors, net);
  fail<io_error>("[partrain::io::load] '", source, "': the file holds another architecture (",
                 architecture_differences(it->second, expected), ")", tensor.empty() ? "" : "; first, ", tensor,
                 "; to load its tensors into this network anyway, by name, use io::load_tensors_by_name");
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain
