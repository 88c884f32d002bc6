// expect: residual: the body is empty; give it at least one layer
#include <partrain/partrain.hpp>
using namespace partrain; using namespace partrain::layers;
using net_t = network<image_input<8, 8, 2>, residual<sequence<>>>;
int main() { net_t net; (void)net; }
