// expect: not a layer: its impl has no forward(context&, const layer_buffers<T>&, mode)
#include <partrain/partrain.hpp>
using namespace partrain; using namespace partrain::layers;
// A layer written against the old positional signature.
struct old_identity {  // (partrain::layers has an identity of its own)
  static constexpr std::string_view name = "identity";
  static std::string str() { return "identity"; }
  template <static_shape In>
  using output_shape = In;
  template <static_shape In, element_type T>
  struct impl {
    static constexpr std::array<tensor_spec, 0> parameters{}, states{};
    void forward(context&, int, const T*, T*, const T*, T*, mode) {}
    void backward(context&, const layer_buffers<T>&) {}
  };
};
using net_t = network<image_input<8, 8, 1>, old_identity, fully_connected<2>, softmax, classification>;
int main() { net_t net; (void)net; }
