/*
 * ccattest authorizer plugin ABI, version 1.1 (1.0 plugins keep loading: see CHANGELOG.md).
 *
 * This header is the whole contract between the ccattest core ("the host") and an authorizer plugin
 * (a shared object such as libcc_snp.so). It is self-contained C99 and also valid C++.
 *
 * Rules that hold for everything below:
 */
// clang-format off
/*
 *  R1 One exported symbol. A plugin exports exactly one function, CCATTEST_ENTRY_SYMBOL, with the
 *     signature ccattest_authorizer_entry_fn. Nothing else is looked up by name.
 *
 *  R2 Versions. ABI major versions are incompatible with each other; minor versions only append.
 *     The host offers one major and a range of its minors [abi_minor_min, abi_minor_max]. The
 *     plugin answers with its table, whose abi_minor is the highest minor it implements. The
 *     negotiated minor is min(table abi_minor, abi_minor_max); the host refuses the plugin when
 *     that is below abi_minor_min, and otherwise reads only what the negotiated minor defines. A
 *     plugin that cannot work at the host's abi_minor_max (it needs something newer) refuses in the
 *     entry instead.
 *
 *  R3 Size-tagged, append-only structs. Every struct that crosses the boundary starts with
 *     `uint32_t struct_size`, set by whoever fills the struct to sizeof() as that side was
 *     compiled. New fields are only ever appended. A reader reads a field only when struct_size
 *     covers it and treats a missing field as zero/NULL. A NULL function slot means "not
 *     implemented".
 *
 *  R4 Ownership. Every variable-size output (a token, a claims document, a fetched body) is
 *     allocated with ccattest_host_api.alloc and handed over in a ccattest_buffer. On CCATTEST_OK
 *     the receiver owns it and releases it with ccattest_host_api.free. On any other status the
 *     producer has released everything it allocated and the buffer is {NULL, 0}. All other
 *     pointers passed in either direction are borrowed for the duration of the call only, except
 *     where a field says otherwise.
 *
 *  R5 Errors. Every function returns a ccattest_status. Every call that can fail takes a
 *     caller-owned message buffer (error_message, error_message_size). On failure the callee
 *     writes a NUL-terminated UTF-8 explanation, truncated to fit; on success it may leave the
 *     buffer untouched. Nobody writes past error_message_size bytes, or anything when the buffer is
 *     NULL or of size 0. No error state is kept in thread-local or global storage.
 *
 *  R6 No C++ crosses the boundary: no exceptions (a plugin catches everything at its edge and
 *     returns a status), no C++ types, no allocator other than the host's.
 *
 *  R7 Logging goes through ccattest_host_api.log; a plugin never writes to stdout or stderr.
 *
 *  R8 Threading, by function class:
 *      - discovery (the entry function): called once per load, never concurrently with anything
 *        else in the same library;
 *      - lifecycle (create, destroy): never concurrent with any other call on the same instance;
 *        create calls for different instances may run concurrently;
 *      - operations (generate, verify, inspect): may run concurrently on one instance from several
 *        threads, unless the plugin sets CCATTEST_CAP_SERIALIZE, in which case the host never
 *        overlaps two operations on the same instance.
 *     Host services may be called from any thread at any time while the library is loaded.
 *
 *  R9 Lifetime. The host keeps the library loaded until every instance has been destroyed. The
 *     ccattest_host_api passed to the entry stays valid, unchanged, until the library is unloaded,
 *     so a plugin may keep the pointer. The plugin table and every string it points to must stay
 *     valid until the library is unloaded (static storage is the natural choice).
 */
// clang-format on
#ifndef CCATTEST_AUTHORIZER_H
#define CCATTEST_AUTHORIZER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------- */
/* Versions and the entry symbol */
/* ---------------------------------------------------------------------------------------------- */

/** ABI major this header describes. A host and a plugin of different majors never talk. */
#define CCATTEST_ABI_MAJOR 1
/** Highest ABI minor this header describes. See CHANGELOG.md for what each minor added. */
#define CCATTEST_ABI_MINOR 1

/** Name of the single symbol a plugin exports (R1). */
#define CCATTEST_ENTRY_SYMBOL "ccattest_authorizer_entry"

/** Marks the entry function for export; the SDK's CMake helper hides everything else. */
#if defined(_WIN32)
#define CCATTEST_EXPORT __declspec(dllexport)
#elif defined(__GNUC__)
#define CCATTEST_EXPORT __attribute__((visibility("default")))
#else
#define CCATTEST_EXPORT
#endif

/* ---------------------------------------------------------------------------------------------- */
/* Status codes (R5). The width is fixed: a status is a uint32_t, never an enum. */
/* ---------------------------------------------------------------------------------------------- */

typedef uint32_t ccattest_status;

#define CCATTEST_OK 0u                 /**< success */
#define CCATTEST_E_INVALID_ARGUMENT 1u /**< a NULL pointer, zero length or out-of-range value */
#define CCATTEST_E_UNSUPPORTED 2u      /**< the operation or a requested feature is not offered */
#define CCATTEST_E_NO_DEVICE 3u /**< no evidence source (TEE device, driver) on this machine */
#define CCATTEST_E_MALFORMED 4u /**< the token/evidence is not well-formed */
#define CCATTEST_E_VERIFICATION_FAILED                                                             \
    5u                                  /**< well-formed, but a signature, chain or check failed */
#define CCATTEST_E_BINDING_MISMATCH 6u  /**< authentic, but bound to other report data (nonce) */
#define CCATTEST_E_EXPIRED 7u           /**< a certificate, token or collateral is not valid now */
#define CCATTEST_E_IO 8u                /**< reading or writing a file or device failed */
#define CCATTEST_E_TIMEOUT 9u           /**< a device or service did not answer in time */
#define CCATTEST_E_INTERNAL 10u         /**< a bug or an unexpected library failure in the plugin */
#define CCATTEST_E_BUFFER_TOO_SMALL 11u /**< reserved for outputs into caller buffers */
#define CCATTEST_E_VERSION_MISMATCH 12u /**< the entry refuses the ABI versions the host offers */
#define CCATTEST_E_CONFIG 13u           /**< create: the instance configuration is unusable */
#define CCATTEST_E_NO_MEMORY 14u        /**< an allocation failed or a size limit was exceeded */
/** Codes from this value up are plugin-specific; hosts treat them like CCATTEST_E_INTERNAL. */
#define CCATTEST_E_VENDOR_BASE 0x80000000u

/** Stable lower-case name of a status code, e.g. "binding_mismatch"; "vendor" for codes from
 *  CCATTEST_E_VENDOR_BASE up and "unknown" for other unassigned codes. (ABI 1.1; header-only, so
 *  it costs the ABI nothing.) */
static inline const char *ccattest_status_name(ccattest_status status) {
    switch (status) {
    case CCATTEST_OK: return "ok";
    case CCATTEST_E_INVALID_ARGUMENT: return "invalid_argument";
    case CCATTEST_E_UNSUPPORTED: return "unsupported";
    case CCATTEST_E_NO_DEVICE: return "no_device";
    case CCATTEST_E_MALFORMED: return "malformed";
    case CCATTEST_E_VERIFICATION_FAILED: return "verification_failed";
    case CCATTEST_E_BINDING_MISMATCH: return "binding_mismatch";
    case CCATTEST_E_EXPIRED: return "expired";
    case CCATTEST_E_IO: return "io";
    case CCATTEST_E_TIMEOUT: return "timeout";
    case CCATTEST_E_INTERNAL: return "internal";
    case CCATTEST_E_BUFFER_TOO_SMALL: return "buffer_too_small";
    case CCATTEST_E_VERSION_MISMATCH: return "version_mismatch";
    case CCATTEST_E_CONFIG: return "config";
    case CCATTEST_E_NO_MEMORY: return "no_memory";
    default: return status >= CCATTEST_E_VENDOR_BASE ? "vendor" : "unknown";
    }
}

/** A byte string allocated with ccattest_host_api.alloc (R4). Not size-tagged: it is only ever an
 *  out-parameter whose layout is frozen for major 1. */
typedef struct ccattest_buffer {
    uint8_t *data;
    size_t size;
} ccattest_buffer;

/* ---------------------------------------------------------------------------------------------- */
/* Host network service (ABI 1.1): plugins never open sockets; the host fetches for them. */
/* ---------------------------------------------------------------------------------------------- */

/** Methods of ccattest_fetch_request.method. */
#define CCATTEST_FETCH_GET 0u
#define CCATTEST_FETCH_POST 1u

/** Flags of ccattest_fetch_request.flags. Unknown bits make the host refuse the request. */
/** A stored response that is still fresh may answer instead of the network. */
#define CCATTEST_FETCH_CACHE_ALLOWED (1u << 0)
/** Answer from the cache only (fresh or not); never contact the network. */
#define CCATTEST_FETCH_OFFLINE_ONLY (1u << 1)

/** Where a response came from (ccattest_fetch_response.source). */
#define CCATTEST_FETCH_FROM_NETWORK 1u
#define CCATTEST_FETCH_FROM_CACHE 2u

/** One HTTP(S) request a plugin asks the host to make. */
typedef struct ccattest_fetch_request {
    uint32_t struct_size; /**< sizeof(ccattest_fetch_request) as the plugin was compiled */
    uint32_t method;      /**< CCATTEST_FETCH_GET or CCATTEST_FETCH_POST */
    const char *url;      /**< NUL-terminated absolute http:// or https:// URL; never NULL */
    const uint8_t *body;  /**< POST body (may be NULL when body_size is 0); NULL for GET */
    size_t body_size;
    const char *content_type; /**< NUL-terminated media type of the body; NULL for none */
    /** Upper bound for the whole exchange in milliseconds, retries included; 0 means the host's
     *  configured timeout. The host never waits longer than its own configured timeout. */
    uint32_t timeout_ms;
    uint32_t flags; /**< CCATTEST_FETCH_* flags */
} ccattest_fetch_request;

/** What the host answers. The caller sets struct_size; the host fills the fields it covers. */
typedef struct ccattest_fetch_response {
    uint32_t struct_size; /**< sizeof(ccattest_fetch_response) as the plugin was compiled */
    uint32_t http_status; /**< the HTTP status code of the final response (after redirects) */
    /** The body, allocated with alloc (R4: the caller frees it); {NULL, 0} when empty. */
    ccattest_buffer body;
    /** The response's end-to-end headers as "name: value" lines, names lower-case, each ending
     *  in "\n" (content-type, cache-control, a signed document's issuer chain, ...; not
     *  hop-by-hop headers or cookies; at most 64, each value at most 8192 bytes of printable
     *  ASCII). Allocated with alloc (the caller frees it); {NULL, 0} when none. */
    ccattest_buffer headers;
    uint32_t source;    /**< CCATTEST_FETCH_FROM_NETWORK or CCATTEST_FETCH_FROM_CACHE */
    uint32_t reserved0; /**< zero */
    int64_t fetched_at; /**< when the host received it from the network (seconds since epoch) */
    /** Until when the cache holds it fresh (seconds since epoch); 0 when it is not stored. */
    int64_t fresh_until;
} ccattest_fetch_response;

/**
 * fetch: make an HTTP(S) request through the host's one network channel: the site's configured mode
 * (offline by default), per-plugin host allow-list, proxy, CA store, timeouts, size limits, and the
 * collateral cache. Only 2xx responses are stored. The host retries 429 and 503 answers within the
 * timeout, honouring Retry-After.
 *
 * Returns CCATTEST_OK when an HTTP response was received (any status code: the plugin reads
 * http_status). Otherwise: CCATTEST_E_UNSUPPORTED when the site is offline, the host is not on the
 * plugin's allow-list, or OFFLINE_ONLY found nothing stored; CCATTEST_E_TIMEOUT; CCATTEST_E_IO for
 * connection, TLS or protocol failures; CCATTEST_E_NO_MEMORY when the response exceeds the size
 * limit; CCATTEST_E_INVALID_ARGUMENT for a bad request. On failure both buffers are {NULL, 0}.
 * Thread-safe; concurrent requests for one resource make one network request.
 */
typedef ccattest_status (*ccattest_fetch_fn)(void *host_context,
                                             const ccattest_fetch_request *request,
                                             ccattest_fetch_response *response, char *error_message,
                                             size_t error_message_size);

/**
 * cache_validity: the plugin knows better than the HTTP headers how long a stored response is
 * valid (a CRL's nextUpdate, a TCB info's nextUpdate): the cache keeps the response to `request`
 * fresh until valid_until (seconds since epoch; a time in the past marks it stale). Returns
 * CCATTEST_E_INVALID_ARGUMENT when nothing is stored for the request. Thread-safe.
 */
typedef ccattest_status (*ccattest_cache_validity_fn)(void *host_context,
                                                      const ccattest_fetch_request *request,
                                                      int64_t valid_until);

/* ---------------------------------------------------------------------------------------------- */
/* Host services: the table the host passes to the entry (R9: valid until unload) */
/* ---------------------------------------------------------------------------------------------- */

/** Log levels for ccattest_host_api.log. */
#define CCATTEST_LOG_TRACE 0u
#define CCATTEST_LOG_DEBUG 1u
#define CCATTEST_LOG_INFO 2u
#define CCATTEST_LOG_WARNING 3u
#define CCATTEST_LOG_ERROR 4u

typedef struct ccattest_host_api {
    uint32_t struct_size;   /**< sizeof(ccattest_host_api) as the host was compiled */
    uint16_t abi_major;     /**< the one ABI major the host speaks */
    uint16_t abi_minor_min; /**< lowest minor of abi_major the host accepts */
    uint16_t abi_minor_max; /**< highest minor of abi_major the host accepts */
    uint16_t reserved0;     /**< zero */
    void *host_context;     /**< opaque; pass back as the first argument of every service below */
    /**
     * Log a message. level is a CCATTEST_LOG_* value; message is NUL-terminated UTF-8, without a
     * trailing newline, and is copied before the call returns. The host tags it with the plugin's
     * name. Thread-safe. Never NULL.
     */
    void (*log)(void *host_context, uint32_t level, const char *message);
    /**
     * Allocate size bytes for an output handed to the host (R4). Returns NULL on failure or when
     * size is 0. Thread-safe. Never NULL.
     */
    void *(*alloc)(void *host_context, size_t size);
    /** Release memory from alloc. NULL is ignored. Thread-safe. Never NULL. */
    void (*free)(void *host_context, void *pointer);
    /**
     * The host's current time, in seconds since 1970-01-01T00:00:00Z (UTC). Plugins use it instead
     * of the system clock so hosts and tests can control time. Thread-safe. Never NULL.
     */
    int64_t (*now)(void *host_context);
    /* ABI 1.1 */
    /** The network service, or NULL when the host offers none. A plugin reads it only when
     *  struct_size covers it (R3) and falls back to offline collateral otherwise. */
    ccattest_fetch_fn fetch;
    /** Paired with fetch: NULL exactly when fetch is. */
    ccattest_cache_validity_fn cache_validity;
} ccattest_host_api;

/* ---------------------------------------------------------------------------------------------- */
/* Plugin side */
/* ---------------------------------------------------------------------------------------------- */

/** An instance created by a plugin; opaque to the host, which never looks inside (R8, R9). */
typedef struct ccattest_instance ccattest_instance;

/** Capability flags (ccattest_plugin_api.capabilities). Unknown bits are ignored by hosts. */
#define CCATTEST_CAP_GENERATE (1ull << 0) /**< generate is implemented */
#define CCATTEST_CAP_VERIFY (1ull << 1)   /**< verify is implemented */
#define CCATTEST_CAP_BINDS_REPORT_DATA                                                             \
    (1ull << 2)                                 /**< tokens carry and verify checks report data */
#define CCATTEST_CAP_OFFLINE_VERIFY (1ull << 3) /**< verify needs no network */
#define CCATTEST_CAP_NEEDS_NETWORK (1ull << 4)  /**< some operation contacts a remote service */
#define CCATTEST_CAP_SERIALIZE (1ull << 5)      /**< the host must never overlap operations (R8) */
#define CCATTEST_CAP_SOFTWARE_ONLY (1ull << 6)  /**< no hardware root of trust: labelled as such */

/** Length of the report data every token binds (e.g. SEV-SNP REPORT_DATA, TDX REPORTDATA). */
#define CCATTEST_REPORT_DATA_SIZE 64u

/** Arguments of generate. */
typedef struct ccattest_generate_args {
    uint32_t struct_size; /**< sizeof(ccattest_generate_args) as the host was compiled */
    uint32_t reserved0;   /**< zero */
    /** CCATTEST_REPORT_DATA_SIZE bytes the evidence must bind (the host's digest of challenge and
     *  identity). Never NULL. */
    const uint8_t *report_data;
} ccattest_generate_args;

/** Arguments of verify. */
typedef struct ccattest_verify_args {
    uint32_t struct_size; /**< sizeof(ccattest_verify_args) as the host was compiled */
    uint32_t reserved0;   /**< zero */
    const uint8_t *token; /**< the token as generate produced it; never NULL */
    size_t token_size;    /**< its length in bytes; never 0 */
    /** CCATTEST_REPORT_DATA_SIZE bytes the token must be bound to, compared in constant time, or
     *  NULL when the caller expects no particular value (then the bound data is only reported as a
     *  claim). */
    const uint8_t *expected_report_data;
    /** The time at which certificates, tokens and collateral must be valid, in seconds since the
     *  epoch (UTC). Callers usually pass host->now(); tests pass a fixed time. */
    int64_t verification_time;
} ccattest_verify_args;

/** Arguments of inspect2 (ABI 1.1). */
typedef struct ccattest_inspect_args {
    uint32_t struct_size; /**< sizeof(ccattest_inspect_args) as the host was compiled */
    uint32_t reserved0;   /**< zero */
    const uint8_t *token; /**< the token to describe; never NULL */
    size_t token_size;    /**< its length in bytes; never 0 */
} ccattest_inspect_args;

/**
 * create: build an instance from its configuration.
 * config_json: NUL-terminated UTF-8 JSON text of length config_json_size (excluding the NUL),
 * already validated by the host against config_schema. On CCATTEST_OK *out_instance is a new
 * instance. On failure *out_instance is NULL and the plugin has released everything. Class:
 * lifecycle.
 */
typedef ccattest_status (*ccattest_create_fn)(const char *config_json, size_t config_json_size,
                                              ccattest_instance **out_instance, char *error_message,
                                              size_t error_message_size);

/** destroy: release an instance. NULL is ignored. Never fails. Class: lifecycle. */
typedef void (*ccattest_destroy_fn)(ccattest_instance *instance);

/**
 * generate: produce a token (evidence plus whatever the verifier needs) that binds
 * args->report_data. On CCATTEST_OK *out_token holds the token (R4). Typical failures:
 * CCATTEST_E_NO_DEVICE, CCATTEST_E_IO, CCATTEST_E_TIMEOUT. Class: operation.
 */
typedef ccattest_status (*ccattest_generate_fn)(ccattest_instance *instance,
                                                const ccattest_generate_args *args,
                                                ccattest_buffer *out_token, char *error_message,
                                                size_t error_message_size);

/**
 * verify: check a token's authenticity (signatures, chains to pinned roots, validity at
 * args->verification_time, binding to args->expected_report_data) and return its claims: a UTF-8
 * JSON object (not NUL-terminated) in *out_claims (R4). verify decides no policy. Returns
 * CCATTEST_OK only when the token is authentic; on any failure *out_claims is {NULL, 0}. Typical
 * failures: CCATTEST_E_MALFORMED, CCATTEST_E_VERIFICATION_FAILED, CCATTEST_E_BINDING_MISMATCH,
 * CCATTEST_E_EXPIRED. Class: operation.
 *
 * The claims object must have a top-level member "evidence_digest": 64 lower-case hex characters,
 * the SHA-256 of exactly the bytes the platform's root of trust signed (or MACed), and nothing
 * else: not the signature, not certificates or other collateral carried alongside, not the
 * token's encoding. So every encoding of one piece of evidence (another token format, re-spelled
 * text, other carried certificates, an ECDSA signature (r, s) turned into (r, n - s)) gives one
 * digest, and distinct evidence gives distinct digests. The host uses it as its replay key and
 * refuses a verify result without it. Replay keys never cover signature bytes, because signature
 * encodings can be malleable.
 */
typedef ccattest_status (*ccattest_verify_fn)(ccattest_instance *instance,
                                              const ccattest_verify_args *args,
                                              ccattest_buffer *out_claims, char *error_message,
                                              size_t error_message_size);

/**
 * inspect: decode a token and describe every field as a UTF-8 JSON object in *out_description (R4),
 * deciding nothing: no signature, chain, time or binding check. For operators and tools
 * (`ccattest inspect`); never a basis for trust. Returns CCATTEST_E_MALFORMED when the token cannot
 * be decoded. Optional: NULL when not implemented. Class: operation.
 */
typedef ccattest_status (*ccattest_inspect_fn)(ccattest_instance *instance, const uint8_t *token,
                                               size_t token_size, ccattest_buffer *out_description,
                                               char *error_message, size_t error_message_size);

/**
 * inspect2 (ABI 1.1): inspect with size-tagged arguments, like verify, so later minors can add
 * options. Same contract as inspect. A host with a negotiated minor of at least 1 calls inspect2
 * when it is set and inspect otherwise.
 */
typedef ccattest_status (*ccattest_inspect2_fn)(ccattest_instance *instance,
                                                const ccattest_inspect_args *args,
                                                ccattest_buffer *out_description,
                                                char *error_message, size_t error_message_size);

/**
 * The plugin table returned by the entry. Static, valid until unload (R9).
 *
 * Mandatory in ABI 1.0: every string field except description; create and destroy; generate when
 * CCATTEST_CAP_GENERATE is set; verify when CCATTEST_CAP_VERIFY is set; at least one of the two
 * capabilities. The host refuses a table that lacks any of them. inspect is optional.
 */
typedef struct ccattest_plugin_api {
    uint32_t struct_size;       /**< sizeof(ccattest_plugin_api) as the plugin was compiled */
    uint16_t abi_major;         /**< must equal the host's abi_major */
    uint16_t abi_minor;         /**< the highest minor this table implements (R2) */
    const char *name;           /**< short human name, e.g. "AMD SEV-SNP authorizer" */
    const char *vendor;         /**< who ships it, e.g. "ccattest project" */
    const char *plugin_version; /**< semantic version of the plugin, e.g. "1.2.0" */
    /** Claims namespace, unique among a host's plugins: "x-" then [a-z0-9-]+, e.g. "x-snp";
     *  vendors use "x-<vendor>-<platform>". */
    const char *namespace_id;
    const char *token_format;    /**< stable id of the token format generate emits / verify reads */
    const char *evidence_format; /**< stable id of the underlying hardware evidence format */
    const char *description;     /**< optional free text; may be NULL */
    uint64_t capabilities;       /**< CCATTEST_CAP_* bits */
    /** JSON Schema (draft 2020-12 subset, see the SDK README) of the config passed to create. */
    const char *config_schema;
    ccattest_create_fn create;
    ccattest_destroy_fn destroy;
    ccattest_generate_fn generate;
    ccattest_verify_fn verify;
    ccattest_inspect_fn inspect; /**< optional; NULL when not implemented */
    /* ABI 1.1 */
    ccattest_inspect2_fn inspect2; /**< optional; NULL when not implemented */
} ccattest_plugin_api;

/**
 * The entry function, exported as CCATTEST_ENTRY_SYMBOL. Class: discovery.
 *
 * host: the host's services and the ABI versions it offers; valid until unload (R9).
 * On CCATTEST_OK *out_api points to the plugin's table (R2 says how the minor is then negotiated).
 * When the plugin cannot speak any offered version it returns CCATTEST_E_VERSION_MISMATCH with a
 * message naming both sides' versions; on any failure *out_api is NULL.
 */
typedef ccattest_status (*ccattest_authorizer_entry_fn)(const ccattest_host_api *host,
                                                        const ccattest_plugin_api **out_api,
                                                        char *error_message,
                                                        size_t error_message_size);

/** Declaration of the entry (implemented by the plugin). */
CCATTEST_EXPORT ccattest_status ccattest_authorizer_entry(const ccattest_host_api *host,
                                                          const ccattest_plugin_api **out_api,
                                                          char *error_message,
                                                          size_t error_message_size);

/* ---------------------------------------------------------------------------------------------- */
/* Size of a struct up to and including a field: what struct_size must be at least for a reader */
/* that needs that field (R3). */
/* ---------------------------------------------------------------------------------------------- */
#define CCATTEST_STRUCT_SIZE_THROUGH(type, field)                                                  \
    (offsetof(type, field) + sizeof(((type *)0)->field))

/** Smallest ccattest_plugin_api a host accepts for ABI 1.0. */
#define CCATTEST_PLUGIN_API_SIZE_1_0 CCATTEST_STRUCT_SIZE_THROUGH(ccattest_plugin_api, inspect)
/** Smallest ccattest_host_api a plugin may rely on for ABI 1.0. */
#define CCATTEST_HOST_API_SIZE_1_0 CCATTEST_STRUCT_SIZE_THROUGH(ccattest_host_api, now)
/** Smallest argument structs for ABI 1.0. */
#define CCATTEST_GENERATE_ARGS_SIZE_1_0                                                            \
    CCATTEST_STRUCT_SIZE_THROUGH(ccattest_generate_args, report_data)
#define CCATTEST_VERIFY_ARGS_SIZE_1_0                                                              \
    CCATTEST_STRUCT_SIZE_THROUGH(ccattest_verify_args, verification_time)

/** ABI 1.1 sizes. */
#define CCATTEST_PLUGIN_API_SIZE_1_1 CCATTEST_STRUCT_SIZE_THROUGH(ccattest_plugin_api, inspect2)
#define CCATTEST_HOST_API_SIZE_1_1 CCATTEST_STRUCT_SIZE_THROUGH(ccattest_host_api, cache_validity)
#define CCATTEST_INSPECT_ARGS_SIZE_1_1                                                             \
    CCATTEST_STRUCT_SIZE_THROUGH(ccattest_inspect_args, token_size)
#define CCATTEST_FETCH_REQUEST_SIZE_1_1 CCATTEST_STRUCT_SIZE_THROUGH(ccattest_fetch_request, flags)
#define CCATTEST_FETCH_RESPONSE_SIZE_1_1                                                           \
    CCATTEST_STRUCT_SIZE_THROUGH(ccattest_fetch_response, fresh_until)

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CCATTEST_AUTHORIZER_H */
