// expect: fully_connected<N>: the output size N must be positive
#include <partrain/partrain.hpp>
using namespace partrain; using namespace partrain::layers;
using net_t = network<image_input<4, 4, 1>, fully_connected<0>>;
int main() { net_t net; (void)net; }
