# partrain::compiled (a static library, libpartrain_compiled.a): PARTRAIN_SEPARATE_COMPILATION
# for its users, and the engine, format/, io/, report/, experiment/, data/ (stb decoding
# included) and the CPU kernels for float and double compiled once. It instantiates nothing
# that names a layer or a network type (tests/compiled checks with nm).
# PARTRAIN_TARGET: what the project's own tests and examples link (partrain::compiled by
# default; PARTRAIN_HEADER_ONLY_TESTS=ON builds them header-only instead).
set(PARTRAIN_COMPILED_SOURCES
  src/format.cpp src/io.cpp src/report.cpp src/train.cpp src/experiment.cpp src/data.cpp
  src/network.cpp src/kernels_float.cpp src/kernels_double.cpp)
list(TRANSFORM PARTRAIN_COMPILED_SOURCES PREPEND ${CMAKE_CURRENT_SOURCE_DIR}/)
add_library(partrain_compiled STATIC ${PARTRAIN_COMPILED_SOURCES})
add_library(partrain::compiled ALIAS partrain_compiled)
set_target_properties(partrain_compiled PROPERTIES EXPORT_NAME compiled POSITION_INDEPENDENT_CODE ON)
target_link_libraries(partrain_compiled PUBLIC partrain)
target_compile_definitions(partrain_compiled PUBLIC PARTRAIN_SEPARATE_COMPILATION)

option(PARTRAIN_HEADER_ONLY_TESTS "Build the project's tests and examples header-only" OFF)
if(PARTRAIN_HEADER_ONLY_TESTS)
  set(PARTRAIN_TARGET partrain::partrain)
else()
  set(PARTRAIN_TARGET partrain::compiled)
endif()
