// How many threads the BLAS library runs inside one call. partrain links OpenBLAS; this is
// the one place that names it outside the GEMM itself.
#pragma once

#include <mutex>

// In libopenblas; declared here so no cblas.h is needed.
extern "C" void openblas_set_num_threads(int);

namespace partrain::backend::cpu {

/// One BLAS thread per call, for the whole process (once): CPU workers already use every
/// core, and BLAS threads inside each would oversubscribe them.
inline void use_one_blas_thread() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

}  // namespace partrain::backend::cpu
