// summary<Net>(): a network as a table, as MATLAB's analyzeNetwork and Keras' summary() show
// it: each layer's name, type, output shape, learnable and state values and multiply-
// accumulates per image; a residual block's layers indented under it; totals at the end.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "partrain/config.hpp"
#include "partrain/core/shape.hpp"
#include "partrain/layers/layer.hpp"
#include "partrain/network_traits.hpp"

namespace partrain {

/// One line of a summary.
struct summary_row {
  int depth = 0;               ///< 0: a layer of the network; 1: inside a block; ...
  std::string name;            ///< "conv2d_1", "residual_2", "body.conv2d_1" inside a block
  std::string type;            ///< "conv2d<3,16,same,1>"; "residual" for a block
  std::string output;          ///< output shape, H x W x C
  std::size_t learnables = 0;  ///< trained values
  std::size_t states = 0;      ///< values kept but not trained (input statistics, batch-norm statistics)
  double macs = 0;             ///< multiply-accumulates per image of convolutions and fully connected layers
};

inline namespace PARTRAIN_MODE_NAMESPACE {
/// The rows as a table: a header, one line per row (indented by depth), the totals of the
/// rows of depth 0.
PARTRAIN_DECL std::string summary_table(const std::vector<summary_row>& rows);
}  // namespace PARTRAIN_MODE_NAMESPACE

namespace detail {
template <class L>
concept residual_block = requires {
  typename L::body_layers;
  typename L::shortcut_layers;
  typename L::activation;
};

template <class In, class... Ls>
void add_summary_rows(std::vector<summary_row>& out, int depth, const std::string& prefix, type_list<Ls...>);

// The row of layer L on input In, then (for a block) its parts' rows one level deeper.
template <class L, class In>
void add_summary_row(std::vector<summary_row>& out, int depth, const std::string& name) {
  using impl = typename L::template impl<In, float>;
  using out_shape = typename L::template output_shape<In>;
  summary_row row{depth, name, std::string(L::name), shape_string<out_shape>(), total_size(impl::parameters),
                  total_size(impl::states), 0};
  if constexpr (!residual_block<L>) {
    row.type = L::str();
    if constexpr (impl::parameters.size() > 0)  // weights (rank 2 or more) make the multiply-adds
      if (impl::parameters[0].rank >= 2)
        row.macs = double(out_shape::size) * double(impl::parameters[0].size()) / out_shape::channels;
    out.push_back(row);
    return;
  }
  else {
    const std::size_t at = out.size();
    out.push_back(row);
    add_summary_rows<In>(out, depth + 1, "body.", typename L::body_layers{});
    if constexpr (L::projection) add_summary_rows<In>(out, depth + 1, "shortcut.", typename L::shortcut_layers{});
    else out.push_back({depth + 1, "shortcut", "identity", shape_string<In>(), 0, 0, 0});
    out.push_back({depth + 1, "addition", "body + shortcut", shape_string<out_shape>(), 0, 0, 0});
    if constexpr (L::activated)
      out.push_back({depth + 1, std::string(L::activation::name), L::activation::str(), shape_string<out_shape>(), 0, 0, 0});
    for (std::size_t k = at + 1; k < out.size(); ++k)
      if (out[k].depth == depth + 1) out[at].macs += out[k].macs;
  }
}

template <class In, class... Ls>
void add_summary_rows(std::vector<summary_row>& out, int depth, const std::string& prefix, type_list<Ls...>) {
  constexpr auto numbers = layer_numbers<Ls...>();
  using list = type_list<Ls...>;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (add_summary_row<partrain::type_at<I, list>, typename shape_chain<In, list, I>::type>(
         out, depth, prefix + std::string(partrain::type_at<I, list>::name) + "_" + std::to_string(numbers[I])),
     ...);
  }(std::make_index_sequence<sizeof...(Ls)>{});
}
}  // namespace detail

/// Net's summary rows: its layers in order, each block followed by its parts' layers.
template <class Net>
std::vector<summary_row> summary_rows() {
  std::vector<summary_row> out;
  detail::add_summary_rows<typename Net::input_shape>(out, 0, "", typename Net::layer_types{});
  return out;
}

/// Net's summary as text (summary_table of summary_rows<Net>()).
template <class Net>
std::string summary() {
  return summary_table(summary_rows<Net>());
}
/// Writes Net's summary to os.
template <class Net>
void summary(std::ostream& os) {
  os << summary<Net>();
}

}  // namespace partrain

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/impl/network_summary.ipp"
#endif
