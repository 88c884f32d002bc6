# The CUDA backend's build: nvcc translation units (tests/cuda, benchmarks/device) and the
# partrain::cuda target. The CPU-only build never reaches past the option below.
include(CheckLanguage)
check_language(CUDA)
if(CMAKE_CUDA_COMPILER)
  set(_partrain_cuda_default ON)
else()
  set(_partrain_cuda_default OFF)
endif()
option(PARTRAIN_ENABLE_CUDA "Build the CUDA backend's tests and benchmarks with nvcc"
  ${_partrain_cuda_default})
if(NOT PARTRAIN_ENABLE_CUDA)
  return()
endif()
if(NOT CMAKE_CUDA_COMPILER)
  message(FATAL_ERROR "[partrain::cmake] PARTRAIN_ENABLE_CUDA is ON but no nvcc was found; "
    "expected the CUDA toolkit (set CMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc) or "
    "-DPARTRAIN_ENABLE_CUDA=OFF")
endif()
# One architecture keeps nvcc builds short; benchmarks/device/check.sh passes the GPU's own.
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES 90)
endif()
enable_language(CUDA)
find_package(CUDAToolkit REQUIRED)

# cuDNN: the toolkit's, or CUDNN_ROOT (e.g. site-packages/nvidia/cudnn of the Python wheel
# nvidia-cudnn-cu13, which ships only libcudnn.so.9).
set(CUDNN_ROOT "$ENV{CUDNN_ROOT}" CACHE PATH "cuDNN root (include/cudnn.h, lib/libcudnn.so*)")
find_path(PARTRAIN_CUDNN_INCLUDE_DIR cudnn.h
  HINTS ${CUDNN_ROOT}/include ${CUDAToolkit_INCLUDE_DIRS} /usr/include)
find_library(PARTRAIN_CUDNN_LIBRARY NAMES cudnn libcudnn.so.9
  HINTS ${CUDNN_ROOT}/lib ${CUDNN_ROOT}/lib64 ${CUDAToolkit_LIBRARY_DIR})
if(NOT PARTRAIN_CUDNN_INCLUDE_DIR OR NOT PARTRAIN_CUDNN_LIBRARY)
  message(FATAL_ERROR "[partrain::cmake] cuDNN not found (cudnn.h: '${PARTRAIN_CUDNN_INCLUDE_DIR}', "
    "libcudnn: '${PARTRAIN_CUDNN_LIBRARY}'); expected it under the CUDA toolkit or -DCUDNN_ROOT=<dir "
    "with include/cudnn.h and lib/libcudnn.so*>, or -DPARTRAIN_ENABLE_CUDA=OFF")
endif()
message(STATUS "partrain: CUDA ${CMAKE_CUDA_COMPILER_VERSION}, architectures ${CMAKE_CUDA_ARCHITECTURES}, "
  "cuDNN ${PARTRAIN_CUDNN_LIBRARY}")

# partrain::cuda: what an nvcc TU using the CUDA backend links.
add_library(partrain_cuda INTERFACE)
add_library(partrain::cuda ALIAS partrain_cuda)
target_link_libraries(partrain_cuda INTERFACE partrain::partrain CUDA::cudart CUDA::cublas
  ${PARTRAIN_CUDNN_LIBRARY})
target_include_directories(partrain_cuda SYSTEM INTERFACE ${PARTRAIN_CUDNN_INCLUDE_DIR})
# CMake 3.25 does not know nvcc 13 compile features; ask for C++20 directly.
target_compile_options(partrain_cuda INTERFACE
  $<$<COMPILE_LANGUAGE:CUDA>:-std=c++20 --expt-relaxed-constexpr -Xcompiler=-Wall
  # 445: a templated lambda that names its type only in the body, as network.hpp does on purpose.
  -diag-suppress=445>)
get_filename_component(_partrain_cudnn_dir ${PARTRAIN_CUDNN_LIBRARY} DIRECTORY)
set_target_properties(partrain_cuda PROPERTIES INTERFACE_LINK_OPTIONS "-Wl,-rpath,${_partrain_cudnn_dir}")

if(PARTRAIN_BUILD_TESTS)
  add_subdirectory(${PROJECT_SOURCE_DIR}/tests/cuda ${PROJECT_BINARY_DIR}/tests/cuda)
endif()
if(PARTRAIN_BUILD_EXAMPLES)
  # The demo built by nvcc trains on the GPUs it finds.
  add_executable(train_in_parallel_cuda ${PROJECT_SOURCE_DIR}/examples/train_in_parallel.cu)
  target_link_libraries(train_in_parallel_cuda PRIVATE partrain::cuda)
endif()
if(PARTRAIN_BUILD_BENCHMARKS)
  add_subdirectory(${PROJECT_SOURCE_DIR}/benchmarks/device ${PROJECT_BINARY_DIR}/benchmarks/device)
endif()
