// expect: network: image_input may only be the first layer
#include <partrain/partrain.hpp>
using namespace partrain; using namespace partrain::layers;
using net_t = network<image_input<4, 4, 1>, relu, image_input<4, 4, 1>>;
int main() { net_t net; (void)net; }
