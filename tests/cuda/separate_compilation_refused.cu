// nvcc with PARTRAIN_SEPARATE_COMPILATION: partrain::compiled is the host compiler's, so
// config.hpp stops the build and says to compile CUDA translation units header-only.
#include <partrain/config.hpp>

int main() { return 0; }
