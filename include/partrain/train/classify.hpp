// classify(net, data): predicted labels and class scores; accuracy as MATLAB's mean(YPred == Y).
#pragma once

#include <cstddef>
#include <numeric>
#include <string>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/backend/context.hpp"
#include "partrain/data/data_source.hpp"
#include "partrain/train/batch_reader.hpp"

namespace partrain {

/// The network's answer for every image of a data source, with the true labels beside it.
struct predictions {
  std::vector<int> predicted;               ///< class index per image
  std::vector<int> truth;                   ///< the source's label per image
  std::vector<float> scores;                ///< size() x num_classes class probabilities
  int num_classes = 0;
  std::vector<std::string> class_names;

  std::size_t size() const { return predicted.size(); }
  /// Probability of class c for image i.
  float score(std::size_t i, int c) const { return scores[i * num_classes + c]; }
};

/// Classifies every image of `data` in inference mode (moving batch-norm statistics, no
/// dropout) on the context's device, where the network must be (net.to(ctx.memory())).
template <class Net, data::source D>
predictions classify(Net& net, context& ctx, const D& data, int batch_size = 128) {
  check_data_fits<typename Net::input_shape>(data, Net::num_classes, "partrain::classify", "data");
  predictions out;
  out.num_classes = Net::num_classes;
  out.class_names = data.class_names();
  batch_reader<typename Net::value_type> reader;
  std::vector<std::size_t> indices;
  for (std::size_t start = 0; start < data.size(); start += batch_size) {
    indices.resize(std::min<std::size_t>(batch_size, data.size() - start));
    std::iota(indices.begin(), indices.end(), start);
    reader.read(ctx, data, indices, 0, data.image_dims(), Net::num_classes, true);  // a row per image
    tensor<typename Net::value_type> p = net.predict(ctx, reader.images());  // a host copy
    p.to(host_memory);
    for (std::size_t i = 0; i < indices.size(); ++i) {
      const auto* row = p.data() + i * Net::num_classes;
      out.predicted.push_back(int(std::max_element(row, row + Net::num_classes) - row));
      out.truth.push_back(reader.host_labels()[i]);
      out.scores.insert(out.scores.end(), row, row + Net::num_classes);
    }
  }
  return out;
}

/// The same on a CPU context of its own.
template <class Net, data::source D>
predictions classify(Net& net, const D& data, int batch_size = 128) {
  context ctx;
  return classify(net, ctx, data, batch_size);
}

inline namespace PARTRAIN_MODE_NAMESPACE {
/// Fraction of images classified correctly, 0..1 (MATLAB: mean(YPred == YTest)); 0 when
/// there are none.
PARTRAIN_DECL double accuracy_fraction(const predictions& p);
}  // namespace PARTRAIN_MODE_NAMESPACE

/// Percent of images classified correctly, 0..100, the unit of every other accuracy of
/// partrain (training_info, confusion_matrix, trial_record::test_accuracy).
inline double accuracy_percent(const predictions& p) { return 100.0 * accuracy_fraction(p); }

/// A fraction 0..1 while every other accuracy is in percent: use accuracy_fraction (the same
/// value) or accuracy_percent.
[[deprecated("accuracy() is a fraction (0..1) while partrain's other accuracies are percent: use "
             "accuracy_fraction (same value) or accuracy_percent")]]
inline double accuracy(const predictions& p) {
  return accuracy_fraction(p);
}

}  // namespace partrain

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/train/impl/classify.ipp"
#endif
