// network<Layers...>: an architecture as a type. Shapes are chained and checked at compile
// time; an instance owns its parameters, gradients, layer state and activations.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <tuple>
#include <utility>

#include "partrain/backend/ops.hpp"
#include "partrain/backend/context.hpp"
#include "partrain/layers/contract.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/random.hpp"
#include "partrain/core/tensor.hpp"
#include "partrain/layers/layer.hpp"
#include "partrain/network_checks.hpp"
#include "partrain/network_layout.hpp"
#include "partrain/network_pass.hpp"
#include "partrain/network_traits.hpp"
#include "partrain/parameter_ref.hpp"
#include "partrain/residual.hpp"

namespace partrain {

/// A network of the flat layer list Layers... computing in T (float, or double for
/// gradient checks). Users write network<...> (float); see with_element for double.
template <element_type T, class... Layers>
class basic_network {
 public:
  using value_type = T;
  using layer_types = type_list<Layers...>;
  static constexpr std::size_t depth = sizeof...(Layers);
  static_assert(depth >= 1, "network: needs at least one layer, starting with image_input<H, W, C>");
  static_assert(input_layer<type_at<0, layer_types>>,
                "network: the first layer must be image_input<H, W, C>; add one that matches your "
                "images in front of the other layers");

  static_assert(check_network_layers<Layers...>());

 private:
  using chain_input = typename detail::image_shape_of<type_at<0, layer_types>>::type;

 public:
  /// The input shape of layer I; shape_at<depth> is the network's output shape.
  template <std::size_t I>
  using shape_at = typename detail::shape_chain<chain_input, layer_types, I>::type;
  using input_shape = shape_at<0>;
  using output_shape = shape_at<depth>;

 private:
  static_assert(detail::valid_structure<Layers...>());
  static constexpr bool ends_with_classification = is_named<type_at<depth - 1, layer_types>>("classification");

  using layout = detail::network_layout<T, chain_input, Layers...>;
  using impls = typename layout::impls;
  template <std::size_t I>
  using impl_at = typename layout::template impl_at<I>;
  static constexpr auto param_offset = layout::param_offset;
  static constexpr auto state_offset = layout::state_offset;

 public:
  /// Number of trainable values, number of state values, and activation values per image.
  static constexpr std::size_t parameter_count = layout::parameter_count;
  static constexpr std::size_t state_count = layout::state_count;
  static constexpr std::size_t activation_count = layout::activation_count;
  /// The flat buffer's parameter tensors in layer order, for optimizers, L2 and clipping.
  static constexpr auto parameter_slots = layout::parameter_slots;
  /// Forward-pass floating-point operations per image (2 per multiply-add; layers without
  /// weights count one operation per output element). A training step costs about 3x.
  static constexpr double flops_per_image = layout::flops_per_image;
  /// Bytes of activations plus their gradients a training step keeps per image.
  static constexpr std::size_t activation_bytes_per_image = 2 * activation_count * sizeof(T);
  static constexpr int num_classes = output_shape::channels;

  /// A network with Glorot-uniform weights, zero biases and default state drawn from `seed`.
  explicit basic_network(std::uint64_t seed = 0) { initialize(seed); }

  /// Re-draws every parameter and resets all state from `seed`, in host memory.
  void initialize(std::uint64_t seed) {
    params_.resize({1, 1, 1, int(parameter_count)}, host_memory);
    grads_.resize({1, 1, 1, int(parameter_count)}, host_memory);
    grads_.fill(T(0));
    state_.resize({1, 1, 1, int(state_count)}, host_memory);
    random_engine rng(seed);
    // Layer by layer, its parameters then its state: the order of the draws.
    const auto& parameters = layout::parameter_tensors;
    const auto& states = layout::state_tensors;
    for (std::size_t layer = 0, p = 0, s = 0; layer < depth; ++layer) {
      for (; p < parameters.size() && parameters[p].layer == layer; ++p)
        initial_values(parameters[p].spec, params_.data() + parameters[p].at, rng);
      for (; s < states.size() && states[s].layer == layer; ++s)
        initial_values(states[s].spec, state_.data() + states[s].at, rng);
    }
    for_each_layer([&]<std::size_t I>() {
      if constexpr (requires { std::get<I>(impls_).set_seed(seed); })
        std::get<I>(impls_).set_seed(seed ^ (0x9E3779B97F4A7C15ull * (I + 1)));
    });
  }

  /// Moves parameters, gradients and state into memory space m (the CUDA device's memory
  /// of a CUDA context: to(ctx.memory())); forward and backward then run on a context of
  /// that space, and activations follow on the next forward. train_network moves the
  /// network to its worker's device and returns it in host memory.
  void to(const memory_space& m) {
    if (&m == &memory()) return;
    params_.to(m), grads_.to(m), state_.to(m);
    pass_.clear();
    for_each_layer([&]<std::size_t I>() {  // residual blocks' own activations
      if constexpr (requires { std::get<I>(impls_).clear(); }) std::get<I>(impls_).clear();
    });
  }
  /// Where the parameters live; host memory unless to() moved them.
  const memory_space& memory() const { return params_.space(); }
  bool on_host() const { return params_.on_host(); }

  /// Runs the layers on x (n x C x H x W). Returns the output of the last layer (class
  /// probabilities for a classifier; a population_statistics pass stops after the last
  /// batch norm and leaves the output as it was). x must stay alive and unchanged until backward.
  /// Throws shape_error for a wrong or empty batch, data_error for non-finite input
  /// (checked on host memory; device batches are checked when uploaded), config_error
  /// when the network or x is not in the context's memory.
  const tensor<T>& forward(context& ctx, const tensor<T>& x, mode m) {
    detail::check_input(*this, x);
    detail::check_memory(*this, ctx, x);
    return pass_.forward(ctx, impls_, flat(), x.data(), x.n(), m, fusion_);
  }

  /// The last forward's output (in the network's memory).
  const tensor<T>& output() const { return pass_.output(); }

  /// Class probabilities of x, with inference behaviour (moving statistics, no dropout).
  const tensor<T>& predict(context& ctx, const tensor<T>& x) { return forward(ctx, x, mode::inference); }

  /// Mean cross-entropy of the last forward's probabilities against labels.
  double loss(context& ctx, std::span<const int> labels) const
    requires ends_with_classification
  {
    detail::check_labels(*this, labels, pass_.batch());
    return backend::cross_entropy(ctx, pass_.batch(), num_classes, output().data(), labels.data());
  }
  /// How many of the last forward's predictions match the labels.
  int correct(context& ctx, std::span<const int> labels) const
    requires ends_with_classification
  {
    detail::check_labels(*this, labels, pass_.batch());
    return backend::count_correct(ctx, pass_.batch(), num_classes, output().data(), labels.data());
  }

  /// Gradients of the mean cross-entropy of the last forward w.r.t. every parameter,
  /// softmax and cross-entropy differentiated together. Gradients are overwritten.
  void backward(context& ctx, std::span<const int> labels, bool input_gradient = false)
    requires ends_with_classification
  {
    detail::check_labels(*this, labels, pass_.batch());
    backend::softmax_cross_entropy_backward(ctx, pass_.batch(), num_classes, output().data(), labels.data(),
                                            pass_.gradient(depth - 2).data());
    pass_.template backpropagate<depth - 2>(ctx, impls_, flat(), input_gradient);
  }

  /// Gradients of sum(dy * output) of the last forward (any network; used by gradient checks).
  void backward_from(context& ctx, const tensor<T>& dy, bool input_gradient = false) {
    PARTRAIN_CHECK(dy.extents() == output().extents(), shape_error,
                   "[partrain::network::backward_from] output gradient is ", dy.extents().str(),
                   "; expected ", output().extents().str());
    pass_.gradient(depth) = dy;
    pass_.template backpropagate<depth>(ctx, impls_, flat(), input_gradient);
  }

  /// Gradient w.r.t. the input of the last backward called with input_gradient = true.
  const tensor<T>& input_gradient() const { return pass_.gradient(0); }

  /// Fused groups (batch_norm -> relu [-> max_pool2d], layers/fusion.hpp) run as one op on
  /// the CPU, on by default; off runs every layer alone, with the same results bit for bit
  /// (for comparisons). Takes effect at the next forward.
  void set_layer_fusion(bool on) { fusion_ = on; }
  bool layer_fusion() const { return fusion_; }

  /// Calls f(parameter_ref<T>) for every trainable tensor, in layer order.
  template <class F>
  void for_each_parameter(F&& f) {
    detail::require_host(*this, "for_each_parameter");
    for (const auto& t : layout::parameter_tensors)
      f(parameter_ref<T>{label(t.layer) + "." + std::string(t.spec.name), t.spec,
                         {params_.data() + t.at, t.spec.size()}, {grads_.data() + t.at, t.spec.size()}});
  }
  /// Calls f(state_ref<T>) for every state tensor, in layer order.
  template <class F>
  void for_each_state(F&& f) {
    detail::require_host(*this, "for_each_state");
    for (const auto& t : layout::state_tensors)
      f(state_ref<T>{label(t.layer) + "." + std::string(t.spec.name), t.spec, {state_.data() + t.at, t.spec.size()}});
  }

  /// All parameters, gradients and state as flat buffers (one fused optimizer update).
  std::span<T> parameters() { return {params_.data(), parameter_count}; }
  std::span<const T> parameters() const { return {params_.data(), parameter_count}; }
  std::span<T> gradients() { return {grads_.data(), parameter_count}; }
  std::span<T> state() { return {state_.data(), state_count}; }
  std::span<const T> state() const { return {state_.data(), state_count}; }

  /// Batch-norm population statistics: call begin, run forward(..., population_statistics)
  /// over the training data, then finish to store them as the layers' trained statistics.
  void begin_population_statistics() {
    for_each_layer([&]<std::size_t I>() {
      if constexpr (partrain::keeps_population_statistics<type_at<I, layer_types>>) std::get<I>(impls_).reset_population();
    });
  }
  void finish_population_statistics() {
    // The layers write on the host: a device network's state goes through a host copy.
    tensor<T> staged;
    if (!state_.on_host()) staged = state_, staged.to(host_memory);
    T* state = state_.on_host() ? state_.data() : staged.data();
    for_each_layer([&]<std::size_t I>() {
      if constexpr (partrain::keeps_population_statistics<type_at<I, layer_types>>)
        std::get<I>(impls_).finish_population(state + state_offset[I]);
    });
    if (!state_.on_host()) copy_between(state_.space(), state_.data(), host_memory, state, state_count * sizeof(T));
  }
  /// Some layer draws random numbers in training (dropout: a new mask each step from a host
  /// counter), so a recorded step cannot be replayed.
  static constexpr bool uses_randomness = (partrain::uses_randomness<Layers> || ...);
  /// Where the layers that draw are in their sequence (dropout: steps so far, one per
  /// backward); a checkpoint stores it and a resume sets it back. 0 when none draws.
  std::uint32_t random_step() const {
    std::uint32_t step = 0;
    std::apply([&](const auto&... l) { ((step = random_step_of(l, step)), ...); }, impls_);
    return step;
  }
  void set_random_step(std::uint32_t step) {
    std::apply([&](auto&... l) { ((set_random_step_of(l, step)), ...); }, impls_);
  }
  /// Some layer keeps population statistics (batch norm), recomputed after training.
  static constexpr bool keeps_population_statistics = (partrain::keeps_population_statistics<Layers> || ...);

  /// Input normalization statistics (zerocenter, zscore, rescale) from training batches.
  void reset_input_statistics() { std::get<0>(impls_).reset_statistics(); }
  void accumulate_input_statistics(const tensor<T>& x) {
    detail::check_input(*this, x);
    detail::require_host(*this, "accumulate_input_statistics");
    PARTRAIN_CHECK(x.on_host(), config_error, "[partrain::network::accumulate_input_statistics] the batch is in ",
                   x.space().name, " memory; expected host memory");
    std::get<0>(impls_).accumulate_statistics(x.n(), x.data());
  }
  void finish_input_statistics() {
    detail::require_host(*this, "finish_input_statistics");
    std::get<0>(impls_).finish_statistics(state_.data() + state_offset[0]);
  }

  /// "image_input<28,28,1,zerocenter> conv2d<3,8,same,1> ..." — the architecture in words.
  static std::string description() {
    std::string s;
    ((s += (s.empty() ? "" : " ") + Layers::str()), ...);
    return s;
  }
  /// "conv2d_2": the layer's kind and its 1-based count among layers of that kind.
  static std::string label(std::size_t index) {
    static const auto labels = detail::layer_labels<Layers...>();
    return labels[index];
  }

 private:
  template <class F>
  void for_each_layer(F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) { (f.template operator()<I>(), ...); }(
        std::make_index_sequence<depth>{});
  }
  template <class L>
  static std::uint32_t random_step_of(const L& l, std::uint32_t otherwise) {
    if constexpr (requires { l.random_step(); }) return l.random_step();
    else return otherwise;
  }
  template <class L>
  static void set_random_step_of(L& l, std::uint32_t step) {
    if constexpr (requires { l.set_random_step(step); }) l.set_random_step(step);
  }

  typename detail::network_pass<T, chain_input, Layers...>::buffers flat() {
    return {params_.data(), grads_.data(), state_.data()};
  }

  impls impls_;
  tensor<T> params_, grads_, state_;
  detail::network_pass<T, chain_input, Layers...> pass_;
  bool fusion_ = true;
};

namespace detail {
template <class T, class List>
struct network_of;
template <class T, class... Ls>
struct network_of<T, type_list<Ls...>> {
  using type = basic_network<T, Ls...>;
};
template <class Net, class T>
struct rebind_network;
template <class U, class... Ls, class T>
struct rebind_network<basic_network<U, Ls...>, T> {
  using type = basic_network<T, Ls...>;
};
}  // namespace detail

/// The float network of the given layers; sequence<...> and repeat<N, ...> blocks are spliced in.
template <class... Layers>
using network = typename detail::network_of<float, flatten<Layers...>>::type;

/// The same architecture computing in T (e.g. double for gradient checks).
template <class Net, element_type T>
using with_element = typename detail::rebind_network<Net, T>::type;

}  // namespace partrain
