// Loss and accuracy of a network over a whole data source, with inference behaviour.
#pragma once

#include <algorithm>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "partrain/backend/context.hpp"
#include "partrain/data/data_source.hpp"
#include "partrain/layers/layer.hpp"
#include "partrain/train/batch_reader.hpp"

namespace partrain {

/// Mean cross-entropy and accuracy (percent) over every image of a source.
struct evaluation {
  double loss = 0;
  double accuracy = 0;
  /// Images the source left out as unreadable (skip_bad_files), not counted.
  std::vector<data::dropped_image> left_out{};
};

/// Runs `net` in inference mode over all of `data` (the last batch may be smaller); images a
/// source leaves out as unreadable (skip_bad_files) are not counted.
template <class Net, data::source D>
evaluation evaluate(Net& net, context& ctx, const D& data, int batch_size = 128) {
  check_data_fits<typename Net::input_shape>(data, Net::num_classes, "partrain::evaluate", "data");
  batch_reader<typename Net::value_type> reader;
  std::vector<std::size_t> indices;
  double loss_sum = 0;
  long correct = 0;
  const std::size_t n = data.size();
  std::size_t counted = 0;  // images a source that skips bad files did not leave out
  std::vector<data::dropped_image> left_out;
  for (std::size_t start = 0; start < n; start += batch_size) {
    indices.resize(std::min<std::size_t>(batch_size, n - start));
    std::iota(indices.begin(), indices.end(), start);
    reader.read(ctx, data, indices, 0, data.image_dims(), Net::num_classes);
    const std::size_t kept = reader.host_labels().size();
    net.forward(ctx, reader.images(), mode::inference);
    loss_sum += net.loss(ctx, reader.labels()) * double(kept);
    correct += net.correct(ctx, reader.labels());
    counted += kept;
    left_out.insert(left_out.end(), reader.dropped().begin(), reader.dropped().end());
  }
  return {loss_sum / double(counted), 100.0 * double(correct) / double(counted), std::move(left_out)};
}

}  // namespace partrain
