/*
 * A test plugin (host_service_tests.cpp) that calls the host's fetch and cache_validity from its
 * entry function, before the host has read its table, and reports what the host answered in its
 * table's description. Otherwise a minimal echo verifier: it is never asked to verify anything.
 */
#include <ccattest/authorizer.h>

#include <stdio.h>
#include <string.h>

static char entry_report[512] = "fetch not offered";

static ccattest_status probe_create(const char *config_json, size_t config_json_size,
                                    ccattest_instance **out_instance, char *error_message,
                                    size_t error_message_size) {
    (void)config_json;
    (void)config_json_size;
    (void)out_instance;
    if (error_message != NULL && error_message_size > 0) {
        snprintf(error_message, error_message_size, "%s", "the entry probe makes no instances");
    }
    return CCATTEST_E_UNSUPPORTED;
}

static void probe_destroy(ccattest_instance *instance) {
    (void)instance;
}

static ccattest_status probe_verify(ccattest_instance *instance, const ccattest_verify_args *args,
                                    ccattest_buffer *out_claims, char *error_message,
                                    size_t error_message_size) {
    (void)instance;
    (void)args;
    (void)out_claims;
    if (error_message != NULL && error_message_size > 0) {
        snprintf(error_message, error_message_size, "%s", "the entry probe verifies nothing");
    }
    return CCATTEST_E_UNSUPPORTED;
}

static const ccattest_plugin_api probe_table = {
    sizeof(ccattest_plugin_api),
    CCATTEST_ABI_MAJOR,
    CCATTEST_ABI_MINOR,
    "entry fetch probe",
    "ccattest tests",
    "1.0.0",
    "x-entry-probe",
    "x-entry-probe-token",
    "x-entry-probe-evidence",
    entry_report,
    CCATTEST_CAP_VERIFY | CCATTEST_CAP_SOFTWARE_ONLY,
    "{\"type\": \"object\"}",
    probe_create,
    probe_destroy,
    NULL,
    probe_verify,
    NULL,
    NULL,
};

static void probe_fetch(const ccattest_host_api *host) {
    ccattest_fetch_request request;
    ccattest_fetch_response response;
    char reason[256] = "";
    ccattest_status fetched;
    ccattest_status validity;
    memset(&request, 0, sizeof request);
    memset(&response, 0, sizeof response);
    request.struct_size = sizeof request;
    request.method = CCATTEST_FETCH_GET;
    request.url = "https://127.0.0.1:9/entry-collateral";
    response.struct_size = sizeof response;
    fetched = host->fetch(host->host_context, &request, &response, reason, sizeof reason);
    validity = host->cache_validity(host->host_context, &request, 0);
    snprintf(entry_report, sizeof entry_report, "fetch: %s: %s; body %s; cache_validity: %s",
             ccattest_status_name(fetched), reason, response.body.data == NULL ? "NULL" : "set",
             ccattest_status_name(validity));
}

CCATTEST_EXPORT ccattest_status ccattest_authorizer_entry(const ccattest_host_api *host,
                                                          const ccattest_plugin_api **out_api,
                                                          char *error_message,
                                                          size_t error_message_size) {
    (void)error_message;
    (void)error_message_size;
    if (host->struct_size >= CCATTEST_HOST_API_SIZE_1_1 && host->fetch != NULL &&
        host->cache_validity != NULL) {
        probe_fetch(host);
    }
    *out_api = &probe_table;
    return CCATTEST_OK;
}
