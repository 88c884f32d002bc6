// expect: conv2d: the filter is larger than its padded input feature map
#include <partrain/partrain.hpp>
using namespace partrain; using namespace partrain::layers;
using net_t = network<image_input<4, 4, 1>, conv2d<5, 8>>;
int main() { net_t net; (void)net; }
