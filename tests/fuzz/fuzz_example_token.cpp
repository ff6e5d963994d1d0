// Fuzz target: the example plugin's token verifier, through the ABI as the core uses it. The built
// libcc_example.so is loaded with ccattest::PluginLibrary (every load-time check) and one instance
// is created with the published demo key; each input is then verified with Authorizer::verify,
// which must return a status (never crash, never throw) with a message on failure and JSON claims
// on success.
//
// Input: one options byte, then the token. Options:
//   bit 0  put the right HMAC into a 112-byte token (else a mutated MAC never gets past the check)
//   bit 1  pass expected report data: the token's own (bit 2 clear) or 64 zero bytes (bit 2 set)
//   bits 3-4  verification time: the token's issue time, +3600 s (the maximum age), +3601 s, or 0
// A second check makes a token with generate (report data from the input) and verifies it: OK.
#include "fuzz_support.hpp"

#include "ccattest/core/logging.hpp"
#include "ccattest/core/plugin_library.hpp"

#include <ccattest/authorizer.hpp>
#include <ccattest/support/bytes.hpp>
#include <ccattest/support/json.hpp>

#include <boost/json.hpp>

#include <openssl/evp.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <vector>

namespace {

// config/examples/conf.d/example.json's key: published, not a secret.
constexpr std::string_view key_hex =
    "3f1c0b6a9d2e4f5a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c";
constexpr size_t token_size = 112;
constexpr size_t signed_size = 80;

ccattest::Authorizer &authorizer() {
    static const std::unique_ptr<ccattest::Authorizer> instance = [] {
        ccattest::PluginLibrary::Options options;
        options.label = "example";
        options.path = EXAMPLE_PLUGIN;
        auto library = ccattest::PluginLibrary::open(options);
        const boost::json::object config{{"key_hex", key_hex}, {"key_id", "fuzz"}};
        return std::make_unique<ccattest::Authorizer>(library, config, "fuzz", "/config");
    }();
    return *instance;
}

void put_mac(std::vector<uint8_t> &token) {
    const auto key = ccattest::support::from_hex(key_hex, "key");
    size_t length = 0;
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(), token.data(),
                  signed_size, token.data() + signed_size, 32, &length) == nullptr) {
        fuzz::finding("HMAC failed in the fuzz target");
    }
}

int64_t issued_at_of(const std::vector<uint8_t> &token) {
    uint64_t value = 0;
    for (size_t i = 0; i < 8 && 8 + i < token.size(); ++i) {
        value |= static_cast<uint64_t>(token[8 + i]) << (8 * i);
    }
    return static_cast<int64_t>(value);
}

void check_outcome(const ccattest::OperationResult &result) {
    switch (result.status) {
    case CCATTEST_OK: {
        boost::json::value claims;
        try {
            claims = ccattest::support::parse_json(std::string_view(
                reinterpret_cast<const char *>(result.output.data()), result.output.size()));
        } catch (const ccattest::sdk::failure &e) {
            fuzz::finding(std::string("claims are not JSON: ") + e.what());
        }
        fuzz::require(claims.is_object() && claims.at("software_only") == true &&
                          claims.at("evidence_digest").as_string().size() == 64,
                      "claims lack software_only or evidence_digest");
        return;
    }
    case CCATTEST_E_INVALID_ARGUMENT:
    case CCATTEST_E_MALFORMED:
    case CCATTEST_E_VERIFICATION_FAILED:
    case CCATTEST_E_BINDING_MISMATCH:
    case CCATTEST_E_EXPIRED:
        fuzz::require(!result.message.empty(), "a refusal without a message");
        return;
    default:
        fuzz::finding("unexpected status " + std::to_string(result.status) + ": " + result.message);
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int * /*argc*/, char *** /*argv*/) {
    ccattest::logging::configure(ccattest::LogLevel::error, ccattest::LogFormat::text, std::cerr);
    (void)authorizer();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) {
        return 0;
    }
    const uint8_t options = data[0];
    std::vector<uint8_t> token(data + 1, data + size);
    if ((options & 1U) != 0 && token.size() == token_size) {
        put_mac(token);
    }
    std::optional<std::array<uint8_t, CCATTEST_REPORT_DATA_SIZE>> expected;
    if ((options & 2U) != 0) {
        expected.emplace();
        if ((options & 4U) == 0) {
            for (size_t i = 0; i < expected->size() && 16 + i < token.size(); ++i) {
                (*expected)[i] = token[16 + i];
            }
        }
    }
    const int64_t issued = issued_at_of(token);
    const std::array<int64_t, 4> times = {
        issued, static_cast<int64_t>(static_cast<uint64_t>(issued) + 3600U),
        static_cast<int64_t>(static_cast<uint64_t>(issued) + 3601U), 0};
    const int64_t when = times.at((options >> 3U) & 3U);
    std::optional<std::span<const uint8_t, CCATTEST_REPORT_DATA_SIZE>> expected_span;
    if (expected) {
        expected_span.emplace(*expected);
    }
    check_outcome(authorizer().verify(token, expected_span, when));

    // What generate makes verifies.
    if (token.size() >= CCATTEST_REPORT_DATA_SIZE) {
        const std::span<const uint8_t, CCATTEST_REPORT_DATA_SIZE> report_data(token.data(), 64);
        const auto made = authorizer().generate(report_data);
        fuzz::require(made.ok(), "generate failed: " + made.message);
        const auto verified =
            authorizer().verify(made.output, report_data, static_cast<int64_t>(std::time(nullptr)));
        fuzz::require(verified.ok(), "a generated token does not verify: " + verified.message);
    }
    return 0;
}
