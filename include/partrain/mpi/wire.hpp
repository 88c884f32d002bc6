// The payloads of the messages ranks send each other (mpi/message.hpp): progress, trial
// results, trained networks. Only host data.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "partrain/config.hpp"
#include "partrain/experiment/results.hpp"
#include "partrain/io/network_io.hpp"
#include "partrain/format/safetensors.hpp"
#include "partrain/io/training_info_io.hpp"
#include "partrain/io/trial_record.hpp"
#include "partrain/mpi/message.hpp"
#include "partrain/train/training_progress.hpp"

namespace partrain::mpi {

namespace wire {
using format::from_json_number;
using format::json_number;

inline namespace PARTRAIN_MODE_NAMESPACE {
PARTRAIN_DECL nlohmann::json progress_json(std::size_t trial, const training_progress& p);
PARTRAIN_DECL training_progress progress_from(const nlohmann::json& j);

/// What a rank learnt running a trial (not its trial, folder or architecture: both sides know them).
PARTRAIN_DECL nlohmann::json result_json(const experiment::trial_result& r);
PARTRAIN_DECL void apply_result(const nlohmann::json& j, experiment::trial_result& r);

/// A trained network's record: its fields in the head, its tensors as safetensors bytes.
PARTRAIN_DECL void put_record(const io::trial_record& record, message& m);
PARTRAIN_DECL io::trial_record take_record(const message& m);
}  // namespace PARTRAIN_MODE_NAMESPACE

/// A trained network as a message: its record (put_record) with the options it was trained with.
template <class Net>
void put_trained(trained<Net>& t, message& m) {
  put_record(io::trial_record_of(std::string(), t, t.options, std::numeric_limits<double>::quiet_NaN()), m);
}
/// put_trained's network back; throws io_error naming `source` when it is not a Net.
template <class Net>
trained<Net> take_trained(const message& m, const std::string& source) {
  io::trial_record r = take_record(m);
  PARTRAIN_CHECK(r.architecture == Net::description(), io_error, "[partrain::mpi] ", source, " holds the architecture '",
                 r.architecture, "', not '", Net::description(), "'");
  trained<Net> out{Net(0), std::move(r.info), options_from_json(r.options)};
  assign_network_tensors(out.network, r.tensors, source);
  return out;
}

}  // namespace wire
}  // namespace partrain::mpi

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/mpi/impl/wire.ipp"
#endif
