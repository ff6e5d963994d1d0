# Install -> out-of-tree build of plugins/example -> load with the installed ccattest.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "failed (${status}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")

# The example is built exactly as a vendor would: its own project, find_package(ccattest). The
# installed support library of a sanitizer build is instrumented, so the plugin links that runtime.
set(sanitize_flags "")
if(SANITIZE)
  set(sanitize_flags "-DCMAKE_CXX_FLAGS=-fsanitize=${SANITIZE}"
                     "-DCMAKE_MODULE_LINKER_FLAGS=-fsanitize=${SANITIZE}")
endif()
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/plugins/example" -B "${WORK_DIR}/build" -G "${GENERATOR}"
  "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" -DCMAKE_BUILD_TYPE=Release
  ${sanitize_flags})
run(${CMAKE_COMMAND} --build "${WORK_DIR}/build")
set(plugin "${WORK_DIR}/build/libcc_example.so")
if(NOT EXISTS "${plugin}")
  message(FATAL_ERROR "the out-of-tree build produced no ${plugin}")
endif()

# The helper exported the entry symbol and nothing else.
find_program(NM nm REQUIRED)
run(${NM} -D --defined-only "${plugin}")
string(REGEX MATCHALL "[^\n]+" symbols "${last_output}")
if(NOT symbols MATCHES "ccattest_authorizer_entry" OR NOT "${symbols}" MATCHES "^[^;]*ccattest_authorizer_entry$")
  message(FATAL_ERROR "expected exactly one exported symbol, got:\n${last_output}")
endif()

# The installed ccattest loads it.
file(WRITE "${WORK_DIR}/site.json" "{
  \"site\": {\"name\": \"sdk-check\"},
  \"plugins\": [{\"name\": \"vendor-example\", \"library\": \"${plugin}\", \"critical\": true,
                 \"config\": {\"key_hex\": \"00112233445566778899aabbccddeeff\"}}]
}")
run("${prefix}/bin/ccattest" plugins --config "${WORK_DIR}/site.json")
if(NOT last_output MATCHES "vendor-example: loaded \\(critical\\)" OR NOT last_output MATCHES "namespace: +x-example")
  message(FATAL_ERROR "installed ccattest did not load the out-of-tree plugin:\n${last_output}")
endif()

# pkg-config describes the installed header.
find_program(PKG_CONFIG pkg-config REQUIRED)
file(GLOB_RECURSE pc_files "${prefix}/*/ccattest-plugin-api.pc")
list(GET pc_files 0 pc_file)
get_filename_component(pc_dir "${pc_file}" DIRECTORY)
run(${CMAKE_COMMAND} -E env "PKG_CONFIG_PATH=${pc_dir}" ${PKG_CONFIG} --cflags ccattest-plugin-api)
string(STRIP "${last_output}" cflags)
separate_arguments(cflags UNIX_COMMAND "${cflags}")
run(${CXX_COMPILER} ${cflags} -std=c++17 -fsyntax-only -x c++ "${SOURCE_DIR}/tests/abi/header_alone.c")
message(STATUS "SDK consumer check passed")
