// The tensors of a residual block's parts under one name each: "body.conv2d_2.weight",
// "shortcut.batch_norm_1.trained_mean". A block's impl lists them as its own tensors, so the
// network names them "residual_1.body.conv2d_2.weight" as it names a plain layer's; the text
// lives in static storage built at compile time, as a tensor_spec's name must.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "partrain/layers/layer.hpp"
#include "partrain/network_layout.hpp"
#include "partrain/network_traits.hpp"

namespace partrain::detail {

/// One tensor of a block's part: the part ("body"), its layer's kind and number, its spec.
struct part_tensor {
  std::string_view part, kind;
  int number = 0;
  tensor_spec spec;
  constexpr std::size_t name_size() const {
    std::size_t digits = 1;
    for (int n = number; n >= 10; n /= 10) ++digits;
    return part.size() + 1 + kind.size() + 1 + digits + 1 + spec.name.size();
  }
};

/// The parameter (or state) tensors of a chain of Layers on input In, as part `part`'s.
template <bool Parameters, element_type T, class In, class... Layers>
constexpr auto part_tensors(std::string_view part) {
  using layout = network_layout<T, In, Layers...>;
  constexpr const auto& placed = []() -> const auto& {
    if constexpr (Parameters) return layout::parameter_tensors;
    else return layout::state_tensors;
  }();
  constexpr std::array<std::string_view, sizeof...(Layers)> kinds{Layers::name...};
  constexpr auto numbers = layer_numbers<Layers...>();
  std::array<part_tensor, placed.size()> out{};
  std::size_t k = 0;  // (range loops: nvcc warns of `k < 0` for a part without tensors)
  for (const auto& t : placed) out[k++] = {part, kinds[t.layer], numbers[t.layer], t.spec};
  return out;
}

template <std::size_t A, std::size_t B>
constexpr std::array<part_tensor, A + B> join(const std::array<part_tensor, A>& a, const std::array<part_tensor, B>& b) {
  std::array<part_tensor, A + B> out{};
  std::size_t k = 0;
  for (const auto& t : a) out[k++] = t;
  for (const auto& t : b) out[k++] = t;
  return out;
}

template <std::size_t N>
constexpr std::size_t names_size(const std::array<part_tensor, N>& tensors) {
  std::size_t s = 0;
  for (const auto& t : tensors) s += t.name_size();
  return s;
}

/// Every name written one after another ("body.conv2d_1.weightbody.conv2d_1.bias..."), Size chars.
template <std::size_t Size, std::size_t N>
constexpr std::array<char, Size + 1> names_text(const std::array<part_tensor, N>& tensors) {
  std::array<char, Size + 1> out{};
  std::size_t at = 0;
  auto put = [&](std::string_view s) {
    for (char c : s) out[at++] = c;
  };
  for (const auto& t : tensors) {
    char digits[12]{};
    int count = 0;
    for (int n = t.number; n > 0 || count == 0; n /= 10) digits[count++] = char('0' + n % 10);
    put(t.part), put("."), put(t.kind), put("_");
    while (count > 0) out[at++] = digits[--count];
    put("."), put(t.spec.name);
  }
  return out;
}

/// The tensors' specs, each renamed to its part of `text` (names_text of the same tensors).
template <std::size_t N, std::size_t Size>
constexpr std::array<tensor_spec, N> renamed(const std::array<part_tensor, N>& tensors,
                                             const std::array<char, Size>& text) {
  std::array<tensor_spec, N> out{};
  std::size_t at = 0, k = 0;
  for (const auto& t : tensors) {
    out[k] = t.spec;
    out[k++].name = std::string_view(text.data() + at, t.name_size());
    at += t.name_size();
  }
  return out;
}

}  // namespace partrain::detail
