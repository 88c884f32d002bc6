// Build configuration, shared by every header: which backend this translation unit gets,
// the ABI namespace that keeps g++ and nvcc translation units apart, and the host/device
// annotation of functions both backends run. Nothing here calls CUDA.
#pragma once

// PARTRAIN_HAS_CUDA: this translation unit is compiled by nvcc and gets the CUDA backend.
// A g++ translation unit never includes a CUDA header.
#if defined(__CUDACC__) && !defined(PARTRAIN_HAS_CUDA)
#define PARTRAIN_HAS_CUDA 1
#endif

// Code whose body depends on PARTRAIN_HAS_CUDA lives in this inline namespace, so linking an
// nvcc TU with a g++ TU that disagree fails at link time instead of misbehaving.
#if defined(PARTRAIN_HAS_CUDA)
#define PARTRAIN_ABI_NAMESPACE abi_cuda
#else
#define PARTRAIN_ABI_NAMESPACE abi_cpu
#endif

// PARTRAIN_SEPARATE_COMPILATION (defined by the partrain::compiled target): the engine, the
// files, the reports, the experiments, image decoding and the CPU kernels for float and double
// are declared here and compiled once in the library (src/); without it (the default) their
// bodies come inline from the impl/*.ipp files.
// PARTRAIN_DECL marks such a function; PARTRAIN_MODE_NAMESPACE, an inline namespace around
// them, tells the two modes apart at link time: a program built with the macro but without
// the library fails on a symbol that names link_partrain_compiled.
#if defined(PARTRAIN_SEPARATE_COMPILATION)
#if defined(__CUDACC__)
#error "PARTRAIN_SEPARATE_COMPILATION: partrain::compiled is built by the host compiler; compile CUDA translation units header-only (link partrain::partrain, not partrain::compiled)"
#endif
#define PARTRAIN_DECL
#define PARTRAIN_MODE_NAMESPACE link_partrain_compiled
#else
#define PARTRAIN_DECL inline
#define PARTRAIN_MODE_NAMESPACE header_only
#endif

// Functions the CPU and the CUDA kernels both call (functors, random draws, warps).
#if defined(__CUDACC__)
#define PARTRAIN_HOST_DEVICE __host__ __device__
#else
#define PARTRAIN_HOST_DEVICE
#endif

#include <string_view>

namespace partrain {
/// partrain's version, stored in every file's metadata (keep equal to CMake's project version).
inline constexpr std::string_view partrain_version = "0.1.0";
}  // namespace partrain
