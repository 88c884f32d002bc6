// expect: network: the first layer must be image_input<H, W, C>
#include <partrain/partrain.hpp>
using namespace partrain; using namespace partrain::layers;
using net_t = network<conv2d<3, 4, same>, relu>;
int main() { net_t net; (void)net; }
