// Intel Trust Authority tokens, signed here by the simulation kit's JOSE signer with a key of our
// own: the JWKS (a file, or fetched through a fake host), algorithm, issuer and time checks, and
// the mapping of both claim shapes (flat version 1 and nested "tdx" version 2) to this plugin's
// claim names.
#include "claims.hpp"
#include "ita.hpp"
#include "support/refusal.hpp"
#include "support/scratch_dir.hpp"
#include "support_lib/fake_host.hpp"

#include <ccattest/support/sim/jose.hpp>
#include <ccattest/support/sim/state.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <string>

namespace json = boost::json;
using ccattest::support::JwsAlgorithm;
using ccattest::test::refusal;
using ccattest::test::ScratchDir;

namespace {

constexpr int64_t issued = 1770105764;
constexpr int64_t expires = issued + 300;
constexpr int64_t during = issued + 60;
constexpr const char *issuer = "https://portal.trustauthority.intel.com";

std::string repeated(const std::string &pair, size_t count) {
    std::string out;
    for (size_t i = 0; i < count; ++i) {
        out += pair;
    }
    return out;
}

// The service's TDX claims (hex as the service writes it: upper case is accepted too).
json::object tdx_claims() {
    return {
        {"tdx_mrtd", repeated("A1", 48)},
        {"tdx_rtmr0", repeated("b0", 48)},
        {"tdx_rtmr1", repeated("b1", 48)},
        {"tdx_rtmr2", repeated("b2", 48)},
        {"tdx_rtmr3", repeated("b3", 48)},
        {"tdx_mrseam", repeated("c0", 48)},
        {"tdx_mrsignerseam", repeated("00", 48)},
        {"tdx_seam_attributes", "0000000000000000"},
        {"tdx_td_attributes", "0000001000000000"}, // bit 28: SEPT_VE_DISABLE
        {"tdx_td_attributes_debug", false},
        {"tdx_td_attributes_septve_disable", true},
        {"tdx_xfam", "e718060000000000"},
        {"tdx_mrconfigid", repeated("00", 48)},
        {"tdx_mrowner", repeated("00", 48)},
        {"tdx_mrownerconfig", repeated("00", 48)},
        {"tdx_report_data", repeated("42", 64)},
        {"tdx_tee_tcb_svn", "03000600000000000000000000000000"},
        {"tdx_seamsvn", 3},
        {"tdx_is_debuggable", false},
    };
}

json::object attester_claims() {
    return {{"attester_tcb_status", "OutOfDate"},
            {"attester_advisory_ids", json::array{"INTEL-SA-00837", "INTEL-SA-00960"}},
            {"attester_tcb_date", "2024-03-13T00:00:00Z"},
            {"attester_type", "TDX"}};
}

json::object registered(int64_t nbf = issued, int64_t exp = expires,
                        const std::string &iss = std::string(issuer)) {
    return {{"iss", iss}, {"iat", nbf}, {"nbf", nbf}, {"exp", exp}, {"jti", "3f9c-ita-jti"}};
}

// A version 1 token's payload: everything at the top level.
json::object flat_payload() {
    json::object payload = registered();
    for (const auto &[key, value] : tdx_claims()) {
        payload[key] = value;
    }
    for (const auto &[key, value] : attester_claims()) {
        payload[key] = value;
    }
    payload["ver"] = "1.0.0";
    return payload;
}

// A version 2 token's payload: the TDX and attester claims under "tdx".
json::object nested_payload() {
    json::object payload = registered();
    json::object tdx = tdx_claims();
    for (const auto &[key, value] : attester_claims()) {
        tdx[key] = value;
    }
    payload["tdx"] = std::move(tdx);
    payload["ver"] = "2.0.0";
    return payload;
}

struct Service {
    ccattest::support::PkeyPtr key =
        ccattest::support::generate_key(ccattest::support::KeyKind::rsa3072);
    ScratchDir scratch;
    ccattest::tdx::ItaConfig config;
    ccattest::support::CollateralSource offline{ccattest::support::Host{}};

    Service() {
        config.jwks_file = scratch.write(
            "jwks.json", ccattest::support::jwks_text(
                             {ccattest::support::jwk_of(key.get(), "ita-1", "PS384", "sig")}));
    }
    [[nodiscard]] std::string sign(const json::object &payload,
                                   JwsAlgorithm algorithm = JwsAlgorithm::ps384,
                                   const std::string &kid = "ita-1") const {
        return ccattest::support::sign_jws(algorithm, key.get(), kid, json::serialize(payload));
    }
    [[nodiscard]] json::object verify(const std::string &jwt,
                                      std::span<const uint8_t> expected = {},
                                      int64_t when = during) const {
        return ccattest::tdx::verify_ita_token(jwt, config, offline, expected, when);
    }
    [[nodiscard]] std::pair<ccattest_status, std::string>
    refused(const std::string &jwt, std::span<const uint8_t> expected = {},
            int64_t when = during) const {
        return refusal([&] { (void)verify(jwt, expected, when); });
    }
};

std::string digest_of(const std::string &jwt) {
    const std::string input = jwt.substr(0, jwt.rfind('.'));
    return ccattest::support::to_hex(ccattest::support::sha256(
        std::span(reinterpret_cast<const uint8_t *>(input.data()), input.size())));
}

json::object expected_claims(const std::string &jwt) {
    return {
        {"tee_type", "TDX"},
        {"mr_td", repeated("a1", 48)},
        {"rtmr0", repeated("b0", 48)},
        {"rtmr1", repeated("b1", 48)},
        {"rtmr2", repeated("b2", 48)},
        {"rtmr3", repeated("b3", 48)},
        {"mr_seam", repeated("c0", 48)},
        {"mr_signer_seam", repeated("00", 48)},
        {"seam_attributes", "0000000000000000"},
        {"xfam", "e718060000000000"},
        {"mr_config_id", repeated("00", 48)},
        {"mr_owner", repeated("00", 48)},
        {"mr_owner_config", repeated("00", 48)},
        {"report_data", repeated("42", 64)},
        {"tee_tcb_svn", "03000600000000000000000000000000"},
        {"td_attributes",
         {{"debug", false},
          {"sept_ve_disable", true},
          {"pks", false},
          {"kl", false},
          {"perfmon", false},
          {"raw", "0000001000000000"}}},
        {"tcb_status", "OutOfDate"},
        {"advisory_ids", json::array{"INTEL-SA-00837", "INTEL-SA-00960"}},
        {"tcb_date", "2024-03-13T00:00:00Z"},
        {"ita", {{"issuer", issuer}, {"jti", "3f9c-ita-jti"}, {"expires", expires}}},
        {"evidence_digest", digest_of(jwt)},
        {"simulated", false},
    };
}

std::array<uint8_t, 64> report_data(uint8_t fill) {
    std::array<uint8_t, 64> data{};
    data.fill(fill);
    return data;
}

} // namespace

BOOST_AUTO_TEST_SUITE(tdx_ita)

BOOST_AUTO_TEST_CASE(flat_and_nested_tokens_map_to_the_plugins_claims) {
    const Service service;
    const auto data = report_data(0x42);
    for (const auto &payload : {flat_payload(), nested_payload()}) {
        const std::string jwt = service.sign(payload);
        const json::object claims = service.verify(jwt, data);
        BOOST_TEST(json::serialize(claims) == json::serialize(expected_claims(jwt)));
        BOOST_TEST(claims == expected_claims(jwt)); // member order aside
    }
}

BOOST_AUTO_TEST_CASE(td_attributes_bits) {
    // Little-endian u64: bit 0 in byte 0, bits 28/30/31 in byte 3, bit 63 in byte 7.
    const auto all = ccattest::tdx::td_attributes_claim({0x01, 0, 0, 0xD0, 0, 0, 0, 0x80});
    BOOST_TEST(json::serialize(all) ==
               R"({"debug":true,"sept_ve_disable":true,"pks":true,"kl":true,"perfmon":true,)"
               R"("raw":"010000d000000080"})");
    const auto none =
        ccattest::tdx::td_attributes_claim({0xFE, 0xFF, 0xFF, 0x2F, 0xFF, 0xFF, 0xFF, 0x7F});
    BOOST_TEST(json::serialize(none) ==
               R"({"debug":false,"sept_ve_disable":false,"pks":false,"kl":false,"perfmon":false,)"
               R"("raw":"feffff2fffffff7f"})");
    const auto pks = ccattest::tdx::td_attributes_claim({0, 0, 0, 0x40, 0, 0, 0, 0});
    BOOST_TEST(pks.at("pks").as_bool());
    BOOST_TEST(!pks.at("kl").as_bool());
}

BOOST_AUTO_TEST_CASE(only_ps384_is_accepted) {
    const Service service;
    const auto rs256 = service.refused(service.sign(flat_payload(), JwsAlgorithm::rs256));
    BOOST_TEST(rs256.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(rs256.second == "Intel Trust Authority token: JWS alg \"RS256\" is not among the "
                               "accepted algorithms (PS384)");
    const auto ec = ccattest::support::generate_key(ccattest::support::KeyKind::p384);
    const std::string es384 = ccattest::support::sign_jws(JwsAlgorithm::es384, ec.get(), "ita-1",
                                                          json::serialize(flat_payload()));
    const auto es = service.refused(es384);
    BOOST_TEST(es.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(es.second == "Intel Trust Authority token: JWS alg \"ES384\" is not among the "
                            "accepted algorithms (PS384)");
    const std::string payload = json::serialize(flat_payload());
    const std::string none = ccattest::support::sign_jws_compact(
        R"({"alg":"none","kid":"ita-1"})",
        std::span(reinterpret_cast<const uint8_t *>(payload.data()), payload.size()),
        service.key.get(), JwsAlgorithm::ps384);
    const auto unsigned_token = service.refused(none);
    BOOST_TEST(unsigned_token.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(
        unsigned_token.second ==
        "Intel Trust Authority token: JWS alg \"none\" (an unsigned token) is never accepted");
}

BOOST_AUTO_TEST_CASE(issuer_and_validity_window) {
    const Service service;
    const auto other =
        service.refused(service.sign(registered(issued, expires, "https://attacker.example")));
    BOOST_TEST(other.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(other.second == "Intel Trust Authority token: JWT issuer "
                               "\"https://attacker.example\" is not accepted");
    const std::string jwt = service.sign(flat_payload());
    const auto expired = service.refused(jwt, {}, expires);
    BOOST_TEST(expired.first == CCATTEST_E_EXPIRED);
    BOOST_TEST(expired.second == "Intel Trust Authority token: JWT expired at 2026-02-03T08:07:44Z "
                                 "(exp), checked at 2026-02-03T08:07:44Z (skew 0 s)");
    const auto early = service.refused(jwt, {}, issued - 1);
    BOOST_TEST(early.first == CCATTEST_E_EXPIRED);
    BOOST_TEST(early.second ==
               "Intel Trust Authority token: JWT is not valid before "
               "2026-02-03T08:02:44Z (nbf), checked at 2026-02-03T08:02:43Z (skew 0 s)");
    BOOST_TEST(service.verify(jwt, {}, expires - 1).at("tee_type") == "TDX");
}

BOOST_AUTO_TEST_CASE(unknown_kid_and_tampered_payload) {
    const Service service;
    const auto kid = service.refused(service.sign(flat_payload(), JwsAlgorithm::ps384, "ita-2"));
    BOOST_TEST(kid.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(kid.second == "Intel Trust Authority token: no key has the token's kid \"ita-2\"");

    const std::string jwt = service.sign(flat_payload());
    json::object debug = flat_payload();
    debug["tdx_td_attributes"] = "0100000000000000";
    const std::string forged_payload = json::serialize(debug);
    const auto first_dot = jwt.find('.');
    const auto last_dot = jwt.rfind('.');
    const std::string tampered =
        jwt.substr(0, first_dot + 1) +
        ccattest::support::base64url_encode(std::span(
            reinterpret_cast<const uint8_t *>(forged_payload.data()), forged_payload.size())) +
        jwt.substr(last_dot);
    const auto forged = service.refused(tampered);
    BOOST_TEST(forged.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(
        forged.second ==
        "Intel Trust Authority token: JWS PS384 signature does not verify with key \"ita-1\"");
}

BOOST_AUTO_TEST_CASE(report_data_binding) {
    const Service service;
    const std::string jwt = service.sign(flat_payload());
    const auto other = report_data(0x43);
    const auto mismatch = service.refused(jwt, other);
    BOOST_TEST(mismatch.first == CCATTEST_E_BINDING_MISMATCH);
    BOOST_TEST(mismatch.second == "report data in the Intel Trust Authority token "
                                  "(tdx_report_data) differs from the expected report data");
    const std::array<uint8_t, 32> shorter{};
    BOOST_TEST(service.refused(jwt, shorter).first == CCATTEST_E_BINDING_MISMATCH);
}

BOOST_AUTO_TEST_CASE(malformed_tdx_claims) {
    const Service service;
    json::object missing = flat_payload();
    missing.erase("tdx_mrtd");
    const auto absent = service.refused(service.sign(missing));
    BOOST_TEST(absent.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(absent.second ==
               "Intel Trust Authority token: claim \"tdx_mrtd\" is missing or not a string");
    json::object short_rtmr = flat_payload();
    short_rtmr["tdx_rtmr2"] = "b2b2";
    const auto size = service.refused(service.sign(short_rtmr));
    BOOST_TEST(size.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(size.second ==
               "Intel Trust Authority token: claim \"tdx_rtmr2\" is not 48 bytes of hex");
    json::object disagreeing = flat_payload();
    disagreeing["tdx_td_attributes_debug"] = true;
    const auto debug = service.refused(service.sign(disagreeing));
    BOOST_TEST(debug.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(debug.second ==
               "Intel Trust Authority token: claim \"tdx_td_attributes_debug\" disagrees with bit "
               "0 of \"tdx_td_attributes\"");
    json::object not_object = registered();
    not_object["tdx"] = "TDX";
    const auto nested = service.refused(service.sign(not_object));
    BOOST_TEST(nested.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(nested.second == "Intel Trust Authority token: claim \"tdx\" is not an object");
}

BOOST_AUTO_TEST_CASE(jwks_offline_miss_names_why) {
    Service service;
    service.config.jwks_file.reset();
    const auto miss = service.refused(service.sign(flat_payload()));
    BOOST_TEST(miss.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(miss.second ==
               "Intel Trust Authority token: no JWKS to check it with: no jwks_file is configured "
               "and the host offers no network service (an ABI 1.0 host, or one without a network "
               "channel)");
}

BOOST_AUTO_TEST_CASE(jwks_fetched_through_the_host) {
    Service service;
    service.config.jwks_file.reset();
    const std::string jwks = ccattest::support::jwks_text(
        {ccattest::support::jwk_of(service.key.get(), "ita-1", "PS384", "sig")});
    support_test::FakeHost host;
    host.answer = [&](const support_test::FakeHost::Request &) {
        return support_test::FakeHost::Answer{CCATTEST_OK, 200, jwks, CCATTEST_FETCH_FROM_NETWORK,
                                              ""};
    };
    const ccattest::support::CollateralSource online(ccattest::support::Host(&host.api));
    const std::string jwt = service.sign(nested_payload());
    const auto claims = ccattest::tdx::verify_ita_token(jwt, service.config, online, {}, during);
    BOOST_TEST(claims == expected_claims(jwt));
    BOOST_TEST_REQUIRE(host.requests.size() == 1U);
    BOOST_TEST(host.requests.front().url == "https://portal.trustauthority.intel.com/certs");

    host.answer = [](const support_test::FakeHost::Request &) {
        return support_test::FakeHost::Answer{CCATTEST_E_TIMEOUT, 0, "", 0, "timed out"};
    };
    const ccattest::support::CollateralSource slow(ccattest::support::Host(&host.api));
    const auto timeout = refusal(
        [&] { (void)ccattest::tdx::verify_ita_token(jwt, service.config, slow, {}, during); });
    BOOST_TEST(timeout.first == CCATTEST_E_TIMEOUT);
    BOOST_TEST(timeout.second ==
               "Intel Trust Authority token: no JWKS to check it with: no jwks_file is configured "
               "and fetching https://portal.trustauthority.intel.com/certs failed: timed out");
}

BOOST_AUTO_TEST_SUITE_END()
