# ccattest generate on one site, then ccattest verify --cc-info on another: accepted under the right
# identity and challenge, rejected under another identity, and refused again as a replay.
#   cmake -DCCATTEST=... -DWORK=... -DSITE_A=... -DSITE_B=... -P cc_info_check.cmake
function(expect exit_expected pattern)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL exit_expected OR NOT out MATCHES "${pattern}")
    message(FATAL_ERROR "${ARGN}\nexit ${status} (expected ${exit_expected})\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(challenge "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
expect(0 "\"site\":\"site-a\"" ${CCATTEST} generate --config ${SITE_A} --challenge ${challenge})
file(WRITE "${WORK}/info.json" "${last_output}")
expect(0 "site-a: ACCEPTED by site-b's policy"
  ${CCATTEST} verify --config ${SITE_B} --cc-info ${WORK}/info.json --challenge ${challenge} --identity site-a)
expect(1 "site-c: REJECTED.*evidence names site \\\"site-a\\\" but the sender is \\\"site-c\\\".*binding_mismatch"
  ${CCATTEST} verify --config ${SITE_B} --cc-info ${WORK}/info.json --challenge ${challenge} --identity site-c)
expect(1 "evidence is bound to another challenge"
  ${CCATTEST} verify --config ${SITE_B} --cc-info ${WORK}/info.json --challenge ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100 --identity site-a)
# Without a verifier challenge the replay store decides: accepted once, refused the second time.
expect(0 "\"accepted\":true" ${CCATTEST} verify --config ${SITE_B} --cc-info ${WORK}/info.json --identity site-a --json)
expect(1 "token was presented before \\(replay\\)" ${CCATTEST} verify --config ${SITE_B} --cc-info ${WORK}/info.json --identity site-a --json)
