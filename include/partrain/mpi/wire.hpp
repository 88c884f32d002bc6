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

inline nlohmann::json progress_json(std::size_t trial, const training_progress& p) {
  return {{"trial", trial}, {"state", int(p.state)}, {"epoch", p.epoch}, {"iteration", p.iteration},
          {"iterations_per_epoch", p.iterations_per_epoch}, {"max_iterations", p.max_iterations},
          {"training_loss", json_number(p.training_loss)}, {"training_accuracy", json_number(p.training_accuracy)},
          {"validation_loss", json_number(p.validation_loss)},
          {"validation_accuracy", json_number(p.validation_accuracy)},
          {"base_learn_rate", json_number(p.base_learn_rate)}, {"elapsed_seconds", p.elapsed_seconds},
          {"images_per_second", p.images_per_second}, {"warning", p.warning}};
}
inline training_progress progress_from(const nlohmann::json& j) {
  const std::string where = "[partrain::mpi] progress: ";
  training_progress p;
  p.trial = j.at("trial").get<int>();
  p.state = training_state(j.at("state").get<int>());
  p.epoch = j.at("epoch"), p.iteration = j.at("iteration");
  p.iterations_per_epoch = j.at("iterations_per_epoch"), p.max_iterations = j.at("max_iterations");
  p.training_loss = from_json_number(j.at("training_loss"), where, "training_loss");
  p.training_accuracy = from_json_number(j.at("training_accuracy"), where, "training_accuracy");
  p.validation_loss = from_json_number(j.at("validation_loss"), where, "validation_loss");
  p.validation_accuracy = from_json_number(j.at("validation_accuracy"), where, "validation_accuracy");
  p.base_learn_rate = from_json_number(j.at("base_learn_rate"), where, "base_learn_rate");
  p.elapsed_seconds = j.at("elapsed_seconds"), p.images_per_second = j.at("images_per_second");
  p.warning = j.at("warning");
  return p;
}

/// What a rank learnt running a trial (not its trial, folder or architecture: both sides know them).
inline nlohmann::json result_json(const experiment::trial_result& r) {
  nlohmann::json metrics = nlohmann::json::object();
  for (const auto& [k, v] : r.metrics) metrics[k] = json_number(v);
  return {{"trial", r.trial.index}, {"status", to_string(r.status)}, {"error", r.error},
          {"stop_reason", r.stop_reason}, {"rung", r.rung}, {"metrics", metrics}, {"worker", r.worker},
          {"rank", r.rank}, {"device", r.device}, {"host", r.host}, {"seconds", json_number(r.seconds)},
          {"info", to_json(r.info)}};
}
inline void apply_result(const nlohmann::json& j, experiment::trial_result& r) {
  const std::string where = "[partrain::mpi] trial result: ";
  r.status = experiment::status_from(j.at("status").get<std::string>());
  r.error = j.at("error"), r.stop_reason = j.at("stop_reason"), r.rung = j.at("rung");
  r.metrics.clear();
  for (const auto& [k, v] : j.at("metrics").items()) r.metrics[k] = from_json_number(v, where, k.c_str());
  r.worker = j.at("worker"), r.rank = j.at("rank"), r.device = j.at("device"), r.host = j.at("host");
  r.seconds = from_json_number(j.at("seconds"), where, "seconds");
  r.info = training_info_from_json(j.at("info"), "a trial result from another rank");
}

/// A trained network's record: its fields in the head, its tensors as safetensors bytes.
inline void put_record(const io::trial_record& record, message& m) {
  m.head["record"] = {{"name", record.name}, {"architecture", record.architecture}, {"solver", record.solver},
                      {"options", record.options}, {"info", to_json(record.info)},
                      {"test_accuracy", json_number(record.test_accuracy)}};
  m.blob = format::serialize_safetensors(record.tensors, record.metadata);
}
inline io::trial_record take_record(const message& m) {
  const nlohmann::json& j = m.head.at("record");
  io::trial_record r;
  r.name = j.at("name"), r.architecture = j.at("architecture"), r.solver = j.at("solver");
  r.options = j.at("options");
  r.info = training_info_from_json(j.at("info"), "a trained network from another rank");
  r.test_accuracy = from_json_number(j.at("test_accuracy"), "[partrain::mpi] record: ", "test_accuracy");
  format::safetensors_content content = format::parse_safetensors(m.blob, "a trained network from another rank");
  r.tensors = std::move(content.tensors), r.metadata = std::move(content.metadata);
  return r;
}

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
