// The bodies of mpi/same_on_every_rank.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/mpi.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "partrain/core/error.hpp"
#include "partrain/mpi/same_on_every_rank.hpp"
#include "partrain/mpi/world.hpp"

namespace partrain::mpi::detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL void
check_on_rank_0(const world& w, const std::vector<std::uint64_t>& mine,
                const std::function<std::string(const std::vector<std::uint64_t>&)>& judge,
                const std::exception_ptr& own) {
  const int n = int(mine.size());
  std::vector<std::uint64_t> all(mine.size() * std::size_t(w.size()));
  MPI_Gather(mine.data(), n, MPI_UINT64_T, all.data(), n, MPI_UINT64_T, 0, w.comm());
  std::string problem = w.rank() == 0 ? judge(all) : std::string();
  int length = int(problem.size());
  MPI_Bcast(&length, 1, MPI_INT, 0, w.comm());
  problem.resize(std::size_t(length));
  MPI_Bcast(problem.data(), length, MPI_CHAR, 0, w.comm());
  if (own) std::rethrow_exception(own);
  PARTRAIN_CHECK(problem.empty(), config_error, problem);
}

PARTRAIN_DECL std::string differing_ranks(const std::vector<std::uint64_t>& all,
                                          const std::vector<std::string>& parts, const std::string& who,
                                          const std::string& what) {
  std::string out;
  for (std::size_t r = 1; r * parts.size() < all.size(); ++r) {
    std::string which;
    for (std::size_t k = 0; k < parts.size(); ++k)
      if (all[r * parts.size() + k] != all[k]) which += (which.empty() ? "" : ", ") + parts[k];
    if (!which.empty())
      out += partrain::concat_text(out.empty() ? "" : "; ", "rank ", r, ": ", which);
  }
  return out.empty() ? out
                     : partrain::concat_text(
                           "[", who, "] ranks whose ", what, " differs from rank 0's (", out,
                           "): every rank must run the same main with the same data and "
                           "options (SPMD); refused before any training");
}

PARTRAIN_DECL void check_same_on_every_rank(const world& w, const std::vector<std::uint64_t>& mine,
                                            const std::vector<std::string>& parts, const std::string& who,
                                            const std::string& what) {
  check_on_rank_0(
      w, mine,
      [&](const std::vector<std::uint64_t>& all) { return differing_ranks(all, parts, who, what); },
      nullptr);
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::mpi::detail
