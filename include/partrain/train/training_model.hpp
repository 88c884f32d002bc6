// The typed part of a training run as the engine sees it: a network with its solver state
// and its batches, behind a small interface that does not name the network's type.
#pragma once

#include <any>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "partrain/data/data_source.hpp"
#include "partrain/train/evaluate.hpp"
#include "partrain/train/run_snapshot.hpp"

namespace partrain::detail {

/// What the training engine asks of the network it trains. A typed_model<Net, Solver>
/// implements it; every call runs on the run's context (on a GPU: queued on its stream).
class training_model {
 public:
  virtual ~training_model() = default;

  virtual std::string description() const = 0;
  /// The network draws random numbers in training (dropout): steps cannot be replayed.
  virtual bool uses_randomness() const = 0;
  /// Whether it has batch-norm layers, whose population statistics finish the run.
  virtual bool keeps_population_statistics() const = 0;

  /// The network and the solver's state into the context's memory, or back into the host's.
  virtual void to_device() = 0;
  virtual void to_host() = 0;
  /// The input layer's normalization statistics over the training images in `order`.
  virtual void input_statistics(std::span<const std::size_t> order, std::size_t batch) = 0;

  /// The coming batches of `epoch` (0-based) take their images in `order` (kept alive).
  virtual void start_epoch(std::span<const std::size_t> order, std::size_t batch, std::uint64_t epoch) = 0;
  /// Reads the batch order[first, first + count) of the epoch started last; returns the
  /// images the source left out of it as unreadable (skip_bad_files; the batch is smaller).
  virtual std::span<const data::dropped_image> read_batch(std::size_t first, std::size_t count) = 0;
  /// Forward over the batch in training mode.
  virtual void forward() = 0;
  /// The batch's {loss, correct} into m, after forward (read on the host: the CPU).
  virtual void host_metrics(double* m) = 0;
  /// The same into device memory, setting *diverged when the loss is not finite (a GPU).
  virtual void device_metrics(double* m, int* diverged) = 0;
  /// Backward over the batch, regularized and clipped.
  virtual void gradients() = 0;
  /// The solver's update at learn rate lr (skipped on a device when *diverged is set).
  virtual void update(double lr, int* diverged) = 0;

  /// Loss and accuracy over the validation data.
  virtual evaluation validate() = 0;
  /// Keeps a copy of the network as the best so far; puts the kept copy back.
  virtual void keep_best() = 0;
  virtual void restore_best() = 0;
  /// Batch-norm statistics over the training images in `order` (MATLAB's 'population');
  /// returns the images the source left out as unreadable.
  virtual std::vector<data::dropped_image> population_statistics(std::span<const std::size_t> order, std::size_t batch,
                                                                 std::uint64_t epoch) = 0;
  /// The network, the solver's state and (with_best) the kept best network by name, and the
  /// layers' random step, into `s` (host memory; nothing may be queued on a device).
  virtual void save(run_snapshot& s, bool with_best) const = 0;
  /// Takes them back from a checkpoint's snapshot, checking every tensor's name and shape
  /// (io_error naming `folder`'s file); the best network only when keep_best.
  virtual void load(const run_snapshot& s, const std::string& folder, bool keep_best) = 0;
  /// The network, moved out, for training_error (after a failure).
  virtual std::any release_network() = 0;
};

}  // namespace partrain::detail
