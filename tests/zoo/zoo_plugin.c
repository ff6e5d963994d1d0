/*
 * The broken-plugin zoo: one C99 source, built once per ZOO_* variant into a separate .so, each
 * broken in exactly one way (tests/zoo/CMakeLists.txt lists them). Written in plain C to prove the
 * ABI header is usable from C. The working base is a software-only echo authorizer: a token is the
 * 64 bytes of report data, which verify compares, and whose SHA-256 is the evidence_digest claim.
 * It is a test fixture, not an attestation scheme.
 */
#include <ccattest/authorizer.h>

#include <openssl/evp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ZOO_NAMESPACE
#define ZOO_NAMESPACE "x-zoo"
#endif

static const ccattest_host_api *zoo_host = NULL;
#if defined(ZOO_SERIALIZE)
static int zoo_in_flight = 0;
#define ZOO_EXTRA_CAPABILITIES CCATTEST_CAP_SERIALIZE
#else
#define ZOO_EXTRA_CAPABILITIES 0
#endif

static void zoo_error(char *buffer, size_t size, const char *message) {
    if (buffer != NULL && size > 0) {
        snprintf(buffer, size, "%s", message);
    }
}

struct ccattest_instance {
    int unused;
};

static ccattest_status zoo_create(const char *config_json, size_t config_json_size,
                                  ccattest_instance **out_instance, char *error_message,
                                  size_t error_message_size) {
    if (out_instance == NULL || config_json == NULL) {
        zoo_error(error_message, error_message_size, "config_json and out_instance are required");
        return CCATTEST_E_INVALID_ARGUMENT;
    }
    *out_instance = NULL;
    /* The host validated the config against the schema (an object); refuse anything else. */
    if (config_json_size < 2 || config_json[0] != '{' || config_json[config_json_size - 1] != '}') {
        zoo_error(error_message, error_message_size, "zoo: config must be a JSON object");
        return CCATTEST_E_CONFIG;
    }
#ifdef ZOO_CREATE_FAILS
    zoo_error(error_message, error_message_size, "zoo: create failed on purpose");
    return CCATTEST_E_CONFIG;
#else
    *out_instance = (ccattest_instance *)calloc(1, sizeof(ccattest_instance));
    if (*out_instance == NULL) {
        zoo_error(error_message, error_message_size, "out of memory");
        return CCATTEST_E_NO_MEMORY;
    }
#if defined(ZOO_FETCH_IGNORES_SIZE)
    /* Broken on purpose: reads the fetch slot without checking that struct_size covers it (R3). */
    if (zoo_host->fetch != NULL) {
        ccattest_fetch_request request;
        ccattest_fetch_response response;
        char reason[128];
        memset(&request, 0, sizeof request);
        memset(&response, 0, sizeof response);
        request.struct_size = sizeof request;
        request.method = CCATTEST_FETCH_GET;
        request.url = "http://127.0.0.1:9/zoo-collateral";
        response.struct_size = sizeof response;
        if (zoo_host->fetch(zoo_host->host_context, &request, &response, reason, sizeof reason) ==
            CCATTEST_OK) {
            zoo_host->free(zoo_host->host_context, response.body.data);
            zoo_host->free(zoo_host->host_context, response.headers.data);
        }
    }
#endif
    zoo_host->log(zoo_host->host_context, CCATTEST_LOG_INFO, "zoo instance created");
    return CCATTEST_OK;
#endif
}

static void zoo_destroy(ccattest_instance *instance) {
    free(instance);
}

static ccattest_status zoo_generate(ccattest_instance *instance, const ccattest_generate_args *args,
                                    ccattest_buffer *out_token, char *error_message,
                                    size_t error_message_size) {
    uint8_t *token;
    if (instance == NULL || args == NULL || out_token == NULL ||
        args->struct_size < CCATTEST_GENERATE_ARGS_SIZE_1_0 || args->report_data == NULL) {
        zoo_error(error_message, error_message_size, "missing argument");
        return CCATTEST_E_INVALID_ARGUMENT;
    }
    token = (uint8_t *)zoo_host->alloc(zoo_host->host_context, CCATTEST_REPORT_DATA_SIZE);
    if (token == NULL) {
        zoo_error(error_message, error_message_size, "host allocation failed");
        return CCATTEST_E_NO_MEMORY;
    }
    memcpy(token, args->report_data, CCATTEST_REPORT_DATA_SIZE);
    out_token->data = token;
    out_token->size = CCATTEST_REPORT_DATA_SIZE;
    return CCATTEST_OK;
}

#if defined(__GNUC__)
__attribute__((unused))
#endif
static ccattest_status
zoo_verify(ccattest_instance *instance, const ccattest_verify_args *args,
           ccattest_buffer *out_claims, char *error_message, size_t error_message_size) {
    /* The ZOO_NO_EVIDENCE_DIGEST variant leaves out the claim every plugin must return. */
#if defined(ZOO_NO_EVIDENCE_DIGEST)
    static const char prefix[] = "{\"software_only\":true,\"zoo\":true}";
#else
    static const char prefix[] = "{\"software_only\":true,\"zoo\":true,\"evidence_digest\":\"";
#endif
    char claims[sizeof prefix + 64 + 2];
    size_t claims_size = sizeof prefix - 1;
    uint8_t *copy;
    if (instance == NULL || args == NULL || out_claims == NULL ||
        args->struct_size < CCATTEST_VERIFY_ARGS_SIZE_1_0 || args->token == NULL ||
        args->token_size == 0) {
        zoo_error(error_message, error_message_size, "missing argument");
        return CCATTEST_E_INVALID_ARGUMENT;
    }
#if defined(ZOO_SERIALIZE)
    /* Declares CCATTEST_CAP_SERIALIZE and checks the host honours it: overlapping calls fail. */
    if (__atomic_add_fetch(&zoo_in_flight, 1, __ATOMIC_SEQ_CST) != 1) {
        __atomic_sub_fetch(&zoo_in_flight, 1, __ATOMIC_SEQ_CST);
        zoo_error(error_message, error_message_size,
                  "zoo: overlapping verify on a serialized instance");
        return CCATTEST_E_INTERNAL;
    }
    {
        volatile unsigned spin = 0;
        while (spin < 20000u) {
            spin = spin + 1u;
        }
    }
    __atomic_sub_fetch(&zoo_in_flight, 1, __ATOMIC_SEQ_CST);
#endif
    if (args->token_size != CCATTEST_REPORT_DATA_SIZE) {
        zoo_error(error_message, error_message_size, "zoo token must be 64 bytes");
        return CCATTEST_E_MALFORMED;
    }
    if (args->expected_report_data != NULL &&
        memcmp(args->expected_report_data, args->token, CCATTEST_REPORT_DATA_SIZE) != 0) {
        zoo_error(error_message, error_message_size, "zoo token carries other report data");
        return CCATTEST_E_BINDING_MISMATCH;
    }
    memcpy(claims, prefix, claims_size);
#if !defined(ZOO_NO_EVIDENCE_DIGEST)
    {
        /* The echo token is all the evidence there is: its digest is the replay key. */
        unsigned char digest[32];
        unsigned int digest_size = 0;
        unsigned int i;
        if (EVP_Digest(args->token, args->token_size, digest, &digest_size, EVP_sha256(), NULL) !=
                1 ||
            digest_size != sizeof digest) {
            zoo_error(error_message, error_message_size, "SHA-256 failed");
            return CCATTEST_E_INTERNAL;
        }
        for (i = 0; i < sizeof digest; ++i) {
            snprintf(claims + claims_size, 3, "%02x", digest[i]);
            claims_size += 2;
        }
        claims[claims_size++] = '"';
        claims[claims_size++] = '}';
    }
#endif
    copy = (uint8_t *)zoo_host->alloc(zoo_host->host_context, claims_size);
    if (copy == NULL) {
        zoo_error(error_message, error_message_size, "host allocation failed");
        return CCATTEST_E_NO_MEMORY;
    }
    memcpy(copy, claims, claims_size);
    out_claims->data = copy;
    out_claims->size = claims_size;
    return CCATTEST_OK;
}

#if defined(ZOO_INSPECT)
/* inspect and inspect2 describe a token the same way (unless ZOO_INSPECT2_DIFFERS) and log which
 * slot the host called, so tests can see the route the host took. */
static ccattest_status zoo_describe(ccattest_instance *instance, const uint8_t *token,
                                    size_t token_size, int via_inspect2,
                                    ccattest_buffer *out_description, char *error_message,
                                    size_t error_message_size) {
    char text[64];
    int length;
    uint8_t *copy;
    if (instance == NULL || token == NULL || token_size == 0 || out_description == NULL) {
        zoo_error(error_message, error_message_size, "missing argument");
        return CCATTEST_E_INVALID_ARGUMENT;
    }
    if (token_size != CCATTEST_REPORT_DATA_SIZE) {
        zoo_error(error_message, error_message_size, "zoo token must be 64 bytes");
        return CCATTEST_E_MALFORMED;
    }
    zoo_host->log(zoo_host->host_context, CCATTEST_LOG_INFO,
                  via_inspect2 ? "zoo inspect through inspect2" : "zoo inspect through inspect");
#if defined(ZOO_INSPECT2_DIFFERS)
    length = snprintf(text, sizeof text, "{\"token_size\":%u,\"first_byte\":%u}",
                      (unsigned)token_size, via_inspect2 ? 0u : (unsigned)token[0]);
#else
    length = snprintf(text, sizeof text, "{\"token_size\":%u,\"first_byte\":%u}",
                      (unsigned)token_size, (unsigned)token[0]);
#endif
    copy = (uint8_t *)zoo_host->alloc(zoo_host->host_context, (size_t)length);
    if (copy == NULL) {
        zoo_error(error_message, error_message_size, "host allocation failed");
        return CCATTEST_E_NO_MEMORY;
    }
    memcpy(copy, text, (size_t)length);
    out_description->data = copy;
    out_description->size = (size_t)length;
    return CCATTEST_OK;
}

static ccattest_status zoo_inspect(ccattest_instance *instance, const uint8_t *token,
                                   size_t token_size, ccattest_buffer *out_description,
                                   char *error_message, size_t error_message_size) {
    return zoo_describe(instance, token, token_size, 0, out_description, error_message,
                        error_message_size);
}

static ccattest_status zoo_inspect2(ccattest_instance *instance, const ccattest_inspect_args *args,
                                    ccattest_buffer *out_description, char *error_message,
                                    size_t error_message_size) {
    if (args == NULL || args->struct_size < CCATTEST_INSPECT_ARGS_SIZE_1_1) {
        zoo_error(error_message, error_message_size, "missing argument");
        return CCATTEST_E_INVALID_ARGUMENT;
    }
    return zoo_describe(instance, args->token, args->token_size, 1, out_description, error_message,
                        error_message_size);
}
#define ZOO_INSPECT_SLOT zoo_inspect
#define ZOO_INSPECT2_SLOT zoo_inspect2
#else
#define ZOO_INSPECT_SLOT NULL
#define ZOO_INSPECT2_SLOT NULL
#endif

/* A table as a newer minor might lay it out: the 1.0 table followed by fields this host doesn't
 * know. */
typedef struct zoo_extended_api {
    ccattest_plugin_api base;
    void (*future_slot)(void);
    uint64_t future_fields[6];
} zoo_extended_api;

#if defined(ZOO_WRONG_MAJOR)
#define ZOO_MAJOR 2
#else
#define ZOO_MAJOR CCATTEST_ABI_MAJOR
#endif

#if defined(ZOO_NEWER_MINOR)
#define ZOO_MINOR (CCATTEST_ABI_MINOR + 1)
#elif defined(ZOO_DECLARES_1_0)
#define ZOO_MINOR 0 /* declares 1.0 while its table still carries the 1.1 inspect2 slot */
#else
#define ZOO_MINOR CCATTEST_ABI_MINOR
#endif

#if defined(ZOO_NEWER_MINOR) || defined(ZOO_LARGE_STRUCT)
#define ZOO_STRUCT_SIZE sizeof(zoo_extended_api)
#elif defined(ZOO_SMALL_STRUCT)
#define ZOO_STRUCT_SIZE offsetof(ccattest_plugin_api, generate)
#elif defined(ZOO_SHORT_1_1)
#define ZOO_STRUCT_SIZE CCATTEST_PLUGIN_API_SIZE_1_0 /* declares 1.1 with the 1.0 layout */
#else
#define ZOO_STRUCT_SIZE sizeof(ccattest_plugin_api)
#endif

#if defined(ZOO_BAD_NAMESPACE)
#undef ZOO_NAMESPACE
#define ZOO_NAMESPACE "SNP plugin"
#endif

#if defined(ZOO_NULL_SLOT)
#define ZOO_VERIFY NULL
#else
#define ZOO_VERIFY zoo_verify
#endif

static const zoo_extended_api zoo_table = {
    {
        (uint32_t)ZOO_STRUCT_SIZE, ZOO_MAJOR, ZOO_MINOR,
        "ccattest zoo plugin (test fixture, software only)", "ccattest project", "0.0.1",
        ZOO_NAMESPACE, "ccattest-zoo-echo-v1", "none (test fixture)", NULL,
        CCATTEST_CAP_GENERATE | CCATTEST_CAP_VERIFY | CCATTEST_CAP_BINDS_REPORT_DATA |
            CCATTEST_CAP_OFFLINE_VERIFY | CCATTEST_CAP_SOFTWARE_ONLY | ZOO_EXTRA_CAPABILITIES,
        "{\"type\": \"object\", \"additionalProperties\": false}", zoo_create, zoo_destroy,
        zoo_generate, ZOO_VERIFY, ZOO_INSPECT_SLOT, ZOO_INSPECT2_SLOT, /* inspect2 (1.1) */
    },
    NULL,
    {0, 0, 0, 0, 0, 0},
};

#if defined(ZOO_EXTRA_EXPORTS)
/* Symbols a careless build leaves visible; the host must warn about them and still load. */
CCATTEST_EXPORT int zoo_extra_symbol_a(void) {
    return 1;
}
CCATTEST_EXPORT int zoo_extra_symbol_b(void) {
    return 2;
}
#endif

#if defined(ZOO_NO_ENTRY)
/* Something to export, so the library is valid but not a plugin. */
CCATTEST_EXPORT int zoo_not_an_entry(void) {
    return (int)zoo_table.base.struct_size;
}
#else
CCATTEST_EXPORT ccattest_status ccattest_authorizer_entry(const ccattest_host_api *host,
                                                          const ccattest_plugin_api **out_api,
                                                          char *error_message,
                                                          size_t error_message_size) {
    if (out_api == NULL || host == NULL) {
        zoo_error(error_message, error_message_size, "NULL argument");
        return CCATTEST_E_INVALID_ARGUMENT;
    }
    *out_api = NULL;
    /* (The wrong-major variant checks this too, then answers with its major-2 table anyway.) */
    if (host->abi_major != CCATTEST_ABI_MAJOR) {
        char text[96];
        snprintf(text, sizeof text, "plugin speaks ABI %d.x, host offers ABI %u.x",
                 CCATTEST_ABI_MAJOR, host->abi_major);
        zoo_error(error_message, error_message_size, text);
        return CCATTEST_E_VERSION_MISMATCH;
    }
#if defined(ZOO_ENTRY_ERROR)
    zoo_error(error_message, error_message_size, "zoo: entry failed on purpose");
    return CCATTEST_E_NO_DEVICE;
#elif defined(ZOO_NEWER_MINOR_STRICT)
    if (host->abi_minor_max < CCATTEST_ABI_MINOR + 1) {
        char text[160];
        snprintf(text, sizeof text, "plugin needs ABI %d.%d, host offers ABI %u.%u to %u.%u",
                 CCATTEST_ABI_MAJOR, CCATTEST_ABI_MINOR + 1, host->abi_major, host->abi_minor_min,
                 host->abi_major, host->abi_minor_max);
        zoo_error(error_message, error_message_size, text);
        return CCATTEST_E_VERSION_MISMATCH;
    }
#endif
    zoo_host = host;
    *out_api = &zoo_table.base;
    return CCATTEST_OK;
}
#endif
