// The CPU kernels' entry points for float and double, instantiated once in partrain::compiled
// (src/kernels_float.cpp, src/kernels_double.cpp) and declared `extern template` here in the
// separately compiled mode, so a user's translation unit calls them instead of generating
// every kernel tier again. Header-only builds instantiate them where they are used.
#pragma once

#include <cstddef>
#include <cstdint>

#include "partrain/backend/context.hpp"
#include "partrain/backend/cpu/add.hpp"
#include "partrain/backend/cpu/batch_norm.hpp"
#include "partrain/backend/cpu/batch_norm_epilogues.hpp"
#include "partrain/backend/cpu/conv2d.hpp"
#include "partrain/backend/cpu/dense.hpp"
#include "partrain/backend/cpu/leaky_relu.hpp"
#include "partrain/backend/cpu/normalize.hpp"
#include "partrain/backend/cpu/pool2d.hpp"
#include "partrain/backend/cpu/softmax.hpp"
#include "partrain/backend/geometry.hpp"
#include "partrain/config.hpp"

// One batch norm entry point for every epilogue a fused layer group hands it.
#define PARTRAIN_CPU_BATCH_NORM_KERNELS(PREFIX, T, E)                                                    \
  PREFIX template void batch_norm_forward_training<T, E>(int, int, int, const T*, const T*, const T*, T, \
                                                         T, T*, T*, T*, T*, T*, E);                      \
  PREFIX template void batch_norm_forward_inference<T, E>(int, int, int, const T*, const T*, const T*,   \
                                                          T, const T*, const T*, T*, E);                 \
  PREFIX template void batch_norm_backward<T, E>(int, int, int, const T*, const T*, const T*, const T*,  \
                                                 const T*, T*, T*, T*, E);

// Every entry point for element type T: PREFIX is `extern` for the declarations, empty for
// the library's explicit instantiations.
#define PARTRAIN_CPU_KERNELS(PREFIX, T)                                                                      \
  PREFIX template void conv2d_forward<T>(context&, const window_geometry&, int, int, const T*, const T*,    \
                                         const T*, T*);                                                     \
  PREFIX template void conv2d_backward<T>(context&, const window_geometry&, int, int, const T*, const T*,   \
                                          const T*, T*, T*, T*);                                            \
  PARTRAIN_CPU_BATCH_NORM_KERNELS(PREFIX, T, no_epilogue)                                                    \
  PARTRAIN_CPU_BATCH_NORM_KERNELS(PREFIX, T, leaky_relu_epilogue<T>)                                         \
  PARTRAIN_CPU_BATCH_NORM_KERNELS(PREFIX, T, leaky_relu_max_pool_epilogue<T>)                                \
  PREFIX template void max_pool_forward<T>(const window_geometry&, int, const T*, T*, std::int32_t*);       \
  PREFIX template void max_pool_backward<T>(const window_geometry&, int, const std::int32_t*, const T*, T*); \
  PREFIX template void avg_pool_forward<T>(const window_geometry&, int, const T*, T*);                      \
  PREFIX template void avg_pool_backward<T>(const window_geometry&, int, const T*, T*);                     \
  PREFIX template void dense_forward<T>(int, int, int, const T*, const T*, const T*, T*);                   \
  PREFIX template void dense_backward<T>(int, int, int, const T*, const T*, const T*, T*, T*, T*);          \
  PREFIX template void softmax_forward<T>(int, int, int, const T*, T*);                                     \
  PREFIX template void softmax_backward<T>(int, int, int, const T*, const T*, T*);                          \
  PREFIX template double cross_entropy<T>(int, int, const T*, const int*);                                  \
  PREFIX template void cross_entropy_backward<T>(int, int, const T*, const int*, T*);                       \
  PREFIX template void softmax_cross_entropy_backward<T>(int, int, const T*, const int*, T*);               \
  PREFIX template int count_correct<T>(int, int, const T*, const int*);                                     \
  PREFIX template void leaky_relu_forward<T>(std::size_t, const T*, T*, T);                                 \
  PREFIX template void leaky_relu_backward<T>(std::size_t, const T*, const T*, T*, T);                      \
  PREFIX template std::size_t first_non_finite<T>(const T*, std::size_t);                                   \
  PREFIX template void normalize<T>(std::size_t, const normalize_fn<T>&);                                   \
  PREFIX template void add<T>(std::size_t, const T*, const T*, T*);                                          \
  PREFIX template void add_leaky_relu<T>(std::size_t, const T*, const T*, T*, T);

#if defined(PARTRAIN_SEPARATE_COMPILATION)
namespace partrain::backend::cpu {
PARTRAIN_CPU_KERNELS(extern, float)
PARTRAIN_CPU_KERNELS(extern, double)
}  // namespace partrain::backend::cpu
#endif
