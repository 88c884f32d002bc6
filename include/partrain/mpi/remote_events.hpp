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

#include "partrain/experiment/train_trial.hpp"
#include "partrain/mpi/link.hpp"
#include "partrain/mpi/wire.hpp"

namespace partrain::mpi::detail {

/// Whether rank 0 needs this progress item itself, not only the latest of its trial.
inline bool needed_on_rank_0(const training_progress& p) {
  return p.state != training_state::iteration || !p.warning.empty() || !std::isnan(p.validation_loss) ||
         experiment::journaled(p);
}

class remote_events final : public experiment::trial_events {
 public:
  /// Between a trial's items that are not needed_on_rank_0, at least this long.
  static constexpr auto latest_every = std::chrono::milliseconds(100);

  explicit remote_events(link& l) : link_(l) {}
  void started(const experiment::trial_result& r, const std::string& resumes_from) override {
    link_.send(0, make_message(message_kind::started, {{"trial", r.trial.index},
                                                       {"worker", r.worker},
                                                       {"rank", r.rank},
                                                       {"device", r.device},
                                                       {"host", r.host},
                                                       {"resumes_from", resumes_from}}));
  }
  void progress(std::size_t i, const training_progress& p) override {
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(mutex_);
      auto [last, first] = last_sent_.try_emplace(i, now);
      if (!first && !needed_on_rank_0(p) && now - last->second < latest_every) return;
      last->second = now;
    }
    link_.send_progress(wire::progress_json(i, p));
  }
  void rung(std::size_t i, const std::string& text) override {
    link_.send(0, make_message(message_kind::rung, {{"trial", i}, {"text", text}}));
  }
  void ended(const experiment::trial_result& r, const io::trial_record* record) override {
    {
      std::lock_guard lock(mutex_);
      last_sent_.erase(r.trial.index);
    }
    message m = make_message(message_kind::ended, {{"result", wire::result_json(r)}});
    if (record) wire::put_record(*record, m);
    link_.send(0, std::move(m));
  }

 private:
  link& link_;
  std::mutex mutex_;
  std::map<std::size_t, std::chrono::steady_clock::time_point> last_sent_;  // per running trial
};

}  // namespace partrain::mpi::detail
