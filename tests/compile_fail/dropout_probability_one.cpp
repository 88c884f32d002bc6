// expect: dropout<Num, Den>: the probability Num/Den must be in [0, 1)
#include <partrain/partrain.hpp>
using namespace partrain; using namespace partrain::layers;
using net_t = network<image_input<4, 4, 1>, dropout<1, 1>>;
int main() { net_t net; (void)net; }
