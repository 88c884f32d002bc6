// expect: residual: the body's output shape and the shortcut's differ
#include <partrain/partrain.hpp>
using namespace partrain; using namespace partrain::layers;
// The body doubles the channels and halves the size; the identity shortcut keeps 16x32x32.
using block = residual<sequence<conv2d<3, 32, same, 2>, batch_norm>, identity, relu>;
using net_t = network<image_input<32, 32, 16>, block>;
int main() { net_t net; (void)net; }
