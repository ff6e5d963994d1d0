# ccattest generate on one site, then ccattest verify --cc-info on another: accepted under the right
# identity and challenge, rejected under another identity, refused again as a replay (also when
# eight processes present it at once), and refused when its issue time is rewritten or out of
# range, or when the CC info has a duplicate or unknown member.
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
expect(1 "\"reasons\":\\[{\"code\":\"replay\",\"namespace\":\"x-snp\",\"message\":\"site-a: x-snp: evidence was presented before \\(replay\\)\"}\\]" ${CCATTEST} verify --config ${SITE_B} --cc-info ${WORK}/info.json --identity site-a --json)

# Out-of-range issue times, duplicate and unknown members are malformed CC info: exit 1, no verdict.
function(expect_malformed name text pattern)
  file(WRITE "${WORK}/${name}.json" "${text}")
  execute_process(COMMAND ${CCATTEST} verify --config ${SITE_B} --cc-info ${WORK}/${name}.json --identity site-a
    RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 1 OR NOT out STREQUAL "" OR NOT err MATCHES "malformed CC info: .*${name}.json: ${pattern}")
    message(FATAL_ERROR "${name}: exit ${status}\n${out}\n${err}")
  endif()
endfunction()
file(READ "${WORK}/info.json" info)
string(REGEX REPLACE "\"issued_at\":[0-9]+" "\"issued_at\":-9223372036854775808" overflow "${info}")
expect_malformed(overflow "${overflow}" "cc info: issued_at -9223372036854775808 is outside 0..253402300799")
string(REPLACE "{\"site\":" "{\"site\":\"site-x\",\"site\":" duplicate "${info}")
expect_malformed(duplicate "${duplicate}" "line 1, column [0-9]+: duplicate member /site")
string(REPLACE "{\"site\":" "{\"note\":1,\"site\":" unknown "${info}")
expect_malformed(unknown "${unknown}" "cc info: unknown member \"note\"")

# Eight processes present one fresh CC info at once: exactly one is accepted.
set(challenge2 "aa112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
expect(0 "\"site\":\"site-a\"" ${CCATTEST} generate --config ${SITE_A} --challenge ${challenge2})
file(WRITE "${WORK}/fresh.json" "${last_output}")
# Its issue time rewritten (the attack that kept a replay record short-lived) no longer binds.
string(REGEX MATCH "\"issued_at\":([0-9]+)" issued "${last_output}")
math(EXPR earlier "${CMAKE_MATCH_1} - 1")
string(REPLACE "${issued}" "\"issued_at\":${earlier}" rewritten "${last_output}")
file(WRITE "${WORK}/rewritten.json" "${rewritten}")
expect(1 "binding_mismatch: REPORT_DATA differs from the expected report data"
  ${CCATTEST} verify --config ${SITE_B} --cc-info ${WORK}/rewritten.json --identity site-a)
execute_process(COMMAND sh -c "for i in 1 2 3 4 5 6 7 8; do \"$0\" verify --config \"$1\" --cc-info \"$2\" --identity site-a --json > \"$3/race.$i\" 2>&1 & done; wait"
    ${CCATTEST} ${SITE_B} ${WORK}/fresh.json ${WORK}
  TIMEOUT 120 RESULT_VARIABLE status)
set(accepted 0)
set(replayed 0)
foreach(i RANGE 1 8)
  file(READ "${WORK}/race.${i}" out)
  if(out MATCHES "\"accepted\":true")
    math(EXPR accepted "${accepted} + 1")
  elseif(out MATCHES "evidence was presented before \\(replay\\)")
    math(EXPR replayed "${replayed} + 1")
  else()
    message(FATAL_ERROR "process ${i}: neither accepted nor a replay:\n${out}")
  endif()
endforeach()
if(NOT accepted EQUAL 1 OR NOT replayed EQUAL 7)
  message(FATAL_ERROR "eight processes: ${accepted} accepted, ${replayed} refused as replays (expected 1 and 7)")
endif()
