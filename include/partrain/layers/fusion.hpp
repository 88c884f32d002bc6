// Fused layer groups: batch_norm -> leaky_relu (-> max_pool2d) run on the CPU as one op that
// normalizes each plane while it is in cache, so the group reads its input and writes its
// output once, and keeps no activations between its layers. The network finds the groups
// in its layer list at compile time (fusion_plan) and runs them when its context is the
// CPU; every step is the unfused layer's own plane kernel, so the results are the same bit
// for bit as the layers run one by one (basic_network::set_layer_fusion(false)).
#pragma once

#include <array>
#include <cstddef>
#include <tuple>

#include "partrain/backend/context.hpp"
#include "partrain/backend/ops.hpp"
#include "partrain/layers/contract.hpp"
#include "partrain/layers/activations.hpp"
#include "partrain/layers/batch_norm.hpp"
#include "partrain/layers/pooling.hpp"

namespace partrain::layers {

/// How many layers from A on form one fused group (1: A runs alone).
template <class A, class B, class C>
inline constexpr std::size_t fused_span = 1;
template <int N, int D, class C>
inline constexpr std::size_t fused_span<batch_norm, leaky_relu<N, D>, C> = 2;
// Overlapping pool windows (stride < size) run alone: a cell that wins two windows would
// take the activation's gradient of a sum, which fusion would round differently.
template <int N, int D, int S, int St, padding P>
inline constexpr std::size_t fused_span<batch_norm, leaky_relu<N, D>, max_pool2d<S, St, P>> = St >= S ? 3 : 2;

/// The groups of a layer list, taken greedily from the front: span[i] layers run as one op
/// from layer i (1 for a layer alone, 0 for a layer inside a group); inner[i] is true when
/// activation i (the input of layer i) lies inside a group and is never stored.
template <class... Layers>
struct fusion_plan {
  static constexpr std::size_t depth = sizeof...(Layers);
  using padded = std::tuple<Layers..., void, void>;
  static constexpr std::array<std::size_t, depth> span = [] {
    constexpr std::array<std::size_t, depth> alone = []<std::size_t... I>(std::index_sequence<I...>) {
      return std::array<std::size_t, depth>{
          fused_span<std::tuple_element_t<I, padded>, std::tuple_element_t<I + 1, padded>,
                     std::tuple_element_t<I + 2, padded>>...};
    }(std::make_index_sequence<depth>{});
    std::array<std::size_t, depth> s{};
    for (std::size_t i = 0; i < depth; i += alone[i]) s[i] = alone[i];
    return s;
  }();
  static constexpr std::array<bool, depth + 1> inner = [] {
    std::array<bool, depth + 1> in{};
    for (std::size_t i = 0; i < depth; ++i)
      for (std::size_t k = 1; k < span[i]; ++k) in[i + k] = true;
    return in;
  }();
  static constexpr bool any = [] {
    for (std::size_t s : span)
      if (s > 1) return true;
    return false;
  }();
};

namespace fusion_detail {  // not "detail": layers name partrain::detail unqualified
template <element_type T, std::size_t Plane>
backend::cpu::epilogue_scratch<T> epilogue_scratch(context& ctx) {
  T* s = ctx.workspace<T>(2 * Plane);
  return {s, s + Plane};
}
}  // namespace fusion_detail

/// A fused group's forward and backward, given the impls of its layers; b describes the
/// group as one layer (x: the batch norm's input, y and dy: the last layer's output).
template <class... Ls>
struct fused_group;

template <int N, int D>
struct fused_group<batch_norm, leaky_relu<N, D>> {
  template <class Bn, class Relu, element_type T>
  static void forward(context& ctx, const layer_buffers<T>& b, mode m, Bn& bn, Relu&) {
    bn.forward_then(ctx, b, m, epilogue<Bn, T>(ctx, b.y));
  }
  template <class Bn, class Relu, element_type T>
  static void backward(context& ctx, const layer_buffers<T>& b, Bn& bn, Relu&) {
    bn.backward_through(ctx, b, epilogue<Bn, T>(ctx, b.y));
  }

 private:
  template <class Bn, element_type T>
  static auto epilogue(context& ctx, const T* y) {
    return backend::cpu::leaky_relu_epilogue<T>(fusion_detail::epilogue_scratch<T, Bn::plane>(ctx), y,
                                                Bn::plane, T(leaky_relu<N, D>::scale));
  }
};

template <int N, int D, int S, int St, padding P>
struct fused_group<batch_norm, leaky_relu<N, D>, max_pool2d<S, St, P>> {
  template <class Bn, class Relu, class Pool, element_type T>
  static void forward(context& ctx, const layer_buffers<T>& b, mode m, Bn& bn, Relu&, Pool& pool) {
    bn.forward_then(ctx, b, m, epilogue<Bn, T>(ctx, b.y, pool, b.n));
  }
  template <class Bn, class Relu, class Pool, element_type T>
  static void backward(context& ctx, const layer_buffers<T>& b, Bn& bn, Relu&, Pool& pool) {
    bn.backward_through(ctx, b, epilogue<Bn, T>(ctx, b.y, pool, b.n));
  }

 private:
  template <class Bn, element_type T, class Pool>
  static auto epilogue(context& ctx, const T* y, Pool& pool, int n) {
    // The backward pass keeps a pooled plane's gradients in the scratch plane z.
    static_assert(std::size_t(Pool::g.out_h) * Pool::g.out_w <= Bn::plane);
    return backend::cpu::leaky_relu_max_pool_epilogue<T>(fusion_detail::epilogue_scratch<T, Bn::plane>(ctx),
                                                         y, Pool::g, pool.argmax_for(ctx.memory(), n),
                                                         T(leaky_relu<N, D>::scale));
  }
};

}  // namespace partrain::layers
