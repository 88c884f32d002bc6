// parallel::fetch_outputs: wait for every future of a sweep and collect the results
// (MATLAB's fetchOutputs); a failed trial's error is rethrown only after all have finished.
#pragma once

#include <cstddef>
#include <exception>
#include <future>
#include <type_traits>
#include <vector>

#include "partrain/core/error.hpp"

namespace partrain::parallel {

namespace detail {
template <class R>
void check_futures(const std::vector<std::future<R>>& futures, const char* caller = "fetch_outputs") {
  for (std::size_t i = 0; i < futures.size(); ++i)
    PARTRAIN_CHECK(futures[i].valid(), config_error, "[partrain::parallel::", caller, "] future ",
                   i, " of ", futures.size(),
                   " has no result to fetch (already fetched, moved from or default-constructed); "
                   "expected futures returned by pool::submit");
}
}  // namespace detail

/// Waits until every future is ready, then returns their values in order.
/// Requires: every future valid (else config_error before waiting). Ensures: all futures are
/// consumed. Throws: the exception of the first failed future (by index), after all finished.
template <class R>
requires(!std::is_void_v<R>) std::vector<R> fetch_outputs(std::vector<std::future<R>>& futures) {
  detail::check_futures(futures);
  for (auto& f : futures) f.wait();
  std::vector<R> results;
  results.reserve(futures.size());
  std::exception_ptr first;
  for (auto& f : futures) {
    try {
      results.push_back(f.get());
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  }
  if (first) std::rethrow_exception(first);
  return results;
}

/// As above for jobs without a result: waits for all, then rethrows the first failure.
inline void fetch_outputs(std::vector<std::future<void>>& futures) {
  detail::check_futures(futures);
  for (auto& f : futures) f.wait();
  std::exception_ptr first;
  for (auto& f : futures) {
    try {
      f.get();
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  }
  if (first) std::rethrow_exception(first);
}

}  // namespace partrain::parallel
