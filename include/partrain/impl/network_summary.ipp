// The bodies of network_summary.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/network.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>

#include "partrain/network_summary.hpp"

namespace partrain {
namespace detail {
// 1234567 -> "1,234,567".
inline std::string grouped(double value) {
  std::string digits = std::to_string(static_cast<unsigned long long>(std::llround(value)));
  for (int at = int(digits.size()) - 3; at > 0; at -= 3) digits.insert(std::size_t(at), ",");
  return digits;
}
}  // namespace detail

inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::string summary_table(const std::vector<summary_row>& rows) {
  const std::array<std::string, 6> header{"Layer", "Type", "Output (HxWxC)", "Learnables", "State", "MACs/image"};
  std::vector<std::array<std::string, 6>> cells;
  std::size_t learnables = 0, states = 0, layers = 0;
  double macs = 0;
  for (const auto& r : rows) {
    cells.push_back({std::string(2 * std::size_t(r.depth), ' ') + r.name, r.type, r.output,
                     detail::grouped(double(r.learnables)), detail::grouped(double(r.states)), detail::grouped(r.macs)});
    if (r.depth == 0) learnables += r.learnables, states += r.states, macs += r.macs, ++layers;
  }
  std::array<std::size_t, 6> width{};
  for (std::size_t c = 0; c < 6; ++c) {
    width[c] = header[c].size();
    for (const auto& line : cells) width[c] = std::max(width[c], line[c].size());
  }
  auto line_of = [&](const std::array<std::string, 6>& cell) {
    std::string out;
    for (std::size_t c = 0; c < 6; ++c) {
      const std::string pad(width[c] - cell[c].size(), ' ');
      out += c < 3 ? cell[c] + pad : pad + cell[c];  // text left, numbers right
      out += c + 1 < 6 ? "  " : "\n";
    }
    return out;
  };
  std::string out = line_of(header);
  std::array<std::string, 6> rule;
  for (std::size_t c = 0; c < 6; ++c) rule[c] = std::string(width[c], '-');
  out += line_of(rule);
  for (const auto& line : cells) out += line_of(line);
  out += line_of(rule);
  out += std::to_string(layers) + " layers: " + detail::grouped(double(learnables)) + " learnables, " +
         detail::grouped(double(states)) + " state values, " + detail::grouped(macs) +
         " multiply-accumulates per image\n";
  return out;
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain
