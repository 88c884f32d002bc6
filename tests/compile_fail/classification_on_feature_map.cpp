// expect: classification: its input must be a vector of class scores
#include <partrain/partrain.hpp>
using namespace partrain; using namespace partrain::layers;
using net_t = network<image_input<4, 4, 1>, conv2d<3, 4, same>, softmax, classification>;
int main() { net_t net; (void)net; }
