// The events of an experiment's trial on a rank other than 0, as messages to rank 0, which
// holds the journal and the table. Progress is thinned on the way: rank 0 journals one item
// per epoch and shows the latest in its table, so a trial sends what either needs — epoch
// ends, validations, other states, warnings — and its latest iteration at most every
// 100 ms. Rank 0 then serves thousands of fast workers instead of about a hundred.
#pragma once

#include <chrono>
#include <cmath>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>

#include "partrain/config.hpp"
#include "partrain/experiment/train_trial.hpp"
#include "partrain/mpi/link.hpp"
#include "partrain/mpi/wire.hpp"

namespace partrain::mpi::detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

/// Whether rank 0 needs this progress item itself, not only the latest of its trial.
PARTRAIN_DECL bool needed_on_rank_0(const training_progress& p);

class remote_events final : public experiment::trial_events {
 public:
  /// Between a trial's items that are not needed_on_rank_0, at least this long.
  static constexpr auto latest_every = std::chrono::milliseconds(100);

  explicit remote_events(link& l) : link_(l) {}
  PARTRAIN_DECL void started(const experiment::trial_result& r, const std::string& resumes_from) override;
  PARTRAIN_DECL void progress(std::size_t i, const training_progress& p) override;
  PARTRAIN_DECL void rung(std::size_t i, const std::string& text) override;
  PARTRAIN_DECL void ended(const experiment::trial_result& r, const io::trial_record* record) override;

 private:
  link& link_;
  std::mutex mutex_;
  std::map<std::size_t, std::chrono::steady_clock::time_point> last_sent_;  // per running trial
};

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::mpi::detail

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/mpi/impl/remote_events.ipp"
#endif
