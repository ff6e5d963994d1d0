# verify -e on what is not a regular file: a FIFO with no writer must fail at once (not wait for
# one), naming the path, with the usage exit status.
#   cmake -DCCATTEST=... -DWORK=... -P unreadable_evidence.cmake
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
execute_process(COMMAND mkfifo "${WORK}/evidence.fifo" RESULT_VARIABLE made)
if(NOT made EQUAL 0)
  message(FATAL_ERROR "mkfifo failed: ${made}")
endif()
execute_process(COMMAND ${CCATTEST} verify -n x-snp -e "${WORK}/evidence.fifo"
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 20)
file(REMOVE_RECURSE "${WORK}")
if(NOT status EQUAL 2 OR NOT err MATCHES "ccattest: --evidence: [^\n]*/evidence.fifo: is a FIFO, not a regular file")
  message(FATAL_ERROR "exit ${status} (expected 2)\n${out}\n${err}")
endif()
