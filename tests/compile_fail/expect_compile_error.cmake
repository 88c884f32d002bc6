# cmake -P script: compiles SOURCE and passes only if compilation fails with EXPECTED in its output.
string(REPLACE "@SEMICOLON@" ";" EXPECTED "${EXPECTED}")
set(extra)
foreach(dir ${EXTRA_INCLUDE})  # e.g. MPI's headers for the mpi_* cases
  list(APPEND extra -isystem ${dir})
endforeach()
execute_process(
  COMMAND ${COMPILER} -std=c++20 -fsyntax-only -I${INCLUDE} -isystem ${STB_INCLUDE} ${extra} ${SOURCE}
  RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(result EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must fail with: ${EXPECTED}")
endif()
string(FIND "${out}${err}" "${EXPECTED}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${SOURCE} failed to compile without the expected message '${EXPECTED}':\n${err}")
endif()
message(STATUS "failed to compile as expected: ${EXPECTED}")
