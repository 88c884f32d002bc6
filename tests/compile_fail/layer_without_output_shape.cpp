// expect: not a layer: it has no output_shape<In>
#include <partrain/partrain.hpp>
using namespace partrain; using namespace partrain::layers;
// A user layer that forgot to say what shape it produces.
struct scale_by_two {
  static constexpr std::string_view name = "scale_by_two";
  static std::string str() { return "scale_by_two"; }
  template <static_shape In, element_type T>
  struct impl {
    static constexpr std::array<tensor_spec, 0> parameters{}, states{};
    void forward(context&, const layer_buffers<T>&, mode) {}
    void backward(context&, const layer_buffers<T>&) {}
  };
};
using net_t = network<image_input<8, 8, 1>, scale_by_two, fully_connected<2>, softmax, classification>;
int main() { net_t net; (void)net; }
