// libcc_example.so (namespace x-example): the minimal ccattest authorizer, for vendors to copy.
//
// SOFTWARE ONLY. There is no hardware root of trust here: a token is an HMAC-SHA-256, under a key
// from the instance's config, over the report data and the time it was issued. Whoever holds the
// key can mint tokens. The plugin says so in its self-description (CCATTEST_CAP_SOFTWARE_ONLY) and
// in every claim set ("software_only": true). It exists to show the shape of a real plugin in one
// file: a description with its config schema, create, generate, and verify with binding, expiry
// and claims. The ABI edge (entry, table, argument checks, guards, outputs in host memory) is
// ccattest::support::PluginAdapter (plugins/common/include/ccattest/support/plugin_adapter.hpp).
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
#include <ccattest/support/bytes.hpp>
#include <ccattest/support/crypto.hpp>
#include <ccattest/support/plugin_adapter.hpp>

#include <boost/json.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>

namespace {

using ccattest::sdk::failure;
namespace support = ccattest::support;

constexpr size_t token_size = 112;
constexpr size_t signed_size = 80;
constexpr size_t report_data_offset = 16;
constexpr uint16_t token_version = 1;
constexpr std::array<uint8_t, 4> magic = {'C', 'C', 'X', 'H'};
using Token = std::array<uint8_t, token_size>;

class ExamplePlugin {
public:
    static constexpr support::PluginDescription description{
        .name = "ccattest example HMAC authorizer (software only)",
        .vendor = "ccattest project",
        .version = CCATTEST_EXAMPLE_VERSION,
        .namespace_id = "x-example",
        .token_format = "ccattest-example-hmac-v1",
        .evidence_format = "none (software only, no hardware evidence)",
        .description = "Template plugin: HMAC-SHA-256 tokens under a configured key. No hardware "
                       "root of trust.",
        .capabilities = CCATTEST_CAP_GENERATE | CCATTEST_CAP_VERIFY |
                        CCATTEST_CAP_BINDS_REPORT_DATA | CCATTEST_CAP_OFFLINE_VERIFY |
                        CCATTEST_CAP_SOFTWARE_ONLY,
        .config_schema = R"json({
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
})json",
    };

    /// The host validated the config against the schema; the checks here keep create safe for a
    /// caller that did not.
    static std::unique_ptr<ExamplePlugin> create(const boost::json::object &config,
                                                 const support::Host &host) {
        auto plugin = std::make_unique<ExamplePlugin>(host);
        const auto *key_hex = config.if_contains("key_hex");
        if (key_hex == nullptr || !key_hex->is_string()) {
            throw failure(CCATTEST_E_CONFIG, "config lacks key_hex");
        }
        try {
            plugin->key_ = support::from_hex(key_hex->get_string(), "key_hex");
        } catch (const failure &) {
            plugin->key_.clear();
        }
        if (plugin->key_.size() < 16) {
            throw failure(CCATTEST_E_CONFIG, "key_hex must be at least 16 bytes of hex");
        }
        if (const auto *key_id = config.if_contains("key_id");
            key_id != nullptr && key_id->is_string()) {
            plugin->key_id_ = std::string(key_id->get_string());
        }
        if (const auto *age = config.if_contains("max_age_seconds");
            age != nullptr && age->is_int64()) {
            plugin->max_age_seconds_ = age->get_int64();
        }
        return plugin;
    }

    explicit ExamplePlugin(support::Host host) : host_(host) {}
    ExamplePlugin(const ExamplePlugin &) = delete;
    ExamplePlugin &operator=(const ExamplePlugin &) = delete;
    ~ExamplePlugin() { OPENSSL_cleanse(key_.data(), key_.size()); }

    [[nodiscard]] Token generate(support::ReportData report_data) const {
        Token token{};
        std::copy(magic.begin(), magic.end(), token.begin());
        token[4] = static_cast<uint8_t>(token_version); // version, little-endian; flags stay 0
        support::put_u64_le(token.data() + 8, static_cast<uint64_t>(host_.now()));
        std::copy(report_data.begin(), report_data.end(), token.begin() + report_data_offset);
        const auto mac = hmac(std::span(token.data(), signed_size));
        std::copy(mac.begin(), mac.end(), token.begin() + signed_size);
        return token;
    }

    [[nodiscard]] boost::json::object verify(const support::VerifyRequest &request) const {
        const auto token = request.token;
        if (token.size() != token_size) {
            throw failure(CCATTEST_E_MALFORMED, "token is " + std::to_string(token.size()) +
                                                    " bytes, expected " +
                                                    std::to_string(token_size));
        }
        const support::ByteReader fields(token);
        if (!std::equal(magic.begin(), magic.end(), token.begin())) {
            throw failure(CCATTEST_E_MALFORMED, "token does not start with the magic \"CCXH\"");
        }
        if (const uint16_t version = fields.u16(4, "version"); version != token_version) {
            throw failure(CCATTEST_E_MALFORMED,
                          "token version " + std::to_string(version) + " is not 1");
        }
        if (fields.u16(6, "flags") != 0) {
            throw failure(CCATTEST_E_MALFORMED, "token flags are not zero");
        }
        const auto mac = hmac(token.first(signed_size));
        if (CRYPTO_memcmp(mac.data(), token.data() + signed_size, mac.size()) != 0) {
            throw failure(CCATTEST_E_VERIFICATION_FAILED,
                          "HMAC does not match: wrong key or tampered token");
        }
        const auto issued_at = static_cast<int64_t>(fields.u64(8, "issued_at"));
        check_age(issued_at, request.verification_time);
        const auto report_data = token.subspan(report_data_offset, CCATTEST_REPORT_DATA_SIZE);
        if (!request.expected_report_data.empty() &&
            CRYPTO_memcmp(request.expected_report_data.data(), report_data.data(),
                          CCATTEST_REPORT_DATA_SIZE) != 0) {
            throw failure(CCATTEST_E_BINDING_MISMATCH,
                          "report data in the token differs from the expected report data");
        }
        boost::json::object claims;
        claims["software_only"] = true;
        claims["token_version"] = token_version;
        claims["issued_at"] = issued_at;
        claims["report_data"] = support::to_hex(report_data);
        claims["key_id"] = key_id_;
        claims["evidence_digest"] = support::to_hex(support::sha256(token.first(signed_size)));
        return claims;
    }

private:
    [[nodiscard]] std::array<uint8_t, 32> hmac(std::span<const uint8_t> data) const {
        std::array<uint8_t, 32> mac{};
        size_t length = 0;
        if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key_.data(), key_.size(),
                      data.data(), data.size(), mac.data(), mac.size(), &length) == nullptr ||
            length != mac.size()) {
            throw failure(CCATTEST_E_INTERNAL, "HMAC-SHA-256 computation failed in OpenSSL");
        }
        return mac;
    }

    void check_age(int64_t issued_at, int64_t verification_time) const {
        if (issued_at > verification_time) {
            throw failure(CCATTEST_E_EXPIRED, "token issued at " + std::to_string(issued_at) +
                                                  " is not yet valid at " +
                                                  std::to_string(verification_time));
        }
        // The age as unsigned: issued_at <= verification_time here, so the difference is exact,
        // but it overflows int64_t for a token issued in the far past (issued_at near INT64_MIN).
        const uint64_t age =
            static_cast<uint64_t>(verification_time) - static_cast<uint64_t>(issued_at);
        if (max_age_seconds_ < 0 || age > static_cast<uint64_t>(max_age_seconds_)) {
            throw failure(CCATTEST_E_EXPIRED, "token issued at " + std::to_string(issued_at) +
                                                  " is older than " +
                                                  std::to_string(max_age_seconds_) + " s at " +
                                                  std::to_string(verification_time));
        }
    }

    support::Host host_;
    support::Bytes key_;
    std::string key_id_;
    int64_t max_age_seconds_ = 3600;
};

} // namespace

CCATTEST_DEFINE_PLUGIN(ExamplePlugin)
