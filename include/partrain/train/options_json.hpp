// The options a run was trained with (options_record) as JSON, and back: what experiment
// folders and checkpoints hold. (Until 0.2 also in partrain::io, through io/network_io.hpp.)
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <variant>

#include <nlohmann/json.hpp>

#include "partrain/config.hpp"
#include "partrain/train/options_record.hpp"
#include "partrain/train/training_options.hpp"

namespace partrain {
inline namespace PARTRAIN_MODE_NAMESPACE {

/// The options a network was trained with as a JSON object (keys sorted by name): numbers
/// (non-finite ones, such as an infinite validation_patience, as null), integers, switches
/// and words; null for an absent one.
PARTRAIN_DECL nlohmann::json options_json(const options_record& record);

/// The inverse of options_json, for a trial read back (null stays null: an absent option,
/// or a number that was not finite, such as an infinite validation_patience).
PARTRAIN_DECL options_record options_from_json(const nlohmann::json& j);

}  // namespace PARTRAIN_MODE_NAMESPACE

/// The same from the options themselves (record_options: every option and hyper-parameter).
template <class Solver, class Schedule>
nlohmann::json options_json(const training_options<Solver, Schedule>& o) {
  return options_json(record_options(o));
}

}  // namespace partrain

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/train/impl/options_json.ipp"
#endif
