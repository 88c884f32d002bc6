// expect: network: classification must be the last layer; move it to the end
#include <partrain/partrain.hpp>
using namespace partrain; using namespace partrain::layers;
using net_t = network<image_input<4, 4, 1>, fully_connected<3>, softmax, classification, relu>;
int main() { net_t net; (void)net; }
