# cmake -P script: install partrain to SCRATCH/prefix, configure+build+run the consumer in
# each mode (partrain::partrain and partrain::compiled, and their MPI twins).
file(REMOVE_RECURSE ${SCRATCH})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed: ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()
run(${CMAKE_COMMAND} --install ${PARTRAIN_BUILD_DIR} --prefix ${SCRATCH}/prefix)
run(${CMAKE_COMMAND} -S ${CONSUMER_SOURCE} -B ${SCRATCH}/build -DCMAKE_CXX_COMPILER=${CXX}
    -DCMAKE_PREFIX_PATH=${SCRATCH}/prefix -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build ${SCRATCH}/build)
# Runs each program and checks its output matches `expected`.
function(run_each expected)
  foreach(program ${ARGN})
    run(${SCRATCH}/build/${program})
    if(NOT last_output MATCHES "${expected}")
      message(FATAL_ERROR "${program} printed unexpected output: ${last_output}")
    endif()
    message(STATUS "${program} built and ran: ${last_output}")
  endforeach()
endfunction()
run_each("parameters: 21690" consumer consumer_compiled)
if(PARTRAIN_HAS_MPI)  # partrain::mpi was installed and found: its consumers run as one rank
  run_each("rank 0 of 1" consumer_mpi consumer_compiled_mpi)
endif()
