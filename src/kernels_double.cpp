// partrain::compiled, part backend/cpu/: every CPU kernel entry point for double, with all its
// instruction-set tiers, instantiated once.
#include "partrain/backend/cpu/instantiations.hpp"

namespace partrain::backend::cpu {
PARTRAIN_CPU_KERNELS(, double)
}  // namespace partrain::backend::cpu
