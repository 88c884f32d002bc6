// What a network checks of what it is given: the batch's shape, the labels, and that the
// network, the batch and the context share one memory. Errors name the layer.
#pragma once

#include <cstddef>
#include <span>

#include "partrain/backend/context.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/shape.hpp"
#include "partrain/core/tensor.hpp"

namespace partrain::detail {

/// The network and the batch x in the context's memory: config_error otherwise.
template <class Net, class T>
void check_memory(const Net& net, const context& ctx, const tensor<T>& x) {
  PARTRAIN_CHECK(&net.memory() == &ctx.memory(), config_error, "[partrain::network] the network is in ",
                 net.memory().name, " memory but the context runs on ", ctx.device().name(),
                 "; call net.to(ctx.memory()) first");
  PARTRAIN_CHECK(&x.space() == &ctx.memory(), config_error, "[partrain::network layer 1 (", Net::label(0),
                 ")] the input batch is in ", x.space().name, " memory; expected ", ctx.memory().name,
                 " memory, where the context runs");
}

/// The network in host memory, for `what`: config_error otherwise.
template <class Net>
void require_host(const Net& net, const char* what) {
  PARTRAIN_CHECK(net.on_host(), config_error, "[partrain::network::", what, "] the network is in ",
                 net.memory().name, " memory; call net.to(host_memory) first");
}

/// A batch of at least one image of the network's input shape: shape_error otherwise.
template <class Net, class T>
void check_input(const Net&, const tensor<T>& x) {
  using in = typename Net::input_shape;
  PARTRAIN_CHECK(x.n() > 0, shape_error, "[partrain::network layer 1 (", Net::label(0),
                 ")] batch size is 0; expected at least one image of ", shape_string<in>());
  const dims want = batch_dims<in>(x.n());
  PARTRAIN_CHECK(x.extents() == want, shape_error, "[partrain::network layer 1 (", Net::label(0),
                 ")] input batch has shape ", x.extents().str(), " (n,c,h,w); expected ", want.str(), " for ",
                 shape_string<in>(), " images");
}

/// One label per image of the batch, each a class (checked in host memory; device labels
/// are checked when uploaded): shape_error or data_error otherwise.
template <class Net>
void check_labels(const Net& net, std::span<const int> labels, int batch) {
  constexpr std::size_t depth = Net::depth;
  PARTRAIN_CHECK(int(labels.size()) == batch, shape_error, "[partrain::network layer ", depth, " (",
                 Net::label(depth - 1), ")] got ", labels.size(), " labels for a batch of ", batch);
  if (!net.on_host()) return;
  for (std::size_t i = 0; i < labels.size(); ++i)
    PARTRAIN_CHECK(labels[i] >= 0 && labels[i] < Net::num_classes, data_error, "[partrain::network layer ", depth,
                   " (", Net::label(depth - 1), ")] label ", labels[i], " of image ", i, " is outside 0..",
                   Net::num_classes - 1);
}

}  // namespace partrain::detail
