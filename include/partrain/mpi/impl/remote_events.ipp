// The bodies of mpi/remote_events.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/mpi.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <chrono>
#include <cmath>
#include <mutex>
#include <string>
#include <utility>

#include "partrain/experiment/train_trial.hpp"
#include "partrain/mpi/link.hpp"
#include "partrain/mpi/remote_events.hpp"
#include "partrain/mpi/wire.hpp"

namespace partrain::mpi::detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL bool needed_on_rank_0(const training_progress& p) {
  return p.state != training_state::iteration || !p.warning.empty() || !std::isnan(p.validation_loss) ||
         experiment::journaled(p);
}

PARTRAIN_DECL void remote_events::started(const experiment::trial_result& r, const std::string& resumes_from) {
  link_.send(0, make_message(message_kind::started, {{"trial", r.trial.index},
                                                     {"worker", r.worker},
                                                     {"rank", r.rank},
                                                     {"device", r.device},
                                                     {"host", r.host},
                                                     {"resumes_from", resumes_from}}));
}

PARTRAIN_DECL void remote_events::progress(std::size_t i, const training_progress& p) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    auto [last, first] = last_sent_.try_emplace(i, now);
    if (!first && !needed_on_rank_0(p) && now - last->second < latest_every) return;
    last->second = now;
  }
  link_.send_progress(wire::progress_json(i, p));
}

PARTRAIN_DECL void remote_events::rung(std::size_t i, const std::string& text) {
  link_.send(0, make_message(message_kind::rung, {{"trial", i}, {"text", text}}));
}

PARTRAIN_DECL void remote_events::ended(const experiment::trial_result& r, const io::trial_record* record) {
  {
    std::lock_guard lock(mutex_);
    last_sent_.erase(r.trial.index);
  }
  message m = make_message(message_kind::ended, {{"result", wire::result_json(r)}});
  if (record) wire::put_record(*record, m);
  link_.send(0, std::move(m));
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::mpi::detail
