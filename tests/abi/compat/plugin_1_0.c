/*
 * A plugin as a vendor built it against ABI 1.0: compiled with the frozen 1.0 header
 * (tests/abi/frozen/authorizer_1_0.h, copied by tests/abi/CMakeLists.txt to a folder of its own
 * as ccattest/authorizer.h) and nothing newer. compat_tests.cpp loads it into the current host to
 * prove that a 1.0 binary still loads, negotiates 1.0 and works. A software-only echo authorizer
 * (a test fixture, not an attestation scheme): a token is "C10:" followed by the 64 bytes of
 * report data; the evidence_digest claim is the SHA-256 of those 64 bytes.
 */
#include <ccattest/authorizer.h>

#include <openssl/evp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if CCATTEST_ABI_MAJOR != 1 || CCATTEST_ABI_MINOR != 0
#error "plugin_1_0.c must be compiled against the frozen ABI 1.0 header"
#endif

#define COMPAT_MAGIC "C10:"
#define COMPAT_MAGIC_SIZE 4u
#define COMPAT_TOKEN_SIZE (COMPAT_MAGIC_SIZE + CCATTEST_REPORT_DATA_SIZE)

static const ccattest_host_api *compat_host = NULL;

struct ccattest_instance {
    int unused;
};

static void compat_error(char *buffer, size_t size, const char *message) {
    if (buffer != NULL && size > 0) {
        snprintf(buffer, size, "%s", message);
    }
}

/* Hands `size` bytes of `text` to the host as an output (R4). */
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

static ccattest_status compat_create(const char *config_json, size_t config_json_size,
                                     ccattest_instance **out_instance, char *error_message,
                                     size_t error_message_size) {
    if (out_instance == NULL || config_json == NULL) {
        compat_error(error_message, error_message_size,
                     "config_json and out_instance are required");
        return CCATTEST_E_INVALID_ARGUMENT;
    }
    *out_instance = NULL;
    if (config_json_size < 2 || config_json[0] != '{' || config_json[config_json_size - 1] != '}') {
        compat_error(error_message, error_message_size, "compat 1.0: config must be a JSON object");
        return CCATTEST_E_CONFIG;
    }
    *out_instance = (ccattest_instance *)calloc(1, sizeof(ccattest_instance));
    if (*out_instance == NULL) {
        compat_error(error_message, error_message_size, "out of memory");
        return CCATTEST_E_NO_MEMORY;
    }
    return CCATTEST_OK;
}

static void compat_destroy(ccattest_instance *instance) {
    free(instance);
}

static ccattest_status compat_generate(ccattest_instance *instance,
                                       const ccattest_generate_args *args,
                                       ccattest_buffer *out_token, char *error_message,
                                       size_t error_message_size) {
    uint8_t token[COMPAT_TOKEN_SIZE];
    if (instance == NULL || args == NULL || out_token == NULL ||
        args->struct_size < CCATTEST_GENERATE_ARGS_SIZE_1_0 || args->report_data == NULL) {
        compat_error(error_message, error_message_size, "missing argument");
        return CCATTEST_E_INVALID_ARGUMENT;
    }
    memcpy(token, COMPAT_MAGIC, COMPAT_MAGIC_SIZE);
    memcpy(token + COMPAT_MAGIC_SIZE, args->report_data, CCATTEST_REPORT_DATA_SIZE);
    return compat_output(token, sizeof token, out_token, error_message, error_message_size);
}

/* A token's report data, or NULL (with the reason written) when it is not a compat token. */
static const uint8_t *compat_report_data(const uint8_t *token, size_t token_size,
                                         char *error_message, size_t error_message_size) {
    if (token_size != COMPAT_TOKEN_SIZE || memcmp(token, COMPAT_MAGIC, COMPAT_MAGIC_SIZE) != 0) {
        compat_error(error_message, error_message_size,
                     "compat 1.0: a token is \"C10:\" and 64 bytes of report data");
        return NULL;
    }
    return token + COMPAT_MAGIC_SIZE;
}

static ccattest_status compat_verify(ccattest_instance *instance, const ccattest_verify_args *args,
                                     ccattest_buffer *out_claims, char *error_message,
                                     size_t error_message_size) {
    const uint8_t *report_data;
    unsigned char digest[32];
    unsigned int digest_size = 0;
    char claims[256];
    int length;
    unsigned int i;
    if (instance == NULL || args == NULL || out_claims == NULL ||
        args->struct_size < CCATTEST_VERIFY_ARGS_SIZE_1_0 || args->token == NULL ||
        args->token_size == 0) {
        compat_error(error_message, error_message_size, "missing argument");
        return CCATTEST_E_INVALID_ARGUMENT;
    }
    report_data =
        compat_report_data(args->token, args->token_size, error_message, error_message_size);
    if (report_data == NULL) {
        return CCATTEST_E_MALFORMED;
    }
    if (args->expected_report_data != NULL &&
        memcmp(args->expected_report_data, report_data, CCATTEST_REPORT_DATA_SIZE) != 0) {
        compat_error(error_message, error_message_size,
                     "compat 1.0: the token carries other report data");
        return CCATTEST_E_BINDING_MISMATCH;
    }
    if (EVP_Digest(report_data, CCATTEST_REPORT_DATA_SIZE, digest, &digest_size, EVP_sha256(),
                   NULL) != 1 ||
        digest_size != sizeof digest) {
        compat_error(error_message, error_message_size, "SHA-256 failed");
        return CCATTEST_E_INTERNAL;
    }
    /* host_api_size: the host's table as this 1.0 plugin saw it (it reads only the 1.0 part). */
    length = snprintf(claims, sizeof claims,
                      "{\"software_only\":true,\"built_for_abi\":\"1.0\",\"host_api_size\":%u,"
                      "\"evidence_digest\":\"",
                      (unsigned)compat_host->struct_size);
    for (i = 0; i < sizeof digest; ++i) {
        length += snprintf(claims + length, sizeof claims - (size_t)length, "%02x", digest[i]);
    }
    length += snprintf(claims + length, sizeof claims - (size_t)length, "\"}");
    return compat_output(claims, (size_t)length, out_claims, error_message, error_message_size);
}

static ccattest_status compat_inspect(ccattest_instance *instance, const uint8_t *token,
                                      size_t token_size, ccattest_buffer *out_description,
                                      char *error_message, size_t error_message_size) {
    static const char description[] = "{\"format\":\"compat-1.0\",\"report_data_size\":64}";
    if (instance == NULL || token == NULL || token_size == 0 || out_description == NULL) {
        compat_error(error_message, error_message_size, "missing argument");
        return CCATTEST_E_INVALID_ARGUMENT;
    }
    if (compat_report_data(token, token_size, error_message, error_message_size) == NULL) {
        return CCATTEST_E_MALFORMED;
    }
    /* Logged so the test sees that the host called this 1.0 slot. */
    compat_host->log(compat_host->host_context, CCATTEST_LOG_INFO, "compat 1.0 inspect called");
    return compat_output(description, sizeof description - 1, out_description, error_message,
                         error_message_size);
}

static const ccattest_plugin_api compat_table = {
    sizeof(ccattest_plugin_api),
    CCATTEST_ABI_MAJOR,
    CCATTEST_ABI_MINOR,
    "ccattest ABI 1.0 compatibility fixture (software only)",
    "ccattest project",
    "1.0.0",
    "x-compat-abi10",
    "ccattest-compat-10-echo",
    "none (test fixture)",
    NULL,
    CCATTEST_CAP_GENERATE | CCATTEST_CAP_VERIFY | CCATTEST_CAP_BINDS_REPORT_DATA |
        CCATTEST_CAP_OFFLINE_VERIFY | CCATTEST_CAP_SOFTWARE_ONLY,
    "{\"type\": \"object\", \"additionalProperties\": false}",
    compat_create,
    compat_destroy,
    compat_generate,
    compat_verify,
    compat_inspect,
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
        compat_error(error_message, error_message_size, "compat 1.0: the host does not offer 1.x");
        return CCATTEST_E_VERSION_MISMATCH;
    }
    compat_host = host;
    *out_api = &compat_table;
    return CCATTEST_OK;
}
