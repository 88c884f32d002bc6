// The bodies of mpi/wire.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/mpi.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <string>
#include <utility>

#include "partrain/format/json.hpp"
#include "partrain/format/safetensors.hpp"
#include "partrain/io/training_info_io.hpp"
#include "partrain/mpi/wire.hpp"

namespace partrain::mpi::wire {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL nlohmann::json progress_json(std::size_t trial, const training_progress& p) {
  return {{"trial", trial}, {"state", int(p.state)}, {"epoch", p.epoch}, {"iteration", p.iteration},
          {"iterations_per_epoch", p.iterations_per_epoch}, {"max_iterations", p.max_iterations},
          {"training_loss", json_number(p.training_loss)}, {"training_accuracy", json_number(p.training_accuracy)},
          {"validation_loss", json_number(p.validation_loss)},
          {"validation_accuracy", json_number(p.validation_accuracy)},
          {"base_learn_rate", json_number(p.base_learn_rate)}, {"elapsed_seconds", p.elapsed_seconds},
          {"images_per_second", p.images_per_second}, {"warning", p.warning}};
}
PARTRAIN_DECL training_progress progress_from(const nlohmann::json& j) {
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

PARTRAIN_DECL nlohmann::json result_json(const experiment::trial_result& r) {
  nlohmann::json metrics = nlohmann::json::object();
  for (const auto& [k, v] : r.metrics) metrics[k] = json_number(v);
  return {{"trial", r.trial.index}, {"status", to_string(r.status)}, {"error", r.error},
          {"stop_reason", r.stop_reason}, {"rung", r.rung}, {"metrics", metrics}, {"worker", r.worker},
          {"rank", r.rank}, {"device", r.device}, {"host", r.host}, {"seconds", json_number(r.seconds)},
          {"info", to_json(r.info)}};
}
PARTRAIN_DECL void apply_result(const nlohmann::json& j, experiment::trial_result& r) {
  const std::string where = "[partrain::mpi] trial result: ";
  r.status = experiment::status_from(j.at("status").get<std::string>());
  r.error = j.at("error"), r.stop_reason = j.at("stop_reason"), r.rung = j.at("rung");
  r.metrics.clear();
  for (const auto& [k, v] : j.at("metrics").items()) r.metrics[k] = from_json_number(v, where, k.c_str());
  r.worker = j.at("worker"), r.rank = j.at("rank"), r.device = j.at("device"), r.host = j.at("host");
  r.seconds = from_json_number(j.at("seconds"), where, "seconds");
  r.info = training_info_from_json(j.at("info"), "a trial result from another rank");
}

PARTRAIN_DECL void put_record(const io::trial_record& record, message& m) {
  m.head["record"] = {{"name", record.name}, {"architecture", record.architecture}, {"solver", record.solver},
                      {"options", record.options}, {"info", to_json(record.info)},
                      {"test_accuracy", json_number(record.test_accuracy)}};
  m.blob = format::serialize_safetensors(record.tensors, record.metadata);
}
PARTRAIN_DECL io::trial_record take_record(const message& m) {
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

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::mpi::wire
