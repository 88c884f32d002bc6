// What every early-stopping test checks of an experiment folder: each (trial, rung) decided
// once, every decision replayed from the ones before it in the journal's order; and what it
// compares a stopped trial's history with (its full run's start).
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <utility>
#include <vector>

#include "partrain/experiment.hpp"

namespace test {

inline std::vector<partrain::experiment::rung_record> rung_records(const std::filesystem::path& folder) {
  return partrain::experiment::read_rung_records(folder);
}

/// Each (trial, rung) journaled once, and every decision replays in the journal's order.
inline void check_rung_journal(const std::filesystem::path& folder, const partrain::experiment::scheduler& s) {
  const auto rungs = rung_records(folder);
  std::set<std::pair<std::size_t, std::size_t>> seen;
  for (const auto& r : rungs) CHECK_MESSAGE(seen.insert({r.trial, r.rung}).second, "trial ", r.trial, " rung ", r.rung);
  const auto again = partrain::experiment::replay(s, rungs);
  for (std::size_t k = 0; k < rungs.size(); ++k) {
    CAPTURE(k);
    CHECK(again[k].stop == rungs[k].stop);
    CHECK(again[k].compared_with == rungs[k].compared_with);
    CHECK((again[k].cutoff == rungs[k].cutoff || (std::isnan(again[k].cutoff) && std::isnan(rungs[k].cutoff))));
  }
}

/// `a` is the start of `full`: the same run, stopped earlier or not (equal numbers; NaN
/// where `full` has NaN, as a history read back from its file has).
inline bool prefix_of(const std::vector<double>& a, const std::vector<double>& full) {
  if (a.size() > full.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k)
    if (!(a[k] == full[k] || (std::isnan(a[k]) && std::isnan(full[k])))) return false;
  return true;
}

}  // namespace test
