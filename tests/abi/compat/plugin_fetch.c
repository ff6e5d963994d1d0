/*
 * An ABI 1.1 plugin that uses the host's network service when, and only when, the host offers it
 * (compat_tests.cpp). A software-only echo authorizer (a test fixture, not an attestation scheme):
 * a token is the 64 bytes of report data. The config may name one "collateral_url"; verify then
 * fetches it through ccattest_host_api.fetch when the host's table has that slot and it is set,
 * and reports in its claims whether fetch was offered and what came back. Without the service it
 * verifies offline; when the service fails, verify fails with the host's status and reason.
 */
#include <ccattest/authorizer.h>

#include <openssl/evp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMPAT_MAX_URL 512

static const ccattest_host_api *compat_host = NULL;
/* The host's fetch, read only when its struct_size covers the slot (R3); NULL when not offered. */
static ccattest_fetch_fn compat_fetch = NULL;

struct ccattest_instance {
    char url[COMPAT_MAX_URL]; /* "" when no collateral_url is configured */
};

static void compat_error(char *buffer, size_t size, const char *message) {
    if (buffer != NULL && size > 0) {
        snprintf(buffer, size, "%s", message);
    }
}

static ccattest_status compat_output(const void *text, size_t size, ccattest_buffer *out,
                                     char *error_message, size_t error_message_size) {
    uint8_t *copy = (uint8_t *)compat_host->alloc(compat_host->host_context, size);
    if (copy == NULL) {
        compat_error(error_message, error_message_size, "host allocation failed");
        return CCATTEST_E_NO_MEMORY;
    }
    memcpy(copy, text, size);
    out->data = copy;
    out->size = size;
    return CCATTEST_OK;
}

/* The config is "{}" or {"collateral_url":"..."} exactly as the host serializes it after checking
 * it against the schema below, whose pattern admits no character JSON would escape. */
static int compat_read_config(const char *config, size_t size, char *url) {
    static const char prefix[] = "{\"collateral_url\":\"";
    const size_t prefix_size = sizeof prefix - 1;
    size_t url_size;
    if (size == 2 && memcmp(config, "{}", 2) == 0) {
        url[0] = '\0';
        return 1;
    }
    if (size < prefix_size + 2 || memcmp(config, prefix, prefix_size) != 0 ||
        memcmp(config + size - 2, "\"}", 2) != 0) {
        return 0;
    }
    url_size = size - prefix_size - 2;
    if (url_size == 0 || url_size >= COMPAT_MAX_URL ||
        memchr(config + prefix_size, '"', url_size) != NULL) {
        return 0;
    }
    memcpy(url, config + prefix_size, url_size);
    url[url_size] = '\0';
    return 1;
}

static ccattest_status compat_create(const char *config_json, size_t config_json_size,
                                     ccattest_instance **out_instance, char *error_message,
                                     size_t error_message_size) {
    ccattest_instance *instance;
    if (out_instance == NULL || config_json == NULL) {
        compat_error(error_message, error_message_size,
                     "config_json and out_instance are required");
        return CCATTEST_E_INVALID_ARGUMENT;
    }
    *out_instance = NULL;
    instance = (ccattest_instance *)calloc(1, sizeof(ccattest_instance));
    if (instance == NULL) {
        compat_error(error_message, error_message_size, "out of memory");
        return CCATTEST_E_NO_MEMORY;
    }
    if (!compat_read_config(config_json, config_json_size, instance->url)) {
        free(instance);
        compat_error(error_message, error_message_size,
                     "compat fetch: config must be {} or {\"collateral_url\": URL}");
        return CCATTEST_E_CONFIG;
    }
    *out_instance = instance;
    return CCATTEST_OK;
}

static void compat_destroy(ccattest_instance *instance) {
    free(instance);
}

static ccattest_status compat_generate(ccattest_instance *instance,
                                       const ccattest_generate_args *args,
                                       ccattest_buffer *out_token, char *error_message,
                                       size_t error_message_size) {
    if (instance == NULL || args == NULL || out_token == NULL ||
        args->struct_size < CCATTEST_GENERATE_ARGS_SIZE_1_0 || args->report_data == NULL) {
        compat_error(error_message, error_message_size, "missing argument");
        return CCATTEST_E_INVALID_ARGUMENT;
    }
    return compat_output(args->report_data, CCATTEST_REPORT_DATA_SIZE, out_token, error_message,
                         error_message_size);
}

/* Fetches the configured collateral and describes the answer as a JSON member into `text`.
 * Returns the host's status when the service failed (its reason in error_message). */
static ccattest_status compat_collateral(const ccattest_instance *instance, char *text,
                                         size_t text_size, char *error_message,
                                         size_t error_message_size) {
    ccattest_fetch_request request;
    ccattest_fetch_response response;
    char reason[512];
    ccattest_status status;
    if (compat_fetch == NULL || instance->url[0] == '\0') {
        snprintf(text, text_size, "\"collateral\":{\"fetched\":false}");
        return CCATTEST_OK;
    }
    memset(&request, 0, sizeof request);
    memset(&response, 0, sizeof response);
    request.struct_size = sizeof request;
    request.method = CCATTEST_FETCH_GET;
    request.url = instance->url;
    request.flags = CCATTEST_FETCH_CACHE_ALLOWED;
    response.struct_size = sizeof response;
    reason[0] = '\0';
    status = compat_fetch(compat_host->host_context, &request, &response, reason, sizeof reason);
    if (status != CCATTEST_OK) {
        if (error_message != NULL && error_message_size > 0) {
            snprintf(error_message, error_message_size, "compat fetch: fetching %s failed (%s): %s",
                     instance->url, ccattest_status_name(status),
                     reason[0] != '\0' ? reason : "the host gave no reason");
        }
        return status;
    }
    snprintf(text, text_size, "\"collateral\":{\"fetched\":true,\"http_status\":%u,\"bytes\":%lu}",
             (unsigned)response.http_status, (unsigned long)response.body.size);
    compat_host->free(compat_host->host_context, response.body.data);
    compat_host->free(compat_host->host_context, response.headers.data);
    return CCATTEST_OK;
}

static ccattest_status compat_verify(ccattest_instance *instance, const ccattest_verify_args *args,
                                     ccattest_buffer *out_claims, char *error_message,
                                     size_t error_message_size) {
    unsigned char digest[32];
    unsigned int digest_size = 0;
    char collateral[128];
    char claims[384];
    int length;
    unsigned int i;
    ccattest_status status;
    if (instance == NULL || args == NULL || out_claims == NULL ||
        args->struct_size < CCATTEST_VERIFY_ARGS_SIZE_1_0 || args->token == NULL ||
        args->token_size == 0) {
        compat_error(error_message, error_message_size, "missing argument");
        return CCATTEST_E_INVALID_ARGUMENT;
    }
    if (args->token_size != CCATTEST_REPORT_DATA_SIZE) {
        compat_error(error_message, error_message_size, "compat fetch: a token is 64 bytes");
        return CCATTEST_E_MALFORMED;
    }
    if (args->expected_report_data != NULL &&
        memcmp(args->expected_report_data, args->token, CCATTEST_REPORT_DATA_SIZE) != 0) {
        compat_error(error_message, error_message_size,
                     "compat fetch: the token carries other report data");
        return CCATTEST_E_BINDING_MISMATCH;
    }
    status = compat_collateral(instance, collateral, sizeof collateral, error_message,
                               error_message_size);
    if (status != CCATTEST_OK) {
        return status;
    }
    if (EVP_Digest(args->token, args->token_size, digest, &digest_size, EVP_sha256(), NULL) != 1 ||
        digest_size != sizeof digest) {
        compat_error(error_message, error_message_size, "SHA-256 failed");
        return CCATTEST_E_INTERNAL;
    }
    length = snprintf(claims, sizeof claims,
                      "{\"software_only\":true,\"fetch_offered\":%s,%s,\"evidence_digest\":\"",
                      compat_fetch != NULL ? "true" : "false", collateral);
    for (i = 0; i < sizeof digest; ++i) {
        length += snprintf(claims + length, sizeof claims - (size_t)length, "%02x", digest[i]);
    }
    length += snprintf(claims + length, sizeof claims - (size_t)length, "\"}");
    return compat_output(claims, (size_t)length, out_claims, error_message, error_message_size);
}

static const ccattest_plugin_api compat_table = {
    sizeof(ccattest_plugin_api),
    CCATTEST_ABI_MAJOR,
    1,
    "ccattest ABI 1.1 fetch fixture (software only)",
    "ccattest project",
    "1.1.0",
    "x-compat-fetch",
    "ccattest-compat-fetch-echo",
    "none (test fixture)",
    NULL,
    CCATTEST_CAP_GENERATE | CCATTEST_CAP_VERIFY | CCATTEST_CAP_BINDS_REPORT_DATA |
        CCATTEST_CAP_NEEDS_NETWORK | CCATTEST_CAP_SOFTWARE_ONLY,
    "{\"type\": \"object\", \"additionalProperties\": false, \"properties\": {\"collateral_url\": "
    "{\"type\": \"string\", \"pattern\": \"^https?://[A-Za-z0-9.:/_-]+$\"}}}",
    compat_create,
    compat_destroy,
    compat_generate,
    compat_verify,
    NULL,
    NULL,
};

CCATTEST_EXPORT ccattest_status ccattest_authorizer_entry(const ccattest_host_api *host,
                                                          const ccattest_plugin_api **out_api,
                                                          char *error_message,
                                                          size_t error_message_size) {
    if (out_api == NULL || host == NULL) {
        compat_error(error_message, error_message_size, "NULL argument");
        return CCATTEST_E_INVALID_ARGUMENT;
    }
    *out_api = NULL;
    if (host->abi_major != CCATTEST_ABI_MAJOR || host->struct_size < CCATTEST_HOST_API_SIZE_1_0) {
        compat_error(error_message, error_message_size,
                     "compat fetch: the host does not offer 1.x");
        return CCATTEST_E_VERSION_MISMATCH;
    }
    compat_host = host;
    compat_fetch = host->struct_size >= CCATTEST_HOST_API_SIZE_1_1 ? host->fetch : NULL;
    *out_api = &compat_table;
    return CCATTEST_OK;
}
