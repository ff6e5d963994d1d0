# ccattest provision: writes the CA and one kit per site, each site config loads (ccattest plugins),
# a second run into the same folder is refused and leaves the keys as they were.
#   cmake -DCCATTEST=... -DPROJECT=... -DWORK=... -P provision_check.cmake
function(run_ccattest exit_expected pattern)
  execute_process(COMMAND ${CCATTEST} ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL exit_expected OR NOT "${out}${err}" MATCHES "${pattern}")
    message(FATAL_ERROR "ccattest ${ARGN}\nexit ${status} (expected ${exit_expected})\n${out}\n${err}")
  endif()
endfunction()

file(REMOVE_RECURSE "${WORK}")
run_ccattest(0 "federation CA: .*/kits/ca.*server server: .*/kits/server.*client site-1: .*client site-2: "
  provision --project ${PROJECT} --out ${WORK}/kits)
foreach(_file ca/federation-ca.pem ca/federation-ca.key server/site.key site-1/site.pem site-2/site.json site-2/policy.json)
  if(NOT EXISTS "${WORK}/kits/${_file}")
    message(FATAL_ERROR "provision wrote no ${_file}")
  endif()
endforeach()
run_ccattest(0 "site site-1 .*cc_snp: loaded \\(critical\\)" plugins --config ${WORK}/kits/site-1/site.json)
file(READ "${WORK}/kits/site-1/site.key" _key_before)
run_ccattest(1 "kits already exists and is not an empty folder: provision never overwrites keys"
  provision --project ${PROJECT} --out ${WORK}/kits)
file(READ "${WORK}/kits/site-1/site.key" _key_after)
if(NOT _key_before STREQUAL _key_after)
  message(FATAL_ERROR "a refused provision changed a key")
endif()
run_ccattest(2 "the option '--out' is required" provision --project ${PROJECT})
