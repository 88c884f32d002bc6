// The run-time part of residual<Body, Shortcut, Activation> (residual.hpp): the body's and the
// shortcut's passes over the block's slice of the network's buffers, the addition, the
// activation, and backward through all of it. Included by residual.hpp.
#pragma once

#include "partrain/layers/activations.hpp"
#include "partrain/residual.hpp"

namespace partrain::detail {
/// The leaky_relu activations (relu too): a block adds and activates in one pass.
template <class A>
inline constexpr bool is_leaky_relu = false;
template <int Num, int Den>
inline constexpr bool is_leaky_relu<layers::leaky_relu<Num, Den>> = true;
}  // namespace partrain::detail

namespace partrain::layers {

template <class Body, class Shortcut, class Activation>
template <static_shape In, element_type T>
struct residual<Body, Shortcut, Activation>::impl {
  using out = output_shape<In>;
  using body_layout = typename body_chain::template layout<T, In>;
  using shortcut_layout = typename shortcut_chain::template layout<T, In>;
  using body_pass = typename body_chain::template pass<T, In>;
  struct no_pass {
    using impls = std::tuple<>;
  };
  using shortcut_pass = std::conditional_t<projection, typename shortcut_chain::template pass<T, In>, no_pass>;

  // The block's tensors: the body's, then the shortcut's, each named after its part.
  static constexpr auto parameter_parts = detail::join(body_chain::template tensors<true, T, In>("body"),
                                                       shortcut_chain::template tensors<true, T, In>("shortcut"));
  static constexpr auto state_parts = detail::join(body_chain::template tensors<false, T, In>("body"),
                                                   shortcut_chain::template tensors<false, T, In>("shortcut"));
  static constexpr auto parameter_names = detail::names_text<detail::names_size(parameter_parts)>(parameter_parts);
  static constexpr auto state_names = detail::names_text<detail::names_size(state_parts)>(state_parts);
  static constexpr std::array parameters = detail::renamed(parameter_parts, parameter_names);
  static constexpr std::array states = detail::renamed(state_parts, state_names);

  /// What the block keeps inside per image, and its forward operations per image (the
  /// parts', the addition's and the activation's). The sum is counted though a fused
  /// relu or leaky_relu does not keep it: with fusion off it is kept.
  static constexpr std::size_t inner_activation_count =
      body_layout::activation_count + shortcut_layout::activation_count + (activated ? out::size : 0);
  static constexpr double flops_per_image =
      body_layout::flops_per_image + shortcut_layout::flops_per_image + double(out::size) * (activated ? 2 : 1);

  // With layer fusion on (the default) a leaky_relu activation runs with the addition, as
  // one pass with the same operations, and its gradient is taken from the output (the
  // output is positive where the sum is, for a slope in [0, 1)), so the sum is not kept.
  void forward(context& ctx, const layer_buffers<T>& b, mode m) {
    const std::size_t count = std::size_t(b.n) * out::size;
    const T* body_out = body_.forward(ctx, body_layers_, body_buffers(b), b.x, b.n, m, fusion_, true).data();
    const T* shortcut_out = b.x;
    if constexpr (projection)
      shortcut_out = shortcut_.forward(ctx, shortcut_layers_, shortcut_buffers(b), b.x, b.n, m, fusion_, true).data();
    fused_activation_ = detail::is_leaky_relu<Activation> && fusion_;
    if constexpr (detail::is_leaky_relu<Activation>)
      if (fused_activation_)
        return backend::add_leaky_relu(ctx, count, body_out, shortcut_out, b.y, T(Activation::scale));
    if constexpr (activated) {
      sum_.ensure(ctx.memory(), count);
      backend::add(ctx, count, body_out, shortcut_out, sum_.data());
      activation_.forward(ctx, {.n = b.n, .x = sum_.data(), .y = b.y}, m);
    } else {
      backend::add(ctx, count, body_out, shortcut_out, b.y);
    }
  }

  // The gradient of the sum reaches the body and the shortcut alike; the input gradient is
  // the body's plus the shortcut's (the sum's own, for identity).
  void backward(context& ctx, const layer_buffers<T>& b) {
    const std::size_t count = std::size_t(b.n) * out::size;
    const T* dsum = b.dy;
    if constexpr (activated) {
      dsum_.ensure(ctx.memory(), count);
      activation_backward(ctx, b, count);
      dsum = dsum_.data();
    }
    body_.template backpropagate<body_chain::depth>(ctx, body_layers_, body_buffers(b), b.dx, dsum);
    if constexpr (projection) {
      T* dx = nullptr;
      if (b.dx) shortcut_dx_.ensure(ctx.memory(), std::size_t(b.n) * In::size), dx = shortcut_dx_.data();
      shortcut_.template backpropagate<shortcut_chain::depth>(ctx, shortcut_layers_, shortcut_buffers(b), dx, dsum);
      if (b.dx) backend::add_to(ctx, std::size_t(b.n) * In::size, static_cast<const T*>(dx), b.dx);
    } else if (b.dx) {
      backend::add_to(ctx, count, dsum, b.dx);
    }
  }

  // dsum = the activation's input gradient: from the output after a fused forward.
  void activation_backward(context& ctx, const layer_buffers<T>& b, std::size_t count) {
    if constexpr (detail::is_leaky_relu<Activation>)
      if (fused_activation_)
        return backend::leaky_relu_backward(ctx, count, static_cast<const T*>(b.y), b.dy, dsum_.data(),
                                            T(Activation::scale));
    activation_.backward(ctx, {.n = b.n, .x = sum_.data(), .y = b.y, .dy = b.dy, .dx = dsum_.data()});
  }

  /// The network's set_layer_fusion, passed on to the parts.
  void set_layer_fusion(bool on) { fusion_ = on; }

  // Population statistics, seeds and random steps: those of the layers inside (the last two
  // only where some layer inside draws, so a block never hides a dropout's step before it).
  void reset_population() {
    each_inner(*this, [](auto& layer, std::size_t) {
      if constexpr (requires { layer.reset_population(); }) layer.reset_population();
    });
  }
  void finish_population(T* state) {
    each_inner(*this, [&](auto& layer, std::size_t at) {
      if constexpr (requires { layer.finish_population(state); }) layer.finish_population(state + at);
    });
  }
  /// Forgets the parts' activations and the block's buffers (the network moved to another memory).
  void clear() {
    body_.clear();
    if constexpr (projection) shortcut_.clear();
    sum_ = {}, dsum_ = {}, shortcut_dx_ = {};
    each_inner(*this, [](auto& layer, std::size_t) {  // blocks inside the parts
      if constexpr (requires { layer.clear(); }) layer.clear();
    });
  }
  void set_seed(std::uint64_t seed)
    requires(uses_randomness)
  {
    std::uint64_t k = 0;
    each_inner(*this, [&](auto& layer, std::size_t) {
      ++k;
      if constexpr (requires { layer.set_seed(seed); }) layer.set_seed(seed ^ (0x9E3779B97F4A7C15ull * k));
    });
  }
  std::uint32_t random_step() const
    requires(uses_randomness)
  {
    std::uint32_t step = 0;
    each_inner(*this, [&](auto& layer, std::size_t) {
      if constexpr (requires { layer.random_step(); }) step = layer.random_step();
    });
    return step;
  }
  void set_random_step(std::uint32_t step)
    requires(uses_randomness)
  {
    each_inner(*this, [&](auto& layer, std::size_t) {
      if constexpr (requires { layer.set_random_step(step); }) layer.set_random_step(step);
    });
  }

 private:
  using body_buffers_type = typename body_pass::buffers;
  static body_buffers_type body_buffers(const layer_buffers<T>& b) { return {b.params, b.dparams, b.state}; }
  static auto shortcut_buffers(const layer_buffers<T>& b) {
    return typename shortcut_pass::buffers{b.params + body_layout::parameter_count,
                                           b.dparams + body_layout::parameter_count,
                                           b.state + body_layout::state_count};
  }
  // f(layer impl, where its state starts in the block's) for every layer of the body, then
  // of the shortcut (of self: *this, const or not).
  template <class Self, class F>
  static void each_inner(Self& self, F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (f(std::get<I>(self.body_layers_), body_layout::state_offset[I]), ...);
    }(std::make_index_sequence<body_chain::depth>{});
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (f(std::get<I>(self.shortcut_layers_), body_layout::state_count + shortcut_layout::state_offset[I]), ...);
    }(std::make_index_sequence<shortcut_chain::depth>{});
  }

  body_pass body_;
  typename body_pass::impls body_layers_;
  shortcut_pass shortcut_;
  typename shortcut_pass::impls shortcut_layers_;
  typename Activation::template impl<out, T> activation_;
  buffer<T> sum_, dsum_, shortcut_dx_;  // the sum before the activation, its gradient, the shortcut's dx
  bool fusion_ = true;
  bool fused_activation_ = false;  // the last forward added and activated in one pass
};

}  // namespace partrain::layers
