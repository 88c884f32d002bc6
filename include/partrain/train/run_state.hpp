// Everything a training run needs to continue exactly where it was, typed: what
// training_run::snapshot makes and resume takes (checkpoints hold the same by name, as a
// run_snapshot: train/run_snapshot.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "partrain/train/training_info.hpp"

namespace partrain {

/// Where a run is, besides its network and solver: its iteration, its random numbers (the
/// shuffle generator's position, the epoch's order, the layers' draws — augmentation is
/// keyed by seed, epoch and image, so it needs nothing), validation's record and the
/// history so far. The learn-rate schedules are functions of the iteration: no state.
struct run_position {
  int iteration = 0;  ///< iterations done; the run continues with the next
  int iterations_per_epoch = 0;
  std::uint64_t shuffle_draws = 0;  ///< words the shuffle generator has drawn
  std::vector<std::size_t> order;   ///< the current epoch's image order
  std::uint32_t random_step = 0;    ///< network::random_step (dropout's masks)
  double best_validation_loss = std::numeric_limits<double>::infinity();
  int best_iteration = 0;  ///< 0: no validation yet
  int validations_without_improvement = 0;
  training_info history;
  double elapsed_seconds = 0;

  /// The epoch of the last iteration done (0 before the first).
  int epoch() const { return iteration == 0 ? 0 : (iteration - 1) / iterations_per_epoch + 1; }
};

/// A solver state that names its fields — f(name, tensor) for per-parameter tensors,
/// f(name, number) for counters — so checkpoints can save and restore it.
template <class State>
concept lists_its_fields = requires(State& s) { s.for_each_field([](std::string_view, auto&) {}); };

/// Calls f(name, field) for each field of a solver state that lists them; nothing otherwise.
template <class State, class F>
void for_each_solver_field(State& s, F&& f) {
  if constexpr (lists_its_fields<State>) s.for_each_field(f);
}

/// A run's whole state in host memory.
template <class Net, class Solver>
struct run_state {
  Net network;
  typename Solver::template state<Net> solver;
  std::optional<Net> best_network;  ///< output_network best_validation_loss: the best so far
  run_position position;
};

}  // namespace partrain
