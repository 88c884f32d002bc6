// residual<Body, Shortcut, Activation>: a residual block as one element of a network's layer
// list (MATLAB's additionLayer with connectLayers, torchvision's BasicBlock). The body and the
// shortcut each run as a chain of layers on the block's input, their outputs are added, and an
// activation may follow. The shapes are checked when the network is compiled.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "partrain/backend/ops.hpp"
#include "partrain/core/buffer.hpp"
#include "partrain/core/shape.hpp"
#include "partrain/layers/contract.hpp"
#include "partrain/layers/layer.hpp"
#include "partrain/network_layout.hpp"
#include "partrain/network_pass.hpp"
#include "partrain/network_traits.hpp"
#include "partrain/residual_names.hpp"

namespace partrain::layers {

/// The shortcut that passes a block's input on unchanged; as a block's Activation: none.
/// (Also a layer of its own, which copies.)
struct identity {
  static constexpr std::string_view name = "identity";
  static std::string str() { return "identity"; }
  template <static_shape In>
  using output_shape = In;
  template <static_shape In, element_type T>
  struct impl {
    static constexpr std::array<tensor_spec, 0> parameters{}, states{};
    void forward(context& ctx, const layer_buffers<T>& b, mode) { backend::copy(ctx, b.x, count(b), b.y); }
    void backward(context& ctx, const layer_buffers<T>& b) {
      if (b.dx) backend::copy(ctx, b.dy, count(b), b.dx);
    }
    static std::size_t count(const layer_buffers<T>& b) { return std::size_t(b.n) * In::size; }
  };
};

}  // namespace partrain::layers

namespace partrain::detail {

/// A block's part (body or shortcut) as a chain of layers.
template <class List>
struct chain;
template <class... Ls>
struct chain<type_list<Ls...>> {
  static constexpr std::size_t depth = sizeof...(Ls);
  template <class In>
  using output_shape = typename shape_chain<In, type_list<Ls...>, depth>::type;
  template <element_type T, class In>
  using layout = network_layout<T, In, Ls...>;
  template <element_type T, class In>
  using pass = network_pass<T, In, Ls...>;
  using fusion = layers::fusion_plan<Ls...>;
  template <bool Parameters, element_type T, class In>
  static constexpr auto tensors(std::string_view part) {
    return part_tensors<Parameters, T, In, Ls...>(part);
  }
  /// Each layer checked as a network checks its own, before its output shape is asked for.
  template <class In>
  static constexpr bool check() {
    if constexpr (depth == 0) return true;
    else return check_layers<In, Ls...>();
  }
  static constexpr bool keeps_population_statistics = (partrain::keeps_population_statistics<Ls> || ...);
  static constexpr bool uses_randomness = (partrain::uses_randomness<Ls> || ...);
  /// "[conv2d<3,16,same,1>,batch_norm]": no spaces, so a description stays one word per block.
  static std::string str() {
    std::string s;
    ((s += (s.empty() ? "" : ",") + Ls::str()), ...);
    return "[" + s + "]";
  }
};

/// The shapes in a mismatch message: the compiler names them in the instantiation it reports.
template <int Channels, int Height, int Width>
struct body_gives {};
template <int Channels, int Height, int Width>
struct shortcut_gives {};
template <class Body, class Shortcut>
struct residual_shapes;
template <int BC, int BH, int BW, int SC, int SH, int SW>
struct residual_shapes<body_gives<BC, BH, BW>, shortcut_gives<SC, SH, SW>> {
  static constexpr bool match = BC == SC && BH == SH && BW == SW;
  static_assert(match,
                "residual: the body's output shape and the shortcut's differ (body_gives<C, H, W> and "
                "shortcut_gives<C, H, W>, as the compiler names them with this error); give the shortcut a projection to "
                "the body's shape: sequence<conv2d<1, C, same, Stride>, batch_norm> with the body's "
                "channels C and stride (and give the body's convolutions `same` padding: conv2d pads "
                "nothing by default)");
};
template <int Height, int Width>
struct block_input {};
template <int Height, int Width>
struct block_output {};
template <class In, class Out>
struct residual_stride;
template <int H, int W, int OH, int OW>
struct residual_stride<block_input<H, W>, block_output<OH, OW>> {
  static constexpr bool divides = OH > 0 && OW > 0 && H % OH == 0 && W % OW == 0 && H / OH == W / OW;
  static_assert(divides,
                "residual: the block's stride does not divide its input (block_input<H, W> and "
                "block_output<H, W>, as the compiler names them with this error), so the shortcut's pixels would not "
                "line up with the body's; give the block an input whose height and width are "
                "multiples of its stride (crop, pad or pool before it), and the body's convolutions "
                "`same` padding (conv2d pads nothing by default)");
};

}  // namespace partrain::detail

namespace partrain::layers {

/// A residual block: Body (a layer or a sequence<...>, repeat<...> allowed inside) and
/// Shortcut (identity, or a projection such as sequence<conv2d<1, 32, same, 2>, batch_norm>)
/// both take the block's input; their outputs are added and Activation (identity: none;
/// relu, leaky_relu<...>) follows. Its tensors are the body's and the shortcut's, named
/// "body.conv2d_2.weight", "shortcut.batch_norm_1.scale" inside the block's label.
template <class Body, class Shortcut = identity, class Activation = identity>
struct residual {
  using body_layers = flatten<Body>;
  using shortcut_layers = std::conditional_t<std::is_same_v<Shortcut, identity>, type_list<>, flatten<Shortcut>>;
  using activation = Activation;
  using body_chain = detail::chain<body_layers>;
  using shortcut_chain = detail::chain<shortcut_layers>;
  static constexpr bool projection = shortcut_chain::depth > 0;
  static constexpr bool activated = !std::is_same_v<Activation, identity>;

  static constexpr std::string_view name = "residual";
  static constexpr bool keeps_population_statistics =
      body_chain::keeps_population_statistics || shortcut_chain::keeps_population_statistics;
  static constexpr bool uses_randomness = body_chain::uses_randomness || shortcut_chain::uses_randomness;
  static std::string str() {
    return "residual<" + body_chain::str() + "," + (projection ? shortcut_chain::str() : "identity") + "," +
           Activation::str() + ">";
  }

  template <static_shape In>
  struct plan {
    static_assert(body_chain::depth > 0,
                  "residual: the body is empty; give it at least one layer, e.g. "
                  "residual<sequence<conv2d<3, 16, same>, batch_norm>, identity, relu>");
    static constexpr bool layers_ok = body_chain::template check<In>() && shortcut_chain::template check<In>();
    using body_out = typename body_chain::template output_shape<In>;
    using shortcut_out = typename shortcut_chain::template output_shape<In>;
    static constexpr bool shapes_ok =
        detail::residual_shapes<detail::body_gives<body_out::channels, body_out::height, body_out::width>,
                                detail::shortcut_gives<shortcut_out::channels, shortcut_out::height,
                                                       shortcut_out::width>>::match;
    static constexpr bool stride_ok =
        !shapes_ok || detail::residual_stride<detail::block_input<In::height, In::width>,
                                              detail::block_output<body_out::height, body_out::width>>::divides;
    static_assert(std::is_same_v<typename Activation::template output_shape<body_out>, body_out> &&
                      Activation::template impl<body_out, float>::parameters.size() == 0 &&
                      Activation::template impl<body_out, float>::states.size() == 0 &&
                      !partrain::uses_randomness<Activation>,
                  "residual<Body, Shortcut, Activation>: the activation after the addition must keep "
                  "its input's shape, have no tensors and draw no random numbers (relu, leaky_relu<...>, "
                  "or identity for none; put dropout in the body or after the block)");
    // Asking for the checks' values is what runs their static_asserts.
    using type = std::conditional_t<layers_ok && shapes_ok && stride_ok, body_out, body_out>;
  };
  template <static_shape In>
  using output_shape = typename plan<In>::type;

  template <static_shape In, element_type T>
  struct impl;
};

}  // namespace partrain::layers

#include "partrain/residual_run.hpp"
