// One pass of a chain of layers (a network's, or a residual block's body): the activations
// and their gradients for a batch, and the layers run forward and backward — each alone, or a
// fused group as one op on the CPU (layers/fusion.hpp). basic_network owns one; the
// parameters, gradients and state it reads and writes stay the network's flat buffers.
#pragma once

#include <array>
#include <cstddef>
#include <tuple>
#include <utility>

#include "partrain/backend/context.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/tensor.hpp"
#include "partrain/layers/fusion.hpp"
#include "partrain/layers/layer.hpp"
#include "partrain/network_layout.hpp"
#include "partrain/network_traits.hpp"

namespace partrain::detail {

template <element_type T, class In, class... Layers>
class network_pass {
  using layer_types = type_list<Layers...>;
  static constexpr std::size_t depth = sizeof...(Layers);
  using layout = network_layout<T, In, Layers...>;
  using fusion = layers::fusion_plan<Layers...>;
  template <std::size_t I>
  using shape_at = typename shape_chain<In, layer_types, I>::type;

 public:
  using impls = typename layout::impls;
  /// The flat buffers a pass reads and writes (the network's, or a block's part of them).
  struct buffers {
    const T* params;
    T *grads, *state;
  };

  /// Runs the layers on the batch of n at x (checked by the network); fused groups when
  /// `fusion` is on and the context is a CPU's (blocks inside are told too). A
  /// population_statistics pass stops after the last batch norm unless `whole` (a block's
  /// body, whose output the layers after it need).
  const tensor<T>& forward(context& ctx, impls& layers, buffers b, const T* x, int n, mode m, bool fusion,
                           bool whole = false) {
    fused_ = fusion && fusion::any && ctx.device().is_cpu();
    prepare(n, ctx.memory());
    input_ = x;
    each_layer([&]<std::size_t I>() {
      if constexpr (requires { std::get<I>(layers).set_layer_fusion(fusion); })
        std::get<I>(layers).set_layer_fusion(fusion);
      if (whole || m != mode::population_statistics || I < layout::population_depth)
        forward_layer<I>(ctx, layers, b, m);
    });
    return act_[depth];
  }

  /// Runs layers Last-1 ... 0 backwards from the gradient of layer Last-1's output: `dy`, or
  /// gradient(Last) when dy is null. The input gradient goes to dx (not computed when dx is
  /// null); a layer's input gradient is computed only when some earlier layer trains or dx
  /// asks for it.
  template <std::size_t Last>
  void backpropagate(context& ctx, impls& layers, buffers b, T* dx, const T* dy = nullptr) {
    PARTRAIN_CHECK(input_ != nullptr, error, "[partrain::network::backward] call forward first");
    input_gradient_ = dx, output_gradient_ = dy;
    [&]<std::size_t... R>(std::index_sequence<R...>) {
      (backward_layer<Last - 1 - R, Last>(ctx, layers, b), ...);
    }(std::make_index_sequence<Last>{});
  }
  /// backpropagate into gradient(0), resized for the batch when `input_gradient`.
  template <std::size_t Last>
  void backpropagate(context& ctx, impls& layers, buffers b, bool input_gradient) {
    if (input_gradient) dact_[0].resize(batch_dims<shape_at<0>>(batch_), ctx.memory());
    backpropagate<Last>(ctx, layers, b, input_gradient ? dact_[0].data() : nullptr);
  }

  /// The last forward's output; the gradient w.r.t. the input of layer i (i = depth: the output).
  const tensor<T>& output() const { return act_[depth]; }
  tensor<T>& gradient(std::size_t i) { return dact_[i]; }
  const tensor<T>& gradient(std::size_t i) const { return dact_[i]; }
  /// Images in the last forward's batch.
  int batch() const { return batch_; }
  /// Forgets the activations (the network moved to another memory).
  void clear() { act_ = {}, dact_ = {}, input_ = nullptr; }

 private:
  template <class F>
  static void each_layer(F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) { (f.template operator()<I>(), ...); }(
        std::make_index_sequence<depth>{});
  }
  template <std::size_t I>
  const T* layer_input() const {
    if constexpr (I == 0) return input_;
    else return act_[I].data();
  }
  // Layer I alone, or the fused group that starts at I (span layers), or nothing when I
  // lies inside a group that runs fused.
  template <std::size_t I>
  void forward_layer(context& ctx, impls& layers, buffers b, mode m) {
    constexpr std::size_t span = fusion::span[I];
    if (span != 1 && fused_) {
      if constexpr (span > 1)
        run_group<I>(layers, [&](auto& group, auto&... impl) {
          group.forward(ctx, layer_buffers_at<I, span>(b), m, impl...);
        });
      return;
    }
    std::get<I>(layers).forward(ctx, layer_buffers_at<I, 1>(b), m);
  }
  template <std::size_t I, std::size_t Last>
  void backward_layer(context& ctx, impls& layers, buffers flat) {
    const bool input_gradient = input_gradient_ != nullptr;
    // Before the first layer that trains no gradient is needed, but a layer that draws
    // (dropout) still counts its step there, or its next mask would repeat this one.
    if (I < layout::first_trainable && !input_gradient && !partrain::uses_randomness<partrain::type_at<I, layer_types>>)
      return;
    T* const dx = I > 0 ? dact_[I].data() : input_gradient_;
    const bool need_dx = I > layout::first_trainable || input_gradient;
    constexpr std::size_t span = fusion::span[I];
    if (span != 1 && fused_) {
      if constexpr (span > 1) {
        auto b = layer_buffers_at<I, span, Last>(flat);
        b.dx = need_dx ? dx : nullptr;
        run_group<I>(layers, [&](auto& group, auto&... impl) { group.backward(ctx, b, impl...); });
      }
      return;
    }
    auto b = layer_buffers_at<I, 1, Last>(flat);
    b.dx = need_dx ? dx : nullptr;
    std::get<I>(layers).backward(ctx, b);
  }
  // Layers I .. I + Span - 1 seen as one layer: their input, the last one's output and its
  // gradient, layer I's parameters and state (dx is left for the caller).
  template <std::size_t I, std::size_t Span, std::size_t Last = depth + 1>
  layer_buffers<T> layer_buffers_at(buffers b) {
    const T* dy = I + Span == Last && output_gradient_ ? output_gradient_ : dact_[I + Span].data();
    return {.n = batch_, .x = layer_input<I>(), .y = act_[I + Span].data(), .dy = dy,
            .params = b.params + layout::param_offset[I], .dparams = b.grads + layout::param_offset[I],
            .state = b.state + layout::state_offset[I]};
  }
  // f(fused_group<L_I, ...>{}, impl_I, impl_I+1, ...) for the group that starts at I.
  template <std::size_t I, class F>
  static void run_group(impls& layers, F&& f) {
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      layers::fused_group<partrain::type_at<I + K, layer_types>...> group;
      f(group, std::get<I + K>(layers)...);
    }(std::make_index_sequence<fusion::span[I]>{});
  }
  // Activations and their gradients for a batch of n; those inside fused groups are not kept.
  void prepare(int n, const memory_space& m) {
    batch_ = n;
    each_layer([&]<std::size_t I>() {
      if (fused_ && fusion::inner[I + 1]) {
        act_[I + 1] = {}, dact_[I + 1] = {};
        return;
      }
      act_[I + 1].resize(batch_dims<shape_at<I + 1>>(n), m);
      dact_[I + 1].resize(batch_dims<shape_at<I + 1>>(n), m);
    });
  }

  std::array<tensor<T>, depth + 1> act_, dact_;  // act_[i]: input of layer i (i >= 1)
  const T* input_ = nullptr;
  T* input_gradient_ = nullptr;         // the backward under way: where the input gradient goes
  const T* output_gradient_ = nullptr;  // and the gradient it starts from, when not dact_[Last]
  int batch_ = 0;
  bool fused_ = false;  // the last forward ran fused groups
};

}  // namespace partrain::detail
