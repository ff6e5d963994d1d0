// libcc_example.so (namespace x-example): the minimal ccattest authorizer, for vendors to copy.
//
// SOFTWARE ONLY. There is no hardware root of trust here: a token is an HMAC-SHA-256, under a key
// from the instance's config, over the report data and the time it was issued. Whoever holds the
// key can mint tokens. The plugin says so in its self-description (CCATTEST_CAP_SOFTWARE_ONLY) and
// in every claim set ("software_only": true). It exists to show the shape of a real plugin:
// negotiation, a config schema, create/destroy, generate, verify with binding and expiry, claims,
// and errors at the edge.
//
// Token format "ccattest-example-hmac-v1", 112 bytes, integers little-endian:
//   0  magic "CCXH"        4 bytes
//   4  version = 1         uint16
//   6  flags = 0           uint16 (reserved, must be zero)
//   8  issued_at           int64, seconds since the epoch, from the host clock
//  16  report_data         64 bytes
//  80  mac                 32 bytes: HMAC-SHA-256(key, bytes 0..79)
//
// Claim "evidence_digest" (every plugin's replay key for the core): SHA-256 of bytes 0..79, exactly
// what the MAC covers, so it names the evidence and not the bytes that authenticate it.
#include <ccattest/authorizer.h>
#include <ccattest/authorizer.hpp>
#include <ccattest/support/json.hpp>

#include <boost/json.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

using ccattest::sdk::failure;

constexpr size_t token_size = 112;
constexpr size_t signed_size = 80;
constexpr uint16_t token_version = 1;
constexpr std::array<uint8_t, 4> magic = {'C', 'C', 'X', 'H'};

const char *const config_schema = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "x-example plugin configuration",
  "type": "object",
  "additionalProperties": false,
  "required": ["key_hex"],
  "properties": {
    "key_hex": {
      "description": "The HMAC-SHA-256 key shared by every site that must accept these tokens.",
      "type": "string",
      "pattern": "^([0-9a-fA-F]{2}){16,64}$",
      "x-expected": "a key of 16 to 64 bytes as hex"
    },
    "key_id": {
      "description": "A label for the key, reported as a claim.",
      "type": "string", "minLength": 1, "maxLength": 64
    },
    "max_age_seconds": {
      "description": "Tokens older than this at verification time are expired. Default 3600.",
      "type": "integer", "minimum": 1, "maximum": 31536000
    }
  }
})json";

const ccattest_host_api *host = nullptr; // set by the entry; valid until unload (R9)

struct Instance {
    std::vector<uint8_t> key;
    std::string key_id;
    int64_t max_age_seconds = 3600;

    Instance() = default;
    Instance(const Instance &) = delete;
    Instance &operator=(const Instance &) = delete;
    ~Instance() { OPENSSL_cleanse(key.data(), key.size()); }
};

std::string to_hex(const uint8_t *data, size_t size) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < size; ++i) {
        out += digits[data[i] >> 4U];
        out += digits[data[i] & 0x0FU];
    }
    return out;
}

std::array<uint8_t, 32> hmac(const Instance &instance, const uint8_t *data, size_t size) {
    std::array<uint8_t, 32> mac{};
    size_t length = 0;
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, instance.key.data(),
                  instance.key.size(), data, size, mac.data(), mac.size(), &length) == nullptr ||
        length != mac.size()) {
        throw failure(CCATTEST_E_INTERNAL, "HMAC-SHA-256 computation failed in OpenSSL");
    }
    return mac;
}

std::array<uint8_t, 32> sha256(const uint8_t *data, size_t size) {
    std::array<uint8_t, 32> digest{};
    unsigned int length = 0;
    if (EVP_Digest(data, size, digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
        length != digest.size()) {
        throw failure(CCATTEST_E_INTERNAL, "SHA-256 computation failed in OpenSSL");
    }
    return digest;
}

void put_le(uint8_t *out, uint64_t value, size_t bytes) {
    for (size_t i = 0; i < bytes; ++i) {
        out[i] = static_cast<uint8_t>(value >> (8 * i));
    }
}

uint64_t get_le(const uint8_t *in, size_t bytes) {
    uint64_t value = 0;
    for (size_t i = 0; i < bytes; ++i) {
        value |= static_cast<uint64_t>(in[i]) << (8 * i);
    }
    return value;
}

ccattest_status example_create(const char *config_json, size_t config_json_size,
                               ccattest_instance **out_instance, char *error_message,
                               size_t error_message_size) {
    return ccattest::sdk::guard(error_message, error_message_size, [&] {
        if (out_instance == nullptr || config_json == nullptr) {
            throw failure(CCATTEST_E_INVALID_ARGUMENT,
                          "config_json and out_instance must not be NULL");
        }
        *out_instance = nullptr;
        boost::json::value config;
        try { // the support library's strict parser: duplicate members are refused
            config = ccattest::support::parse_json(std::string_view(config_json, config_json_size));
        } catch (const failure &e) {
            throw failure(CCATTEST_E_CONFIG, std::string("config: ") + e.what());
        }
        if (!config.is_object()) {
            throw failure(CCATTEST_E_CONFIG, "config is not a JSON object");
        }
        const auto &object = config.get_object();
        const auto *key_hex = object.if_contains("key_hex");
        if (key_hex == nullptr || !key_hex->is_string()) {
            throw failure(CCATTEST_E_CONFIG, "config lacks key_hex");
        }
        auto instance = std::make_unique<Instance>();
        const std::string hex(key_hex->get_string());
        instance->key.resize(hex.size() / 2);
        size_t length = 0;
        if (hex.size() < 32 || hex.size() % 2 != 0 ||
            OPENSSL_hexstr2buf_ex(instance->key.data(), instance->key.size(), &length, hex.c_str(),
                                  '\0') != 1) {
            throw failure(CCATTEST_E_CONFIG, "key_hex must be at least 16 bytes of hex");
        }
        if (const auto *key_id = object.if_contains("key_id");
            key_id != nullptr && key_id->is_string()) {
            instance->key_id = std::string(key_id->get_string());
        }
        if (const auto *age = object.if_contains("max_age_seconds");
            age != nullptr && age->is_int64()) {
            instance->max_age_seconds = age->get_int64();
        }
        *out_instance = reinterpret_cast<ccattest_instance *>(instance.release());
        return CCATTEST_OK;
    });
}

void example_destroy(ccattest_instance *instance) {
    delete reinterpret_cast<Instance *>(instance);
}

ccattest_status example_generate(ccattest_instance *handle, const ccattest_generate_args *args,
                                 ccattest_buffer *out_token, char *error_message,
                                 size_t error_message_size) {
    return ccattest::sdk::guard(error_message, error_message_size, [&] {
        ccattest::sdk::check_generate_args(handle, args, out_token);
        const auto &instance = *reinterpret_cast<const Instance *>(handle);
        std::array<uint8_t, token_size> token{};
        std::memcpy(token.data(), magic.data(), magic.size());
        put_le(token.data() + 4, token_version, 2);
        put_le(token.data() + 8, static_cast<uint64_t>(host->now(host->host_context)), 8);
        std::memcpy(token.data() + 16, args->report_data, CCATTEST_REPORT_DATA_SIZE);
        const auto mac = hmac(instance, token.data(), signed_size);
        std::memcpy(token.data() + signed_size, mac.data(), mac.size());
        ccattest::sdk::give_to_host(*host, token.data(), token.size(), *out_token);
        return CCATTEST_OK;
    });
}

ccattest_status example_verify(ccattest_instance *handle, const ccattest_verify_args *args,
                               ccattest_buffer *out_claims, char *error_message,
                               size_t error_message_size) {
    return ccattest::sdk::guard(error_message, error_message_size, [&] {
        ccattest::sdk::check_verify_args(handle, args, out_claims);
        const auto &instance = *reinterpret_cast<const Instance *>(handle);
        const uint8_t *token = args->token;
        if (args->token_size != token_size) {
            throw failure(CCATTEST_E_MALFORMED, "token is " + std::to_string(args->token_size) +
                                                    " bytes, expected " +
                                                    std::to_string(token_size));
        }
        if (std::memcmp(token, magic.data(), magic.size()) != 0) {
            throw failure(CCATTEST_E_MALFORMED, "token does not start with the magic \"CCXH\"");
        }
        if (get_le(token + 4, 2) != token_version) {
            throw failure(CCATTEST_E_MALFORMED,
                          "token version " + std::to_string(get_le(token + 4, 2)) + " is not 1");
        }
        if (get_le(token + 6, 2) != 0) {
            throw failure(CCATTEST_E_MALFORMED, "token flags are not zero");
        }
        const auto mac = hmac(instance, token, signed_size);
        if (CRYPTO_memcmp(mac.data(), token + signed_size, mac.size()) != 0) {
            throw failure(CCATTEST_E_VERIFICATION_FAILED,
                          "HMAC does not match: wrong key or tampered token");
        }
        const auto issued_at = static_cast<int64_t>(get_le(token + 8, 8));
        if (issued_at > args->verification_time) {
            throw failure(CCATTEST_E_EXPIRED, "token issued at " + std::to_string(issued_at) +
                                                  " is not yet valid at " +
                                                  std::to_string(args->verification_time));
        }
        // The age as unsigned: issued_at <= verification_time here, so the difference is exact,
        // but it overflows int64_t for a token issued in the far past (issued_at near INT64_MIN).
        const uint64_t age =
            static_cast<uint64_t>(args->verification_time) - static_cast<uint64_t>(issued_at);
        if (instance.max_age_seconds < 0 || age > static_cast<uint64_t>(instance.max_age_seconds)) {
            throw failure(CCATTEST_E_EXPIRED,
                          "token issued at " + std::to_string(issued_at) + " is older than " +
                              std::to_string(instance.max_age_seconds) + " s at " +
                              std::to_string(args->verification_time));
        }
        if (args->expected_report_data != nullptr &&
            CRYPTO_memcmp(args->expected_report_data, token + 16, CCATTEST_REPORT_DATA_SIZE) != 0) {
            throw failure(CCATTEST_E_BINDING_MISMATCH,
                          "report data in the token differs from the expected report data");
        }
        boost::json::object claims;
        claims["software_only"] = true;
        claims["token_version"] = token_version;
        claims["issued_at"] = issued_at;
        claims["report_data"] = to_hex(token + 16, CCATTEST_REPORT_DATA_SIZE);
        claims["key_id"] = instance.key_id;
        const auto digest = sha256(token, signed_size);
        claims["evidence_digest"] = to_hex(digest.data(), digest.size());
        const std::string text = boost::json::serialize(claims);
        ccattest::sdk::give_to_host(*host, text.data(), text.size(), *out_claims);
        return CCATTEST_OK;
    });
}

const ccattest_plugin_api plugin_table = {
    sizeof(ccattest_plugin_api),
    CCATTEST_ABI_MAJOR,
    CCATTEST_ABI_MINOR,
    "ccattest example HMAC authorizer (software only)",
    "ccattest project",
    CCATTEST_EXAMPLE_VERSION,
    "x-example",
    "ccattest-example-hmac-v1",
    "none (software only, no hardware evidence)",
    "Template plugin: HMAC-SHA-256 tokens under a configured key. No hardware root of trust.",
    CCATTEST_CAP_GENERATE | CCATTEST_CAP_VERIFY | CCATTEST_CAP_BINDS_REPORT_DATA |
        CCATTEST_CAP_OFFLINE_VERIFY | CCATTEST_CAP_SOFTWARE_ONLY,
    config_schema,
    example_create,
    example_destroy,
    example_generate,
    example_verify,
    nullptr, // inspect: the token has nothing worth describing beyond the verified claims
    nullptr, // inspect2
};

} // namespace

extern "C" CCATTEST_EXPORT ccattest_status
ccattest_authorizer_entry(const ccattest_host_api *host_api, const ccattest_plugin_api **out_api,
                          char *error_message, size_t error_message_size) {
    return ccattest::sdk::answer_entry(host_api, plugin_table, host, out_api, error_message,
                                       error_message_size);
}
