# Copies loaxad.service with ExecStart pointed at the built binary, then runs
# `systemd-analyze verify` on it and fails on any diagnostic.
# (UNIT may be loaxa-hub.service, LOAXAD then the built loaxa-hub.)
file(MAKE_DIRECTORY ${OUT})
file(READ ${UNIT} text)
get_filename_component(name ${UNIT} NAME)
get_filename_component(program ${LOAXAD} NAME)
string(REPLACE "/usr/bin/${program}" "${LOAXAD}" text "${text}")
file(WRITE ${OUT}/${name} "${text}")
execute_process(COMMAND ${ANALYZE} verify ${OUT}/${name}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
# Lines about other units on the machine are not ours to fix.
string(REGEX REPLACE "[^\n]*(\\.mount|\\.socket|\\.target|\\.slice)[^\n]*\n?" "" mine "${err}")
message("${out}${err}")
if(NOT rc EQUAL 0 OR mine MATCHES "loaxa")
  message(FATAL_ERROR "systemd-analyze verify found problems in ${name}")
endif()
