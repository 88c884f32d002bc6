// expect: residual: the block's stride does not divide its input
#include <partrain/partrain.hpp>
using namespace partrain; using namespace partrain::layers;
// 7x7 with stride 2: the body gives 4x4 ('same'), and so does the 1x1 projection, but their
// pixels do not line up with the input's.
using block = residual<sequence<conv2d<3, 8, same, 2>, batch_norm>, sequence<conv2d<1, 8, same, 2>, batch_norm>>;
using net_t = network<image_input<7, 7, 2>, block>;
int main() { net_t net; (void)net; }
