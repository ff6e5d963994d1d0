# ccattest_add_authorizer_plugin(<target> [OUTPUT_NAME <name>] <sources>...)
#
# Builds <target> as a MODULE library (a dlopen-only shared object) that exports exactly the entry symbol
# ccattest_authorizer_entry: hidden visibility for C and C++, inline functions hidden, a version script that
# makes every other symbol local, and undefined references refused at link time. Links ccattest::plugin_api.
# OUTPUT_NAME sets the file name without "lib" and ".so" (default: the target name).
include_guard(GLOBAL)

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
  target_link_options(${target} PRIVATE
    "LINKER:--version-script=${_CCATTEST_PLUGIN_MAP}"
    "LINKER:-z,defs")
endfunction()
