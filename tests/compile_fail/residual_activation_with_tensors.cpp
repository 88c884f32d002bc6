// expect: residual<Body, Shortcut, Activation>: the activation after the addition must keep its input's shape, have no tensors and draw no random numbers
#include <partrain/partrain.hpp>
using namespace partrain; using namespace partrain::layers;
// A batch norm after the addition has tensors: it belongs in the body, or after the block.
using net_t = network<image_input<8, 8, 2>, residual<conv2d<3, 2, same>, identity, batch_norm>>;
int main() { net_t net; (void)net; }
