# Copies loaxad.service with ExecStart pointed at the built binary, then runs
# `systemd-analyze verify` on it and fails on any diagnostic.
file(MAKE_DIRECTORY ${OUT})
file(READ ${UNIT} text)
string(REPLACE "/usr/bin/loaxad" "${LOAXAD}" text "${text}")
file(WRITE ${OUT}/loaxad.service "${text}")
execute_process(COMMAND ${ANALYZE} verify ${OUT}/loaxad.service
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
# Lines about other units on the machine are not ours to fix.
string(REGEX REPLACE "[^\n]*(\\.mount|\\.socket|\\.target|\\.slice)[^\n]*\n?" "" mine "${err}")
message("${out}${err}")
if(NOT rc EQUAL 0 OR mine MATCHES "loaxad")
  message(FATAL_ERROR "systemd-analyze verify found problems in loaxad.service")
endif()
