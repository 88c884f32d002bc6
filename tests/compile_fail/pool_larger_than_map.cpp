// expect: pooling: the pool window is larger than its input feature map
#include <partrain/partrain.hpp>
using namespace partrain; using namespace partrain::layers;
using net_t = network<image_input<8, 8, 1>, max_pool2d<2, 2>, max_pool2d<2, 2>, max_pool2d<5, 5>>;
int main() { net_t net; (void)net; }
