// libcc_example.so through the real loader: round trip, binding, expiry, tampering, config errors,
// instance isolation, lifetime and concurrency.
#define BOOST_TEST_MODULE example_plugin
#include <boost/test/unit_test.hpp>

#include "ccattest/core/registry.hpp"

#include <boost/json.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <ctime>
#include <thread>

namespace json = boost::json;
using ccattest::Authorizer;
using ccattest::PluginEntry;
using ccattest::PluginRecord;
using ccattest::Registry;
using ccattest::SiteConfig;

namespace {

const char *const key_a = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const char *const key_b = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

SiteConfig site_with_config(json::object config) {
    PluginEntry entry;
    entry.origin_file = "site.json";
    entry.origin_pointer = "/plugins/0";
    entry.label = "example";
    entry.library = EXAMPLE_PLUGIN;
    entry.config = std::move(config);
    SiteConfig site;
    site.file = "site.json";
    site.site_name = "test";
    site.plugins = {entry};
    return site;
}

SiteConfig site_with_key(const char *key, int64_t max_age = 3600) {
    return site_with_config(
        {{"key_hex", key}, {"key_id", "test-key"}, {"max_age_seconds", max_age}});
}

std::array<uint8_t, 64> report_data(uint8_t fill) {
    std::array<uint8_t, 64> data{};
    for (size_t i = 0; i < data.size(); ++i) {
        data[i] = static_cast<uint8_t>(fill + i);
    }
    return data;
}

int64_t now() {
    return static_cast<int64_t>(std::time(nullptr));
}

struct Loaded {
    Registry registry;
    std::shared_ptr<Authorizer> authorizer;
    explicit Loaded(const SiteConfig &site)
        : registry(site), authorizer(registry.find("x-example")) {
        BOOST_REQUIRE_MESSAGE(authorizer, registry.plugins().front().reason);
    }
};

} // namespace

BOOST_AUTO_TEST_CASE(round_trip_with_binding_and_claims) {
    const Loaded loaded(site_with_key(key_a));
    const auto data = report_data(1);
    const auto token = loaded.authorizer->generate(data);
    BOOST_REQUIRE_MESSAGE(token.ok(), token.message);
    BOOST_TEST(token.output.size() == 112u);
    const auto result =
        loaded.authorizer->verify(token.output, std::span<const uint8_t, 64>(data), now());
    BOOST_REQUIRE_MESSAGE(result.ok(), result.message);
    const auto claims =
        json::parse(std::string(result.output.begin(), result.output.end())).as_object();
    BOOST_TEST(claims.at("software_only").as_bool());
    BOOST_TEST(claims.at("key_id").as_string() == "test-key");
    BOOST_TEST(claims.at("token_version").as_int64() == 1);
    BOOST_TEST(claims.at("report_data").as_string() ==
               "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"
               "2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40");
    const auto issued = claims.at("issued_at").as_int64();
    BOOST_TEST(issued <= now());
    BOOST_TEST(issued >= now() - 60);
}

BOOST_AUTO_TEST_CASE(evidence_digest_covers_what_the_mac_covers) {
    const Loaded loaded(site_with_key(key_a));
    const auto data = report_data(1);
    const auto token = loaded.authorizer->generate(data);
    BOOST_REQUIRE_MESSAGE(token.ok(), token.message);
    auto digest_of = [&](const Loaded &with, const std::vector<uint8_t> &bytes) {
        const auto result = with.authorizer->verify(bytes, std::nullopt, now());
        BOOST_REQUIRE_MESSAGE(result.ok(), result.message);
        return std::string(json::parse(std::string(result.output.begin(), result.output.end()))
                               .at("evidence_digest")
                               .as_string());
    };
    // SHA-256 of bytes 0..79 (everything but the MAC), computed here independently.
    std::array<uint8_t, 32> expected{};
    unsigned int length = 0;
    BOOST_REQUIRE(
        EVP_Digest(token.output.data(), 80, expected.data(), &length, EVP_sha256(), nullptr) == 1);
    std::string hex;
    for (const uint8_t b : expected) {
        static constexpr char digits[] = "0123456789abcdef";
        hex += digits[b >> 4U];
        hex += digits[b & 0x0FU];
    }
    const std::string first = digest_of(loaded, token.output);
    BOOST_TEST(first == hex);
    BOOST_TEST(digest_of(loaded, token.output) == first); // stable
    // Other evidence, another digest.
    const auto other = loaded.authorizer->generate(report_data(2));
    BOOST_REQUIRE_MESSAGE(other.ok(), other.message);
    BOOST_TEST(digest_of(loaded, other.output) != first);
    // The same bytes MACed under another key: the digest names the evidence, not the MAC.
    const Loaded loaded_b(site_with_key(key_b));
    std::vector<uint8_t> under_b = token.output;
    std::array<uint8_t, 32> key{};
    size_t key_length = 0;
    BOOST_REQUIRE(OPENSSL_hexstr2buf_ex(key.data(), key.size(), &key_length, key_b, '\0') == 1);
    size_t mac_length = 0;
    BOOST_REQUIRE(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key_length,
                            under_b.data(), 80, under_b.data() + 80, 32, &mac_length) != nullptr);
    BOOST_TEST(under_b != token.output);
    BOOST_TEST(digest_of(loaded_b, under_b) == first);
    // A changed MAC is refused, so no third token of these bytes verifies under key A.
    auto forged = token.output;
    forged[100] ^= 1;
    const auto refused = loaded.authorizer->verify(forged, std::nullopt, now());
    BOOST_TEST(refused.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(refused.message == "HMAC does not match: wrong key or tampered token");
}

BOOST_AUTO_TEST_CASE(verify_without_expected_report_data_reports_it) {
    const Loaded loaded(site_with_key(key_a));
    const auto data = report_data(7);
    const auto token = loaded.authorizer->generate(data);
    const auto result = loaded.authorizer->verify(token.output, std::nullopt, now());
    BOOST_TEST(result.ok());
}

BOOST_AUTO_TEST_CASE(other_report_data_is_a_binding_mismatch) {
    const Loaded loaded(site_with_key(key_a));
    const auto token = loaded.authorizer->generate(report_data(1));
    const auto other = report_data(2);
    const auto result =
        loaded.authorizer->verify(token.output, std::span<const uint8_t, 64>(other), now());
    BOOST_TEST(result.status == CCATTEST_E_BINDING_MISMATCH);
    BOOST_TEST(result.message == "report data in the token differs from the expected report data");
    BOOST_TEST(result.output.empty());
}

BOOST_AUTO_TEST_CASE(expired_and_not_yet_valid) {
    const Loaded loaded(site_with_key(key_a, 60));
    const auto data = report_data(1);
    const auto token = loaded.authorizer->generate(data);
    const std::span<const uint8_t, 64> expected(data);
    const auto late = loaded.authorizer->verify(token.output, expected, now() + 3600);
    BOOST_TEST(late.status == CCATTEST_E_EXPIRED);
    BOOST_TEST(late.message.find(" is older than 60 s at ") != std::string::npos);
    const auto early = loaded.authorizer->verify(token.output, expected, 1000);
    BOOST_TEST(early.status == CCATTEST_E_EXPIRED);
    BOOST_TEST(early.message.find(" is not yet valid at 1000") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_flipped_byte_is_rejected_with_the_right_status) {
    const Loaded loaded(site_with_key(key_a));
    const auto data = report_data(1);
    const auto token = loaded.authorizer->generate(data);
    for (size_t position = 0; position < token.output.size(); ++position) {
        auto tampered = token.output;
        tampered[position] ^= 0x01;
        const auto result =
            loaded.authorizer->verify(tampered, std::span<const uint8_t, 64>(data), now());
        BOOST_TEST_CONTEXT("byte " << position) {
            BOOST_TEST(!result.ok());
            // Header bytes are malformed; everything under the MAC fails the MAC.
            const auto expected =
                position < 8 ? CCATTEST_E_MALFORMED : CCATTEST_E_VERIFICATION_FAILED;
            BOOST_TEST(result.status == expected);
        }
    }
}

BOOST_AUTO_TEST_CASE(truncated_extended_and_empty_tokens) {
    const Loaded loaded(site_with_key(key_a));
    auto token = loaded.authorizer->generate(report_data(1)).output;
    auto shorter = token;
    shorter.pop_back();
    const auto a = loaded.authorizer->verify(shorter, std::nullopt, now());
    BOOST_TEST(a.status == CCATTEST_E_MALFORMED);
    BOOST_TEST(a.message == "token is 111 bytes, expected 112");
    token.push_back(0);
    BOOST_TEST(loaded.authorizer->verify(token, std::nullopt, now()).status ==
               CCATTEST_E_MALFORMED);
    const auto empty = loaded.authorizer->verify({}, std::nullopt, now());
    BOOST_TEST(empty.status == CCATTEST_E_INVALID_ARGUMENT);
    const std::vector<uint8_t> huge(16U << 20U, 0xAB);
    BOOST_TEST(loaded.authorizer->verify(huge, std::nullopt, now()).status == CCATTEST_E_MALFORMED);
}

BOOST_AUTO_TEST_CASE(instances_with_different_keys_coexist_and_do_not_accept_each_other) {
    const Loaded a(site_with_key(key_a));
    const Loaded b(site_with_key(key_b));
    BOOST_TEST(&a.authorizer->library() == &b.authorizer->library()); // one library, two instances
    const auto data = report_data(3);
    const auto token = a.authorizer->generate(data);
    const auto result =
        b.authorizer->verify(token.output, std::span<const uint8_t, 64>(data), now());
    BOOST_TEST(result.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(result.message == "HMAC does not match: wrong key or tampered token");
    BOOST_TEST(a.authorizer->verify(token.output, std::span<const uint8_t, 64>(data), now()).ok());
}

BOOST_AUTO_TEST_CASE(plugin_config_is_validated_against_the_plugin_schema) {
    const Registry bad_key(site_with_config({{"key_hex", "zz"}}));
    BOOST_TEST((bad_key.plugins()[0].state == PluginRecord::State::refused));
    BOOST_TEST(bad_key.plugins()[0].reason ==
               "site.json: /plugins/0/config/key_hex: expected a key of 16 to 64 bytes as hex");
    const Registry unknown(site_with_config({{"key_hex", key_a}, {"colour", "blue"}}));
    BOOST_TEST(unknown.plugins()[0].reason == "site.json: /plugins/0/config/colour: unknown key");
    const Registry missing(site_with_config({}));
    BOOST_TEST(missing.plugins()[0].reason ==
               "site.json: /plugins/0/config: missing required key \"key_hex\"");
    const Registry range(site_with_config({{"key_hex", key_a}, {"max_age_seconds", 0}}));
    BOOST_TEST(range.plugins()[0].reason ==
               "site.json: /plugins/0/config/max_age_seconds: expected a number >= 1, got 0");
}

BOOST_AUTO_TEST_CASE(library_outlives_the_registry_while_an_instance_lives) {
    std::shared_ptr<Authorizer> kept;
    {
        const Registry registry(site_with_key(key_a));
        kept = registry.find("x-example");
    }
    BOOST_REQUIRE(kept);
    const auto data = report_data(9);
    const auto token = kept->generate(data);
    BOOST_TEST(kept->verify(token.output, std::span<const uint8_t, 64>(data), now()).ok());
}

BOOST_AUTO_TEST_CASE(concurrent_verifications_on_one_instance_agree) {
    const Loaded loaded(site_with_key(key_a));
    const auto data = report_data(5);
    const auto token = loaded.authorizer->generate(data).output;
    const auto verify_time = now();
    std::vector<std::thread> threads;
    std::array<int, 8> failures{};
    for (size_t t = 0; t < failures.size(); ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 200; ++i) {
                const auto r = loaded.authorizer->verify(token, std::span<const uint8_t, 64>(data),
                                                         verify_time);
                failures[t] += r.ok() ? 0 : 1;
            }
        });
    }
    for (auto &thread : threads) {
        thread.join();
    }
    for (const int f : failures) {
        BOOST_TEST(f == 0);
    }
}
