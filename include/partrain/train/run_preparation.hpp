// What a training run does before its first iteration that does not depend on the run's
// state: checking its inputs, shuffling, and the input layer's normalization statistics.
#pragma once

#include <algorithm>
#include <iostream>
#include <mutex>
#include <cstddef>
#include <span>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/backend/context.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/random.hpp"
#include "partrain/core/type_list.hpp"
#include "partrain/layers/image_input.hpp"
#include "partrain/train/batch_reader.hpp"
#include "partrain/train/training_options.hpp"

namespace partrain {

namespace detail {
/// Says once per process, on std::clog, that partrain runs unoptimised (no __OPTIMIZE__ in
/// the translation unit that trains): about 14x slower than with -O2.
inline void warn_if_unoptimized() {
#ifndef __OPTIMIZE__
  static std::once_flag once;
  std::call_once(once, [] {
    std::clog << "partrain: warning: this program was compiled without optimisation, so training runs about 14x "
                 "slower; build with -O2 (CMake: -DCMAKE_BUILD_TYPE=Release)\n";
  });
#endif
}

inline namespace PARTRAIN_ABI_NAMESPACE {
inline namespace PARTRAIN_MODE_NAMESPACE {
/// Fisher-Yates with partrain's generator: the same permutation on every platform.
PARTRAIN_DECL void shuffle_indices(std::vector<std::size_t>& order, random_engine& rng);
}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace PARTRAIN_ABI_NAMESPACE

template <class Net>
constexpr bool needs_input_statistics =
    partrain::type_at<0, typename Net::layer_types>::norm != layers::normalization::none;

/// The input layer's normalization statistics (zerocenter, zscore, rescale) over `data`.
template <class Net, class D>
void input_statistics(Net& net, const D& data, std::span<const std::size_t> order, std::size_t batch) {
  batch_reader<typename Net::value_type> reader;
  net.reset_input_statistics();
  for (std::size_t at = 0; at < order.size(); at += batch) {
    const std::size_t count = std::min(batch, order.size() - at);
    reader.read(data, order.subspan(at, count), 0, data.image_dims());
    net.accumulate_input_statistics(reader.images());
  }
  net.finish_input_statistics();
}

/// Checks the options, the data's shape and the device before anything runs (config_error,
/// shape_error); returns the number of training images.
template <class Net, class D, class Solver, class Schedule>
std::size_t check_training_inputs(const D& data, const training_options<Solver, Schedule>& options, context& ctx) {
  constexpr const char* where = "partrain::train_network";
  options.validate();
  warn_if_unoptimized();
  check_data_fits<typename Net::input_shape>(data, Net::num_classes, where, "training data");
  if (options.validation_data)
    check_data_fits<typename Net::input_shape>(options.validation_data, Net::num_classes, where,
                                               "validation_data");
  const std::size_t n = data.size(), batch = std::size_t(options.mini_batch_size);
  PARTRAIN_CHECK(batch <= n, config_error, "[partrain::training_options] mini_batch_size is ", batch,
                 " but the training data has only ", n, " images; expected at most ", n);
  PARTRAIN_CHECK(!(options.execution_environment == execution_environment::gpu && ctx.device().is_cpu()),
                 config_error, "[partrain::training_options] execution_environment is gpu but this "
                 "worker's device is cpu (no CUDA device, or the program was not compiled with nvcc)");
  return n;
}
}  // namespace detail

}  // namespace partrain

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/train/impl/run_preparation.ipp"
#endif
