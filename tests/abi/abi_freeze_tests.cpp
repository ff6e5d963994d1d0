// ABI freeze: the size and offset of every public struct, the status codes, capability bits and log
// levels of ABI 1.0. Any change here breaks every plugin built against 1.0: append, never move.
#define BOOST_TEST_MODULE abi_freeze
#include <boost/test/unit_test.hpp>

#include <ccattest/authorizer.h>

#include <cstddef>

static_assert(sizeof(void *) == 8 && sizeof(size_t) == 8, "the frozen layout below is for LP64");

#define FROZEN(type, field, offset)                                                                \
    static_assert(offsetof(type, field) == (offset), #type "." #field)

FROZEN(ccattest_host_api, struct_size, 0);
FROZEN(ccattest_host_api, abi_major, 4);
FROZEN(ccattest_host_api, abi_minor_min, 6);
FROZEN(ccattest_host_api, abi_minor_max, 8);
FROZEN(ccattest_host_api, reserved0, 10);
FROZEN(ccattest_host_api, host_context, 16);
FROZEN(ccattest_host_api, log, 24);
FROZEN(ccattest_host_api, alloc, 32);
FROZEN(ccattest_host_api, free, 40);
FROZEN(ccattest_host_api, now, 48);
FROZEN(ccattest_host_api, fetch, 56);          // 1.1
FROZEN(ccattest_host_api, cache_validity, 64); // 1.1
static_assert(sizeof(ccattest_host_api) == 72);

// 1.1: the network service's request and response.
FROZEN(ccattest_fetch_request, struct_size, 0);
FROZEN(ccattest_fetch_request, method, 4);
FROZEN(ccattest_fetch_request, url, 8);
FROZEN(ccattest_fetch_request, body, 16);
FROZEN(ccattest_fetch_request, body_size, 24);
FROZEN(ccattest_fetch_request, content_type, 32);
FROZEN(ccattest_fetch_request, timeout_ms, 40);
FROZEN(ccattest_fetch_request, flags, 44);
static_assert(sizeof(ccattest_fetch_request) == 48);
FROZEN(ccattest_fetch_response, struct_size, 0);
FROZEN(ccattest_fetch_response, http_status, 4);
FROZEN(ccattest_fetch_response, body, 8);
FROZEN(ccattest_fetch_response, headers, 24);
FROZEN(ccattest_fetch_response, source, 40);
FROZEN(ccattest_fetch_response, reserved0, 44);
FROZEN(ccattest_fetch_response, fetched_at, 48);
FROZEN(ccattest_fetch_response, fresh_until, 56);
static_assert(sizeof(ccattest_fetch_response) == 64);
FROZEN(ccattest_inspect_args, struct_size, 0);
FROZEN(ccattest_inspect_args, reserved0, 4);
FROZEN(ccattest_inspect_args, token, 8);
FROZEN(ccattest_inspect_args, token_size, 16);
static_assert(sizeof(ccattest_inspect_args) == 24);

FROZEN(ccattest_buffer, data, 0);
FROZEN(ccattest_buffer, size, 8);
static_assert(sizeof(ccattest_buffer) == 16);

FROZEN(ccattest_generate_args, struct_size, 0);
FROZEN(ccattest_generate_args, reserved0, 4);
FROZEN(ccattest_generate_args, report_data, 8);
static_assert(sizeof(ccattest_generate_args) == 16);

FROZEN(ccattest_verify_args, struct_size, 0);
FROZEN(ccattest_verify_args, reserved0, 4);
FROZEN(ccattest_verify_args, token, 8);
FROZEN(ccattest_verify_args, token_size, 16);
FROZEN(ccattest_verify_args, expected_report_data, 24);
FROZEN(ccattest_verify_args, verification_time, 32);
static_assert(sizeof(ccattest_verify_args) == 40);

FROZEN(ccattest_plugin_api, struct_size, 0);
FROZEN(ccattest_plugin_api, abi_major, 4);
FROZEN(ccattest_plugin_api, abi_minor, 6);
FROZEN(ccattest_plugin_api, name, 8);
FROZEN(ccattest_plugin_api, vendor, 16);
FROZEN(ccattest_plugin_api, plugin_version, 24);
FROZEN(ccattest_plugin_api, namespace_id, 32);
FROZEN(ccattest_plugin_api, token_format, 40);
FROZEN(ccattest_plugin_api, evidence_format, 48);
FROZEN(ccattest_plugin_api, description, 56);
FROZEN(ccattest_plugin_api, capabilities, 64);
FROZEN(ccattest_plugin_api, config_schema, 72);
FROZEN(ccattest_plugin_api, create, 80);
FROZEN(ccattest_plugin_api, destroy, 88);
FROZEN(ccattest_plugin_api, generate, 96);
FROZEN(ccattest_plugin_api, verify, 104);
FROZEN(ccattest_plugin_api, inspect, 112);
FROZEN(ccattest_plugin_api, inspect2, 120); // 1.1
static_assert(sizeof(ccattest_plugin_api) == 128);

static_assert(CCATTEST_PLUGIN_API_SIZE_1_0 == 120);
static_assert(CCATTEST_HOST_API_SIZE_1_0 == 56);
static_assert(CCATTEST_GENERATE_ARGS_SIZE_1_0 == 16);
static_assert(CCATTEST_VERIFY_ARGS_SIZE_1_0 == 40);
static_assert(CCATTEST_REPORT_DATA_SIZE == 64);
static_assert(CCATTEST_PLUGIN_API_SIZE_1_1 == 128);
static_assert(CCATTEST_HOST_API_SIZE_1_1 == 72);
static_assert(CCATTEST_INSPECT_ARGS_SIZE_1_1 == 24);
static_assert(CCATTEST_FETCH_REQUEST_SIZE_1_1 == 48);
static_assert(CCATTEST_FETCH_RESPONSE_SIZE_1_1 == 64);

BOOST_AUTO_TEST_CASE(status_codes_are_frozen) {
    const ccattest_status codes[] = {CCATTEST_OK,
                                     CCATTEST_E_INVALID_ARGUMENT,
                                     CCATTEST_E_UNSUPPORTED,
                                     CCATTEST_E_NO_DEVICE,
                                     CCATTEST_E_MALFORMED,
                                     CCATTEST_E_VERIFICATION_FAILED,
                                     CCATTEST_E_BINDING_MISMATCH,
                                     CCATTEST_E_EXPIRED,
                                     CCATTEST_E_IO,
                                     CCATTEST_E_TIMEOUT,
                                     CCATTEST_E_INTERNAL,
                                     CCATTEST_E_BUFFER_TOO_SMALL,
                                     CCATTEST_E_VERSION_MISMATCH,
                                     CCATTEST_E_CONFIG,
                                     CCATTEST_E_NO_MEMORY};
    for (ccattest_status i = 0; i < sizeof codes / sizeof codes[0]; ++i) {
        BOOST_TEST(codes[i] == i);
    }
    BOOST_TEST(CCATTEST_E_VENDOR_BASE == 0x80000000u);
    BOOST_TEST(sizeof(ccattest_status) == 4u);
}

BOOST_AUTO_TEST_CASE(capability_bits_and_log_levels_are_frozen) {
    BOOST_TEST(CCATTEST_CAP_GENERATE == 1u);
    BOOST_TEST(CCATTEST_CAP_VERIFY == 2u);
    BOOST_TEST(CCATTEST_CAP_BINDS_REPORT_DATA == 4u);
    BOOST_TEST(CCATTEST_CAP_OFFLINE_VERIFY == 8u);
    BOOST_TEST(CCATTEST_CAP_NEEDS_NETWORK == 16u);
    BOOST_TEST(CCATTEST_CAP_SERIALIZE == 32u);
    BOOST_TEST(CCATTEST_CAP_SOFTWARE_ONLY == 64u);
    BOOST_TEST(CCATTEST_LOG_TRACE == 0u);
    BOOST_TEST(CCATTEST_LOG_ERROR == 4u);
    BOOST_TEST(CCATTEST_ABI_MAJOR == 1);
    BOOST_TEST(CCATTEST_ABI_MINOR == 1);
    BOOST_TEST(CCATTEST_FETCH_GET == 0u);
    BOOST_TEST(CCATTEST_FETCH_POST == 1u);
    BOOST_TEST(CCATTEST_FETCH_CACHE_ALLOWED == 1u);
    BOOST_TEST(CCATTEST_FETCH_OFFLINE_ONLY == 2u);
    BOOST_TEST(CCATTEST_FETCH_FROM_NETWORK == 1u);
    BOOST_TEST(CCATTEST_FETCH_FROM_CACHE == 2u);
    BOOST_TEST(std::string(CCATTEST_ENTRY_SYMBOL) == "ccattest_authorizer_entry");
}
