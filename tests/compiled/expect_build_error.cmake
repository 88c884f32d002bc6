# cmake -P script: passes when a program fails to build (compile or link) with every text of
# EXPECTED (a ;-list) in the compiler's or linker's output. SOURCE is compiled with ARGS plus MODE_ARGS; HEADER_ONLY_SOURCE, if
# given, with ARGS alone (header-only) into an object linked beside it; LINK: the libraries.
set(objects)
if(HEADER_ONLY_SOURCE)
  execute_process(COMMAND ${COMPILER} ${ARGS} -c ${HEADER_ONLY_SOURCE} -o ${OUTPUT}_header_only.o
    RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${HEADER_ONLY_SOURCE} did not compile:\n${err}")
  endif()
  set(objects ${OUTPUT}_header_only.o)
endif()
execute_process(COMMAND ${COMPILER} ${ARGS} ${MODE_ARGS} ${SOURCE} ${objects} ${LINK} -o ${OUTPUT}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} built; expected an error naming: ${EXPECTED}")
endif()
foreach(text ${EXPECTED})
  string(FIND "${out}${err}" "${text}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${SOURCE} failed, but its output does not name '${text}':\n${out}\n${err}")
  endif()
endforeach()
message(STATUS "failed to build as expected, naming: ${EXPECTED}")
