// The bodies of train/run_stop.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/train.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <utility>

#include "partrain/core/error.hpp"
#include "partrain/train/run_hooks.hpp"
#include "partrain/train/run_stop.hpp"
#include "partrain/train/training_info.hpp"

namespace partrain::detail {
inline namespace PARTRAIN_ABI_NAMESPACE {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL void run_stop::ask(stop_reason why) {
  if (stopping_) return;
  if (why == stop_reason::cancelled) reason_ = why;
  else reason_ = why, stopping_ = true;
}
PARTRAIN_DECL void run_stop::ask(stop_request&& s) {
  if (s.reason == stop_reason::failed) {
    if (!s.cause) s.cause = std::make_exception_ptr(error(s.message.empty() ? "a hook failed" : s.message));
    if (!failure_) failure_ = std::move(s);
    reason_ = stop_reason::failed, stopping_ = true;
  } else if (!stopping_ && reason_ != stop_reason::cancelled) {
    const bool hooks_own = s.reason == stop_reason::output_fn || s.reason == stop_reason::validation_patience;
    reason_ = hooks_own ? s.reason : stop_reason::hook, stopping_ = true;
    words_ = std::move(s.message);
  }
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace partrain::detail
