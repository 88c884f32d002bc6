// The bodies of mpi/run_experiment.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/mpi.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "partrain/core/fingerprint.hpp"
#include "partrain/core/interrupt.hpp"
#include "partrain/experiment/run_experiment.hpp"
#include "partrain/mpi/rank_log.hpp"
#include "partrain/mpi/run_experiment.hpp"
#include "partrain/mpi/same_on_every_rank.hpp"
#include "partrain/mpi/world.hpp"

namespace partrain::mpi::detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::vector<std::uint64_t> experiment_fingerprint(const trial_plan& plan,
                                                                const std::vector<std::string>& architectures,
                                                                const experiment_options& o, std::uint64_t data) {
  fingerprint parts[4];
  auto text = [](fingerprint& f, const std::string& s) { f.add(s.data(), s.size()); };
  text(parts[0], plan.space().describe()), text(parts[0], plan.describe_strategy());
  for (const auto& a : architectures) text(parts[0], a);
  for (std::size_t i = 0; i < plan.size(); ++i)
    text(parts[0], experiment::values_json(plan.at(i)).dump()), parts[0].add_value(plan.at(i).seed);
  text(parts[1], experiment::describe(o.scheduler)), text(parts[1], o.metric);
  text(parts[2], std::filesystem::absolute(o.folder).lexically_normal().string());
  parts[3].add_value(data);
  return {parts[0].value(), parts[1].value(), parts[2].value(), parts[3].value()};
}

PARTRAIN_DECL void check_shared_folder(const world& w, const std::filesystem::path& folder) {
  std::error_code ec;
  const std::uint64_t sees = std::filesystem::exists(folder / experiment::journal_file, ec) ? 1 : 0;
  check_on_rank_0(w, {sees}, [&](const std::vector<std::uint64_t>& all) {
    std::string blind;
    for (std::size_t r = 1; r < all.size(); ++r)
      if (!all[r]) blind += (blind.empty() ? "" : ", ") + std::to_string(r);
    return blind.empty() ? std::string()
                         : partrain::concat_text("[partrain::mpi::run_experiment] rank(s) ", blind,
                                                 " do not see the experiment folder '", folder.string(),
                                                 "' that rank 0 opened: put it on a file system every rank sees "
                                                 "(trials checkpoint there, wherever they run)");
  }, nullptr);
}

PARTRAIN_DECL void start_log(rank_log& log, const world& w, const parallel::pool& workers, bool trains) {
  log.line(partrain::concat_text("starts on ", w.node(), " (pid ", ::getpid(), ", local rank ", w.local_rank(),
                                 " of ", w.size(), " ranks): ", trains ? workers.describe() : "coordinates only"));
}

PARTRAIN_DECL void end_log(rank_log& log, const std::exception_ptr& failed) {
  if (!failed) return log.line(interrupt_requested() ? "ends, interrupted (SIGTERM or Ctrl-C)" : "ends");
  try {
    std::rethrow_exception(failed);
  } catch (const std::exception& e) {
    log.line(partrain::concat_text("ends with an error: ", e.what()));
  }
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::mpi::detail
