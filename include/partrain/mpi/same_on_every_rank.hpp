// Checks that every rank built the same thing (SPMD): each rank's fingerprints go to rank 0,
// which names the ranks that differ and in what; every rank then throws the same error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/mpi/world.hpp"

namespace partrain::mpi::detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

/// Every rank's `mine` (the same count on each) to rank 0, whose `judge` names a problem
/// (empty: none) from all of them, rank by rank; then every rank throws it as a config_error
/// — rank 0 `own`, if judge set it (its own exception, of its own type).
PARTRAIN_DECL void
check_on_rank_0(const world& w, const std::vector<std::uint64_t>& mine,
                const std::function<std::string(const std::vector<std::uint64_t>&)>& judge,
                const std::exception_ptr& own);

/// Which ranks' parts (named by `parts`) differ from rank 0's, as "[who] ranks whose ...";
/// empty when none.
PARTRAIN_DECL std::string differing_ranks(const std::vector<std::uint64_t>& all,
                                          const std::vector<std::string>& parts, const std::string& who,
                                          const std::string& what);

/// check_on_rank_0 of `mine` against rank 0's, naming what differs with `parts`.
PARTRAIN_DECL void check_same_on_every_rank(const world& w, const std::vector<std::uint64_t>& mine,
                                            const std::vector<std::string>& parts, const std::string& who,
                                            const std::string& what);

}  // namespace PARTRAIN_MODE_NAMESPACE
} // namespace partrain::mpi::detail

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/mpi/impl/same_on_every_rank.ipp"
#endif
