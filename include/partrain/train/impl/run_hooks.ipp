// The bodies of train/run_hooks.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/train.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <cstddef>
#include <string>

#include "partrain/core/error.hpp"
#include "partrain/train/run_hooks.hpp"
#include "partrain/train/training_progress.hpp"

namespace partrain {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL void run_hooks::finish(const finish_event& e) {
  for (std::size_t i = 0, n = finish_.size(); i < n; ++i) try {
      finish_[i].f(e);
    } catch (...) {
    }
}

PARTRAIN_DECL std::string run_hooks::where(const checkpoint_event& e) {
  return concat_text("the checkpoint after iteration ", e.iteration, " (epoch ", e.epoch, ")");
}
PARTRAIN_DECL std::string run_hooks::where(const epoch_event& e) {
  return concat_text("the end of epoch ", e.epoch, " (iteration ", e.iteration, ")");
}
PARTRAIN_DECL std::string run_hooks::at(const training_progress& p) {
  return concat_text("iteration ", p.iteration, " (epoch ", p.epoch, ")");
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain
