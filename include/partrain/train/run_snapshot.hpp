// A training run's whole state without its network's type: the network, the solver's state
// and the kept best network as named tensors, the solver's counters, and where the run is.
// What checkpoints write and read; the typed model makes it and takes it back.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "partrain/format/safetensors.hpp"
#include "partrain/train/run_state.hpp"

namespace partrain {

/// A run's state in host memory, by name ("conv2d_1.weight", "conv2d_1.weight.velocity").
struct run_snapshot {
  std::string architecture;  ///< the network's description
  std::string solver;        ///< the solver's name
  std::vector<format::named_tensor> network;
  std::vector<format::named_tensor> solver_state;      ///< per parameter and field
  nlohmann::json solver_counters = nlohmann::json::object();  ///< counters by field (adam's step)
  std::vector<format::named_tensor> best_network;      ///< empty: none kept
  run_position position;
};

}  // namespace partrain
