# Peer programs of the CPU benchmark (dlib's DNN; the PyTorch peer is a Python script).
# Included from benchmarks/core and from benchmarks/peers; the guard makes the second a no-op.
include_guard(GLOBAL)

find_package(dlib CONFIG QUIET)
if(dlib_FOUND)
  add_executable(partrain_peer_dlib_seed_cnn ${CMAKE_CURRENT_LIST_DIR}/dlib_seed_cnn.cpp)
  target_link_libraries(partrain_peer_dlib_seed_cnn
    PRIVATE ${PARTRAIN_TARGET} dlib::dlib ${CMAKE_DL_LIBS})
  # dlib's DNN is header templates, compiled here: optimise it even in Debug builds (a fair peer).
  target_compile_options(partrain_peer_dlib_seed_cnn PRIVATE -O3 -mavx2 -mfma)
else()
  message(STATUS "partrain benchmarks: dlib not found (apt-get install libdlib-dev); no dlib peer")
endif()

# Self-checks of the peers: bad input, data formats, short real trainings (ctest -L bench).
# The PyTorch peer needs Debian's python3 with python3-torch, python3-numpy and python3-pil.
find_program(PARTRAIN_DEBIAN_PYTHON python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(PARTRAIN_DEBIAN_PYTHON)
  execute_process(COMMAND ${PARTRAIN_DEBIAN_PYTHON} -c "import torch, numpy, PIL"
                  RESULT_VARIABLE peer_python_rc OUTPUT_QUIET ERROR_QUIET)
endif()
if(PARTRAIN_DEBIAN_PYTHON AND peer_python_rc EQUAL 0)
  add_test(NAME bench.peers
    COMMAND ${PARTRAIN_DEBIAN_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/test_peers.py)
  set(peer_env "PARTRAIN_BENCH_FMA=$<TARGET_FILE:partrain_bench_fma_peak>")
  if(TARGET partrain_peer_dlib_seed_cnn)
    list(APPEND peer_env "PARTRAIN_PEER_DLIB=$<TARGET_FILE:partrain_peer_dlib_seed_cnn>")
  endif()
  set_tests_properties(bench.peers PROPERTIES LABELS bench TIMEOUT 600 ENVIRONMENT "${peer_env}")
else()
  message(STATUS "partrain benchmarks: no /usr/bin/python3 with torch, numpy and PIL "
                 "(apt-get install python3-torch python3-pil); peer self-checks not registered")
endif()
