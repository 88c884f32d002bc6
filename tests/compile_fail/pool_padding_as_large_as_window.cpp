// expect: the padding must be smaller than the pool size
#include <partrain/partrain.hpp>
using namespace partrain; using namespace partrain::layers;
using net_t = network<image_input<8, 8, 1>, max_pool2d<2, 2, pad(2)>>;
int main() { net_t net; (void)net; }
