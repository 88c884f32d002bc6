// The bodies of data/split_each_label.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/data.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <cmath>
#include <utility>

#include "partrain/core/error.hpp"
#include "partrain/core/random.hpp"
#include "partrain/data/image_datastore.hpp"
#include "partrain/data/split_each_label.hpp"

namespace partrain::data {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::vector<image_datastore> split_each_label(const image_datastore& ds, std::span<const double> parts,
                                                            split_options opt) {
  constexpr const char* where = "[partrain::data::split_each_label] ";
  PARTRAIN_CHECK(!parts.empty(), config_error, where, "no proportions or counts given");
  PARTRAIN_CHECK(ds.num_classes() > 0, data_error, where,
                 "the datastore has no labels; use label_source folder_names or explicit labels");
  const bool proportions = parts[0] < 1;
  double sum = 0;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const double p = parts[k];
    PARTRAIN_CHECK(p > 0 && std::isfinite(p), config_error, where, "value ", k + 1, " is ", p,
                   "; expected a proportion in (0, 1) or a count >= 1");
    PARTRAIN_CHECK((p < 1) == proportions, config_error, where, "value ", k + 1, " is ", p,
                   "; expected all proportions (< 1) or all counts (>= 1), not a mix");
    PARTRAIN_CHECK(proportions || p == std::floor(p), config_error, where, "count ", p, " is not a whole number");
    sum += p;
  }
  PARTRAIN_CHECK(!proportions || sum <= 1 + 1e-9, config_error, where, "proportions sum to ", sum,
                 "; expected at most 1");

  std::vector<std::vector<std::size_t>> by_label(std::size_t(ds.num_classes()));
  for (std::size_t i = 0; i < ds.size(); ++i)
    if (ds.label(i) >= 0) by_label[std::size_t(ds.label(i))].push_back(i);

  std::vector<std::vector<char>> part_of(parts.size() + 1, std::vector<char>(ds.size(), 0));
  const auto classes = ds.class_names();
  for (std::size_t l = 0; l < by_label.size(); ++l) {
    auto& files = by_label[l];
    const std::size_t n = files.size();
    if (n == 0) continue;
    if (opt.randomize) {  // Fisher-Yates with a stream per label, so labels do not interact
      random_engine rng(opt.seed, std::uint32_t(l));
      for (std::size_t i = n - 1; i > 0; --i) std::swap(files[i], files[std::size_t(rng.uniform(0, double(i + 1)))]);
    }
    std::size_t begin = 0;
    double cumulative = 0;
    for (std::size_t k = 0; k <= parts.size(); ++k) {
      std::size_t end = n;
      if (k < parts.size()) {
        cumulative += parts[k];
        // 1e-9 keeps e.g. 0.7 + 0.2 from rounding to 899 of 1000.
        end = proportions ? std::size_t(std::floor(double(n) * cumulative + 1e-9)) : std::size_t(cumulative);
        PARTRAIN_CHECK(end <= n, data_error, where, "label '", classes[l], "' has ", n, " images; the counts ask for ",
                       end);
      }
      PARTRAIN_CHECK(opt.allow_empty || end > begin, data_error, where, "label '", classes[l], "' has ", n,
                     " images; the split leaves part ", k + 1, " of ", parts.size() + 1,
                     " with none of them. Use more images, other proportions, or allow_empty = true");
      for (std::size_t i = begin; i < end; ++i) part_of[k][files[i]] = 1;
      begin = end;
    }
  }
  std::vector<image_datastore> out;
  for (const auto& member : part_of) {
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < member.size(); ++i)
      if (member[i]) idx.push_back(i);
    out.push_back(ds.subset(idx));
  }
  return out;
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::data
