# ccattest_add_authorizer_plugin(<target> [OUTPUT_NAME <name>] <sources>...)
#
# Builds <target> as a MODULE library (a dlopen-only shared object) that exports exactly the entry symbol
# ccattest_authorizer_entry: hidden visibility for C and C++, inline functions hidden, a version script that
# makes every other symbol local, and undefined references refused at link time (-z defs; see below for
# the one exception). Links ccattest::plugin_api.
# OUTPUT_NAME sets the file name without "lib" and ".so" (default: the target name).
include_guard(GLOBAL)

# Whether -z defs must be left out for plugins built in the calling directory. Clang links its
# sanitizer runtimes (ASan, UBSan, the libFuzzer/SanitizerCoverage hooks of -fsanitize=fuzzer-no-link)
# into executables only: a shared object compiled with -fsanitize leaves __asan_*, __ubsan_* and
# __sanitizer_cov_* undefined, to be bound to the executable's copy when it is loaded, so -z defs
# refuses every such plugin. (GCC links the shared libasan/libubsan into the plugin itself, and
# clang's -shared-libsan does too; both keep -z defs.) Ordinary builds still check with -z defs.
# Looks for -fsanitize= in the compile/link flags that reach a target of this directory: the
# CMAKE_<LANG>_FLAGS*, CMAKE_MODULE_LINKER_FLAGS* and the directory's COMPILE_OPTIONS/LINK_OPTIONS
# (what add_compile_options/add_link_options set, inherited from parent directories).
function(_ccattest_plugin_skips_zdefs out)
  set(${out} FALSE PARENT_SCOPE)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang" AND NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    return()
  endif()
  get_directory_property(_compile_options COMPILE_OPTIONS)
  get_directory_property(_link_options LINK_OPTIONS)
  string(TOUPPER "${CMAKE_BUILD_TYPE}" _config)
  set(_flags "${CMAKE_C_FLAGS} ${CMAKE_CXX_FLAGS} ${CMAKE_MODULE_LINKER_FLAGS}"
             "${CMAKE_C_FLAGS_${_config}} ${CMAKE_CXX_FLAGS_${_config}}"
             "${CMAKE_MODULE_LINKER_FLAGS_${_config}} ${_compile_options} ${_link_options}")
  if("${_flags}" MATCHES "-fsanitize=" AND NOT "${_flags}" MATCHES "-shared-libsan")
    set(${out} TRUE PARENT_SCOPE)
  endif()
endfunction()

set(_CCATTEST_PLUGIN_MAP "${CMAKE_CURRENT_LIST_DIR}/ccattest_plugin.map"
    CACHE INTERNAL "version script applied to ccattest authorizer plugins")

function(ccattest_add_authorizer_plugin target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "OUTPUT_NAME" "")
  if(NOT ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "ccattest_add_authorizer_plugin(${target}): no source files given")
  endif()
  add_library(${target} MODULE ${ARG_UNPARSED_ARGUMENTS})
  target_link_libraries(${target} PRIVATE ccattest::plugin_api)
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LINK_DEPENDS "${_CCATTEST_PLUGIN_MAP}")
  if(ARG_OUTPUT_NAME)
    set_target_properties(${target} PROPERTIES OUTPUT_NAME "${ARG_OUTPUT_NAME}")
  endif()
  target_link_options(${target} PRIVATE "LINKER:--version-script=${_CCATTEST_PLUGIN_MAP}")
  _ccattest_plugin_skips_zdefs(_skip_zdefs)
  if(NOT _skip_zdefs)
    target_link_options(${target} PRIVATE "LINKER:-z,defs")
  endif()
endfunction()
