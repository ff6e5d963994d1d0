// NRAS detached EATs, signed here by the simulation kit's JOSE signer with a P-384 key of our own
// (plugins/gpu/src/nras.hpp): the JWKS (a file, or fetched through a fake host with one refetch
// for a new kid), ES384 only, issuer and times, the submods digests, the nonce binding, the JSON
// shapes refused, and the mapping of NRAS claims to this plugin's claim names.
#include "nras.hpp"
#include "support/refusal.hpp"
#include "support/scratch_dir.hpp"
#include "support_lib/fake_host.hpp"

#include <ccattest/support/sim/jose.hpp>
#include <ccattest/support/sim/state.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/x509.h>

#include <functional>
#include <string>

namespace json = boost::json;
using ccattest::support::JwsAlgorithm;
using ccattest::test::refusal;
using ccattest::test::ScratchDir;

namespace {

constexpr int64_t issued = 1770105764; // 2026-02-03T08:02:44Z
constexpr int64_t expires = issued + 3600;
constexpr int64_t during = issued + 60;
constexpr const char *issuer = "https://nras.attestation.nvidia.com";
constexpr const char *ueid = "656533310790447807788286344426270545524203";

std::string nonce_hex(char fill = 'a') {
    return std::string(64, fill);
}

std::vector<uint8_t> nonce_bytes(char fill = 'a') {
    return *ccattest::support::parse_hex(nonce_hex(fill));
}

json::object chain_claim(const char *ocsp = "good") {
    return {{"x-nvidia-cert-status", "valid"},
            {"x-nvidia-cert-ocsp-status", ocsp},
            {"x-nvidia-cert-expiration-date", "9999-12-31T23:59:59"}};
}

// A GPU's claims as NRAS states them (claims version 3.0).
json::object gpu_payload(const std::string &nonce = nonce_hex()) {
    return {
        {"iss", issuer},
        {"iat", issued},
        {"nbf", issued},
        {"exp", expires},
        {"jti", "device-jti"},
        {"eat_nonce", nonce},
        {"measres", "success"},
        {"secboot", true},
        {"dbgstat", "disabled"},
        {"hwmodel", "GH100 A01 GSP BROM"},
        {"ueid", ueid},
        {"oemid", "5703"},
        {"x-nvidia-device-type", "gpu"},
        {"x-nvidia-mismatch-measurement-records", nullptr},
        {"x-nvidia-gpu-arch-check", true},
        {"x-nvidia-gpu-driver-version", "550.90.07"},
        {"x-nvidia-gpu-vbios-version", "96.00.9F.00.01"},
        {"x-nvidia-gpu-attestation-report-cert-chain", chain_claim()},
        {"x-nvidia-gpu-driver-rim-cert-chain", chain_claim()},
        {"x-nvidia-gpu-vbios-rim-cert-chain", chain_claim("revoked")},
        {"x-nvidia-gpu-claims-version", "3.0"},
    };
}

std::string hash_hex(const std::string &text) {
    return ccattest::support::to_hex(ccattest::support::sha256(
        std::span(reinterpret_cast<const uint8_t *>(text.data()), text.size())));
}

std::string signing_input_digest(const std::string &jwt) {
    return hash_hex(jwt.substr(0, jwt.rfind('.')));
}

using Edit = std::function<void(json::object &)>;

struct Minted {
    std::string overall;
    json::object devices; // key -> token
    [[nodiscard]] std::string eat() const {
        return json::serialize(json::array{json::array{"JWT", overall}, devices});
    }
};

struct Service {
    ccattest::support::PkeyPtr key =
        ccattest::support::generate_key(ccattest::support::KeyKind::p384);
    ScratchDir scratch;
    ccattest::gpu::NrasConfig config;

    Service() {
        config.jwks_file = scratch.write(
            "jwks.json", ccattest::support::jwks_text(
                             {ccattest::support::jwk_of(key.get(), "nras-1", "ES384", "sig")}));
    }
    [[nodiscard]] std::string sign(const json::object &payload,
                                   const std::string &kid = "nras-1") const {
        return ccattest::support::sign_jws(JwsAlgorithm::es384, key.get(), kid,
                                           json::serialize(payload));
    }
    // `count` GPUs (keys GPU-0..), each device payload and then the overall payload edited.
    [[nodiscard]] Minted mint(size_t count, const Edit &edit_device = {},
                              const Edit &edit_overall = {}) const {
        Minted out;
        json::object submods;
        for (size_t i = 0; i < count; ++i) {
            json::object payload = gpu_payload();
            payload["jti"] = "device-jti-" + std::to_string(i);
            if (edit_device) {
                edit_device(payload);
            }
            const std::string name = "GPU-" + std::to_string(i);
            const std::string token = sign(payload);
            submods[name] = json::array{"DIGEST", json::array{"SHA256", hash_hex(token)}};
            out.devices[name] = token;
        }
        json::object overall = {{"iss", issuer},
                                {"iat", issued},
                                {"nbf", issued},
                                {"exp", expires},
                                {"jti", "overall-jti"},
                                {"sub", "NVIDIA-PLATFORM-ATTESTATION"},
                                {"x-nvidia-ver", "3.0"},
                                {"x-nvidia-overall-att-result", true},
                                {"eat_nonce", nonce_hex()},
                                {"submods", submods}};
        if (edit_overall) {
            edit_overall(overall);
        }
        out.overall = sign(overall);
        return out;
    }
    [[nodiscard]] ccattest::gpu::NrasVerifier verifier() const {
        return ccattest::gpu::NrasVerifier(config, ccattest::support::Host{});
    }
    [[nodiscard]] std::pair<ccattest_status, std::string>
    refused(const std::string &eat, const std::vector<uint8_t> &nonce = nonce_bytes(),
            int64_t when = during) const {
        const auto nras = verifier();
        return refusal([&] { (void)nras.verify(eat, nonce, when); });
    }
};

json::object expected_gpu(int64_t index, const std::string &key) {
    return {
        {"key", key},
        {"kind", "gpu"},
        {"arch", "hopper"},
        {"index", index},
        {"ueid", ueid},
        {"hwmodel", "GH100 A01 GSP BROM"},
        {"driver_version", "550.90.07"},
        {"vbios_version", "96.00.9F.00.01"},
        {"nonce", nonce_hex()},
        {"measurements", "success"},
        {"mismatched_indices", json::array{}},
        {"secure_boot", true},
        {"debug", false},
        {"cert_chain_status", "valid"},
        {"ocsp", {{"device", "good"}, {"driver_rim", "good"}, {"vbios_rim", "revoked"}}},
    };
}

// header.payload.signature with the header and payload texts given, signed by HMAC-SHA256.
std::string hmac_token(const std::string &header, const std::string &payload,
                       const std::vector<uint8_t> &secret) {
    const auto b64 = [](const std::string &text) {
        return ccattest::support::base64url_encode(
            std::span(reinterpret_cast<const uint8_t *>(text.data()), text.size()));
    };
    const std::string input = b64(header) + "." + b64(payload);
    std::array<uint8_t, EVP_MAX_MD_SIZE> mac{};
    unsigned int size = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const uint8_t *>(input.data()), input.size(), mac.data(), &size);
    return input + "." + ccattest::support::base64url_encode(std::span(mac.data(), size));
}

std::vector<uint8_t> public_key_der(EVP_PKEY *key) {
    unsigned char *der = nullptr;
    const int size = i2d_PUBKEY(key, &der);
    BOOST_TEST_REQUIRE(size > 0);
    std::vector<uint8_t> out(der, der + size);
    OPENSSL_free(der);
    return out;
}

// The overall token of a minted EAT replaced by one with the header and payload text given.
std::string with_overall(const Minted &minted, const std::string &overall) {
    Minted copy = minted;
    copy.overall = overall;
    return copy.eat();
}

} // namespace

BOOST_AUTO_TEST_SUITE(gpu_nras)

BOOST_AUTO_TEST_CASE(one_gpu_maps_to_the_plugins_claims) {
    const Service service;
    const Minted minted = service.mint(1);
    const auto claims = service.verifier().verify(minted.eat(), nonce_bytes(), during);
    const json::object expected = {
        {"mode", "nras"},
        {"device_count", 1},
        {"devices", json::array{expected_gpu(0, "GPU-0")}},
        {"all_verified", true},
        {"measurements", "success"},
        {"ocsp", "revoked"}, // the VBIOS RIM chain's answer in expected_gpu
        {"debug_devices", 0},
        {"issuer", issuer},
        {"issued_at", issued},
        {"expires_at", expires},
        {"evidence_digest", signing_input_digest(minted.overall)},
        {"simulated", false},
    };
    BOOST_TEST(json::serialize(claims) == json::serialize(expected));
}

BOOST_AUTO_TEST_CASE(eight_gpus_verify_and_keep_their_indices) {
    const Service service;
    const Minted minted = service.mint(8);
    const auto claims = service.verifier().verify(minted.eat(), nonce_bytes(), during);
    BOOST_TEST(claims.at("device_count") == 8);
    BOOST_TEST(claims.at("all_verified") == true);
    const auto &devices = claims.at("devices").as_array();
    BOOST_TEST_REQUIRE(devices.size() == 8U);
    for (int64_t i = 0; i < 8; ++i) {
        const std::string key = "GPU-" + std::to_string(i);
        BOOST_TEST(devices[static_cast<size_t>(i)] == json::value(expected_gpu(i, key)));
    }
    // Without an expected nonce the binding is not checked, but all devices still agree.
    BOOST_TEST(service.verifier().verify(minted.eat(), {}, during).at("device_count") == 8);
}

BOOST_AUTO_TEST_CASE(failure_switch_and_debug_claims_are_mapped) {
    const Service service;
    const Minted failing = service.mint(2, [](json::object &payload) {
        if (payload.at("jti") == "device-jti-1") {
            payload["measres"] = "failure";
            payload["secboot"] = nullptr;
            payload["dbgstat"] = "enabled";
            payload["x-nvidia-mismatch-measurement-records"] = json::array{
                {{"index", 35}, {"goldenValue", "aa"}, {"runtimeValue", "bb"}},
                {{"index", 9}, {"goldenValue", "cc"}, {"runtimeValue", "dd"}},
            };
        }
    });
    const auto claims = service.verifier().verify(failing.eat(), nonce_bytes(), during);
    BOOST_TEST(claims.at("all_verified") == false);
    const auto &second = claims.at("devices").as_array()[1].as_object();
    BOOST_TEST(second.at("measurements") == "failure");
    BOOST_TEST(second.at("mismatched_indices") == json::value(json::array{9, 35}));
    BOOST_TEST(!second.contains("secure_boot"));
    BOOST_TEST(second.at("debug") == true);

    // The service's own verdict alone also fails all_verified.
    const Minted verdict = service.mint(
        1, {}, [](json::object &overall) { overall["x-nvidia-overall-att-result"] = false; });
    BOOST_TEST(service.verifier().verify(verdict.eat(), nonce_bytes(), during).at("all_verified") ==
               false);

    // An NVSwitch: kind from the key and the device type, its BIOS version, arch ls10.
    Minted switched;
    json::object payload = gpu_payload();
    for (const char *gpu_only :
         {"x-nvidia-gpu-driver-version", "x-nvidia-gpu-vbios-version",
          "x-nvidia-gpu-attestation-report-cert-chain", "x-nvidia-gpu-driver-rim-cert-chain",
          "x-nvidia-gpu-vbios-rim-cert-chain"}) {
        payload.erase(gpu_only);
    }
    payload["x-nvidia-device-type"] = "nvswitch";
    payload["hwmodel"] = "LS_10 A01 FSP BROM";
    payload["x-nvidia-switch-bios-version"] = "96.10.6D.00.01";
    payload["x-nvidia-switch-attestation-report-cert-chain"] = chain_claim();
    payload["x-nvidia-switch-bios-rim-cert-chain"] = chain_claim();
    const std::string token = service.sign(payload);
    switched.devices["SWITCH-3"] = token;
    switched.overall = service.sign(
        {{"iss", issuer},
         {"iat", issued},
         {"exp", expires},
         {"x-nvidia-overall-att-result", true},
         {"submods",
          {{"SWITCH-3", json::array{"DIGEST", json::array{"SHA256", hash_hex(token)}}}}}});
    const auto switch_claims = service.verifier().verify(switched.eat(), nonce_bytes(), during);
    const json::object expected_switch = {
        {"key", "SWITCH-3"},
        {"kind", "switch"},
        {"arch", "ls10"},
        {"index", 3},
        {"ueid", ueid},
        {"hwmodel", "LS_10 A01 FSP BROM"},
        {"vbios_version", "96.10.6D.00.01"},
        {"nonce", nonce_hex()},
        {"measurements", "success"},
        {"mismatched_indices", json::array{}},
        {"secure_boot", true},
        {"debug", false},
        {"cert_chain_status", "valid"},
        {"ocsp", {{"device", "good"}, {"bios_rim", "good"}}},
    };
    BOOST_TEST(switch_claims.at("devices").as_array()[0] == json::value(expected_switch));
}

BOOST_AUTO_TEST_CASE(times_and_issuer) {
    const Service service;
    const Minted minted = service.mint(1);
    // Valid until exp + skew (60 s).
    BOOST_TEST(service.refused(minted.eat(), nonce_bytes(), expires + 59).first == CCATTEST_OK);
    const auto expired = service.refused(minted.eat(), nonce_bytes(), expires + 60);
    BOOST_TEST(expired.first == CCATTEST_E_EXPIRED);
    BOOST_TEST(expired.second == "NRAS token, overall token: JWT expired at 2026-02-03T09:02:44Z "
                                 "(exp), checked at 2026-02-03T09:03:44Z (skew 60 s)");
    const auto early = service.refused(minted.eat(), nonce_bytes(), issued - 61);
    BOOST_TEST(early.first == CCATTEST_E_EXPIRED);
    BOOST_TEST(early.second == "NRAS token, overall token: JWT is not valid before "
                               "2026-02-03T08:02:44Z (nbf), checked at 2026-02-03T08:01:43Z "
                               "(skew 60 s)");
    // A device token expired before the overall one.
    const Minted stale_device =
        service.mint(1, [](json::object &payload) { payload["exp"] = issued + 30; });
    const auto device = service.refused(stale_device.eat(), nonce_bytes(), issued + 120);
    BOOST_TEST(device.first == CCATTEST_E_EXPIRED);
    BOOST_TEST(device.second == "NRAS token, device \"GPU-0\": JWT expired at "
                                "2026-02-03T08:03:14Z (exp), checked at 2026-02-03T08:04:44Z "
                                "(skew 60 s)");

    const Minted other =
        service.mint(1, {}, [](json::object &overall) { overall["iss"] = "https://nras.example"; });
    const auto wrong = service.refused(other.eat());
    BOOST_TEST(wrong.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(wrong.second ==
               "NRAS token, overall token: JWT issuer \"https://nras.example\" is not accepted");
    const Minted other_device =
        service.mint(1, [](json::object &payload) { payload["iss"] = "https://nras.example"; });
    const auto wrong_device = service.refused(other_device.eat());
    BOOST_TEST(wrong_device.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(wrong_device.second ==
               "NRAS token, device \"GPU-0\": JWT issuer \"https://nras.example\" is not accepted");
}

BOOST_AUTO_TEST_CASE(only_es384_is_accepted) {
    const Service service;
    const Minted minted = service.mint(1);
    const std::string payload = json::serialize(
        json::object{{"iss", issuer}, {"exp", expires}, {"submods", json::object{}}});
    const auto payload_bytes =
        std::span(reinterpret_cast<const uint8_t *>(payload.data()), payload.size());

    const auto none =
        service.refused(with_overall(minted, ccattest::support::sign_jws_compact(
                                                 R"({"alg":"none","kid":"nras-1"})", payload_bytes,
                                                 service.key.get(), JwsAlgorithm::es384)));
    BOOST_TEST(none.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(none.second == "NRAS token, overall token: JWS alg \"none\" (an unsigned token) is "
                              "never accepted");

    // The classic confusion: HMAC keyed with the public key's bytes.
    const auto hs256 = service.refused(
        with_overall(minted, hmac_token(R"({"alg":"HS256","kid":"nras-1"})", payload,
                                        public_key_der(service.key.get()))));
    BOOST_TEST(hs256.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(hs256.second == "NRAS token, overall token: JWS alg \"HS256\" (HMAC, a shared "
                               "secret) is never accepted");

    const auto rsa = ccattest::support::generate_key(ccattest::support::KeyKind::rsa2048);
    const auto rs256 = service.refused(with_overall(
        minted, ccattest::support::sign_jws(JwsAlgorithm::rs256, rsa.get(), "nras-1", payload)));
    BOOST_TEST(rs256.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(rs256.second == "NRAS token, overall token: JWS alg \"RS256\" is not among the "
                               "accepted algorithms (ES384)");
}

BOOST_AUTO_TEST_CASE(unknown_kid_and_foreign_key) {
    const Service service;
    const Minted minted = service.mint(1);
    Minted renamed = minted;
    renamed.overall = service.sign(json::object{{"iss", issuer}, {"exp", expires}}, "nras-2");
    const auto kid = service.refused(renamed.eat());
    BOOST_TEST(kid.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(kid.second == "NRAS token, overall token: no key has the token's kid \"nras-2\"");

    // A device token signed by another P-384 key under NRAS's kid, its digest in the overall
    // token (so only its signature can catch it).
    const auto rogue = ccattest::support::generate_key(ccattest::support::KeyKind::p384);
    const std::string forged = ccattest::support::sign_jws(
        JwsAlgorithm::es384, rogue.get(), "nras-1", json::serialize(gpu_payload()));
    Minted replaced;
    replaced.devices["GPU-0"] = forged;
    replaced.overall = service.sign(
        {{"iss", issuer},
         {"exp", expires},
         {"x-nvidia-overall-att-result", true},
         {"submods", {{"GPU-0", json::array{"DIGEST", json::array{"SHA256", hash_hex(forged)}}}}}});
    const auto foreign = service.refused(replaced.eat());
    BOOST_TEST(foreign.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(foreign.second ==
               "NRAS token, device \"GPU-0\": JWS ES384 signature does not verify with key "
               "\"nras-1\"");
}

BOOST_AUTO_TEST_CASE(submods_digests_bind_the_device_tokens) {
    const Service service;
    const Minted minted = service.mint(2);
    // A device token swapped for another one the service signed (measurement failure hidden).
    Minted swapped = minted;
    json::object failing = gpu_payload();
    failing["measres"] = "failure";
    const std::string other = service.sign(failing);
    swapped.devices["GPU-1"] = other;
    const auto mismatch = service.refused(swapped.eat());
    BOOST_TEST(mismatch.first == CCATTEST_E_VERIFICATION_FAILED);
    const std::string listed(minted.devices.at("GPU-1").as_string());
    BOOST_TEST(mismatch.second ==
               "NRAS token: device token \"GPU-1\" has SHA-256 " + hash_hex(other) +
                   ", the overall token's submods entry says " + hash_hex(listed));

    Minted extra = minted;
    extra.devices["GPU-2"] = other;
    const auto unlisted = service.refused(extra.eat());
    BOOST_TEST(unlisted.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(unlisted.second ==
               "NRAS token: device token \"GPU-2\" has no submods entry in the overall token");

    Minted fewer = minted;
    fewer.devices.erase("GPU-0");
    const auto missing = service.refused(fewer.eat());
    BOOST_TEST(missing.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(missing.second ==
               "NRAS token: the overall token's submods entry \"GPU-0\" has no device token");

    const Minted bad_entry = service.mint(1, {}, [](json::object &overall) {
        overall["submods"].as_object()["GPU-0"] =
            json::array{"DIGEST", json::array{"SHA384", std::string(96, '0')}};
    });
    const auto algorithm = service.refused(bad_entry.eat());
    BOOST_TEST(algorithm.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(algorithm.second == "NRAS token, overall token: submods entry \"GPU-0\" is not "
                                   "[\"DIGEST\", [\"SHA256\", \"<hex>\"]]");
    const Minted no_submods =
        service.mint(1, {}, [](json::object &overall) { overall.erase("submods"); });
    const auto absent = service.refused(no_submods.eat());
    BOOST_TEST(absent.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(absent.second ==
               "NRAS token, overall token: claim \"submods\" is missing or not an object");
}

BOOST_AUTO_TEST_CASE(nonce_binding) {
    const Service service;
    const Minted minted = service.mint(2);
    const auto other = service.refused(minted.eat(), nonce_bytes('b'));
    BOOST_TEST(other.first == CCATTEST_E_BINDING_MISMATCH);
    BOOST_TEST(other.second == "NRAS token: device \"GPU-0\" is bound to a nonce (eat_nonce) "
                               "other than the expected one");

    const Minted split = service.mint(2, [](json::object &payload) {
        if (payload.at("jti") == "device-jti-1") {
            payload["eat_nonce"] = nonce_hex('c');
        }
    });
    const auto apart = service.refused(split.eat(), {});
    BOOST_TEST(apart.first == CCATTEST_E_BINDING_MISMATCH);
    BOOST_TEST(apart.second ==
               "NRAS token: device \"GPU-1\" is bound to another nonce than device \"GPU-0\"");

    const Minted overall =
        service.mint(1, {}, [](json::object &claims) { claims["eat_nonce"] = nonce_hex('d'); });
    const auto stated = service.refused(overall.eat(), {});
    BOOST_TEST(stated.first == CCATTEST_E_BINDING_MISMATCH);
    BOOST_TEST(stated.second ==
               "NRAS token: the overall token's eat_nonce differs from the devices' nonce");

    const Minted not_hex =
        service.mint(1, [](json::object &payload) { payload["eat_nonce"] = "xyz"; });
    const auto hex = service.refused(not_hex.eat());
    BOOST_TEST(hex.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(hex.second == "NRAS token, device \"GPU-0\": claim \"eat_nonce\" is not hex");
}

BOOST_AUTO_TEST_CASE(payloads_that_are_not_utf8_json_or_repeat_a_claim) {
    const Service service;
    const Minted minted = service.mint(1);
    const auto sign_text = [&](const std::string &text) {
        return ccattest::support::sign_jws(JwsAlgorithm::es384, service.key.get(), "nras-1", text);
    };
    const auto duplicate = service.refused(with_overall(
        minted, sign_text(R"({"iss":"https://nras.attestation.nvidia.com","exp":1770109364,)"
                          R"("x-nvidia-overall-att-result":true,"iss":"https://other"})")));
    BOOST_TEST(duplicate.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(duplicate.second.starts_with(
        "NRAS token, overall token: JWT payload is not valid JSON: line 1"));
    BOOST_TEST(duplicate.second.find("duplicate member /iss") != std::string::npos);

    const auto latin1 = service.refused(with_overall(
        minted,
        sign_text("{\"iss\":\"https://nras.attestation.nvidia.com\",\"x\":\"\xE9t\xE9\"}")));
    BOOST_TEST(latin1.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(latin1.second.starts_with(
        "NRAS token, overall token: JWT payload is not valid JSON: line 1"));

    const auto array = service.refused(with_overall(minted, sign_text("[1,2]")));
    BOOST_TEST(array.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(array.second == "NRAS token, overall token: JWT payload is not a JSON object");
}

BOOST_AUTO_TEST_CASE(garbage_shapes_are_malformed) {
    const Service service;
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"[]", "NRAS token: is not a JSON array of two elements ([[\"JWT\", token], {device: "
               "token}])"},
        {"{}", "NRAS token: is not a JSON array of two elements ([[\"JWT\", token], {device: "
               "token}])"},
        {"[[],{}]", "NRAS token: its first element is not [\"JWT\", \"<overall token>\"]"},
        {R"([["JWS","a.b.c"],{"GPU-0":"a.b.c"}])",
         "NRAS token: its first element is not [\"JWT\", \"<overall token>\"]"},
        {R"([["JWT",7],{"GPU-0":"a.b.c"}])",
         "NRAS token: its first element is not [\"JWT\", \"<overall token>\"]"},
        {R"([["JWT","a.b.c"],["a.b.c"]])",
         "NRAS token: its second element is not an object of device tokens"},
        {R"([["JWT","a.b.c"],{}])", "NRAS token: holds 0 device tokens (1 to 64 accepted)"},
        {R"([["JWT","a.b.c"],{"GPU-0":5}])", "NRAS token: device \"GPU-0\" is not a token string"},
        {R"([["JWT","a.b.c"],{"GPU-0":"a.b.c"},{}])",
         "NRAS token: is not a JSON array of two elements ([[\"JWT\", token], {device: "
         "token}])"},
        {R"([["JWT","a.b"],{"GPU-0":"a.b.c"}])",
         "NRAS token, overall token: JWS is not in compact serialization (three base64url parts "
         "separated by '.')"},
    };
    for (const auto &[text, reason] : cases) {
        const auto outcome = service.refused(text);
        BOOST_TEST(outcome.first == CCATTEST_E_MALFORMED, text);
        BOOST_TEST(outcome.second == reason, text);
    }
    for (const std::string text : {"", "not json", R"([["JWT","a.b.c"],{"G":"a","G":"b"}])"}) {
        const auto outcome = service.refused(text);
        BOOST_TEST(outcome.first == CCATTEST_E_MALFORMED, text);
        BOOST_TEST(outcome.second.starts_with("NRAS token: is not valid JSON: "), text);
    }
    // A device token that is not a JWS, though the overall token lists its digest.
    Minted garbage;
    garbage.devices["GPU-0"] = "x";
    garbage.overall = service.sign(
        {{"iss", issuer},
         {"exp", expires},
         {"submods", {{"GPU-0", json::array{"DIGEST", json::array{"SHA256", hash_hex("x")}}}}}});
    const auto device = service.refused(garbage.eat());
    BOOST_TEST(device.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(device.second == "NRAS token, device \"GPU-0\": JWS is not in compact "
                                "serialization (three base64url parts separated by '.')");
}

BOOST_AUTO_TEST_CASE(jwks_fetched_cached_and_refetched_once_for_a_new_kid) {
    Service service;
    service.config.jwks_file.reset();
    const auto second_key = ccattest::support::generate_key(ccattest::support::KeyKind::p384);
    std::string served = ccattest::support::jwks_text(
        {ccattest::support::jwk_of(service.key.get(), "nras-1", "ES384", "sig")});
    support_test::FakeHost host;
    host.answer = [&](const support_test::FakeHost::Request &) {
        return support_test::FakeHost::Answer{CCATTEST_OK, 200, served, CCATTEST_FETCH_FROM_NETWORK,
                                              ""};
    };
    const ccattest::gpu::NrasVerifier nras(service.config, ccattest::support::Host(&host.api));
    const Minted minted = service.mint(8);
    BOOST_TEST(nras.verify(minted.eat(), nonce_bytes(), during).at("device_count") == 8);
    BOOST_TEST(nras.verify(minted.eat(), nonce_bytes(), during).at("device_count") == 8);
    BOOST_TEST_REQUIRE(host.requests.size() == 1U); // nine tokens, two EATs: one fetch
    BOOST_TEST(host.requests.front().url ==
               "https://nras.attestation.nvidia.com/.well-known/jwks.json");

    // The service rotates to a new key: one refetch, past the host's cache.
    served = ccattest::support::jwks_text(
        {ccattest::support::jwk_of(service.key.get(), "nras-1", "ES384", "sig"),
         ccattest::support::jwk_of(second_key.get(), "nras-2", "ES384", "sig")});
    Minted rotated = minted;
    json::object overall = {{"iss", issuer},
                            {"exp", expires},
                            {"x-nvidia-overall-att-result", true},
                            {"submods", json::object{}}};
    json::object submods;
    for (const auto &[key, token] : minted.devices) {
        submods[key] =
            json::array{"DIGEST", json::array{"SHA256", hash_hex(std::string(token.as_string()))}};
    }
    overall["submods"] = submods;
    rotated.overall = ccattest::support::sign_jws(JwsAlgorithm::es384, second_key.get(), "nras-2",
                                                  json::serialize(overall));
    BOOST_TEST(nras.verify(rotated.eat(), nonce_bytes(), during).at("device_count") == 8);
    BOOST_TEST_REQUIRE(host.requests.size() == 2U);
    BOOST_TEST_REQUIRE(host.validity.size() == 1U);
    BOOST_TEST(host.validity.front().second == 0); // the stored set marked stale

    // A kid nobody serves: one refetch, then none within the interval.
    host.clock += 61;
    Minted unknown = minted;
    unknown.overall = service.sign(overall, "nras-9");
    const auto outcome = refusal([&] { (void)nras.verify(unknown.eat(), nonce_bytes(), during); });
    BOOST_TEST(outcome.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(outcome.second ==
               "NRAS token, overall token: no key has the token's kid \"nras-9\"");
    BOOST_TEST(host.requests.size() == 3U);
    const auto again = refusal([&] { (void)nras.verify(unknown.eat(), nonce_bytes(), during); });
    BOOST_TEST(again.second == outcome.second);
    BOOST_TEST(host.requests.size() == 3U);
    BOOST_TEST(host.validity.size() == 2U);
}

BOOST_AUTO_TEST_CASE(jwks_miss_and_bad_file) {
    Service service;
    service.config.jwks_file.reset();
    const auto offline = service.refused(service.mint(1).eat());
    BOOST_TEST(offline.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(offline.second == "NRAS token: no JWKS to check it with: no jwks_file is configured "
                                 "and the host offers no network service (an ABI 1.0 host, or one "
                                 "without a network channel)");

    service.config.jwks_file = service.scratch.write("bad.json", R"({"keys":[{"kty":"oct"}]})");
    const auto bad = refusal([&] { (void)service.verifier(); });
    BOOST_TEST(bad.first == CCATTEST_E_CONFIG);
    BOOST_TEST(bad.second.starts_with("nras.jwks_file: "));
    service.config.jwks_file = service.scratch.path() / "absent.json";
    BOOST_TEST(refusal([&] { (void)service.verifier(); }).first == CCATTEST_E_CONFIG);
}

BOOST_AUTO_TEST_CASE(inspect_decodes_without_checking) {
    const Service service;
    const Minted minted = service.mint(2);
    // Another issuer and an unknown key: inspect still shows everything.
    Minted foreign = minted;
    foreign.overall = service.sign(json::object{{"iss", "https://elsewhere"}}, "unknown");
    const auto parts = service.verifier().inspect(foreign.eat());
    BOOST_TEST(parts.at("form") == "nras_eat");
    BOOST_TEST(parts.at("overall").at("header") ==
               json::value(json::object{{"alg", "ES384"}, {"kid", "unknown"}}));
    BOOST_TEST(parts.at("overall").at("claims").at("iss") == "https://elsewhere");
    BOOST_TEST(parts.at("overall").at("signature_size") == 96);
    const auto &device = parts.at("devices").at("GPU-1").as_object();
    BOOST_TEST(device.at("claims").at("measres") == "success");
    BOOST_TEST(device.at("sha256").as_string() ==
               hash_hex(std::string(minted.devices.at("GPU-1").as_string())));
    const auto broken = refusal(
        [&] { (void)service.verifier().inspect(R"([["JWT","a.b.c"],{"GPU-0":"!.b.c"}])"); });
    BOOST_TEST(broken.first == CCATTEST_E_MALFORMED);
}

BOOST_AUTO_TEST_SUITE_END()
