// expect: network: classification must follow softmax; insert softmax before classification
#include <partrain/partrain.hpp>
using namespace partrain; using namespace partrain::layers;
using net_t = network<image_input<4, 4, 1>, fully_connected<3>, classification>;
int main() { net_t net; (void)net; }
