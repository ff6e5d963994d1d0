// JWS, JWK/JWKS and JWT claims: openssl-made tokens and keys (tests/data/support), tokens the
// simulation kit signs, and the refusals the module promises.
#include "support_test.hpp"

#include <ccattest/support/jose.hpp>
#include <ccattest/support/json.hpp>
#include <ccattest/support/sim/jose.hpp>

#include <boost/json.hpp>

using namespace support_test;
using ccattest::support::Jwk;
using ccattest::support::JwsAlgorithm;
using ccattest::support::JwsPolicy;
using ccattest::support::JwtRules;
namespace json = boost::json;

namespace {

constexpr int64_t in_2025 = 1750000000;
constexpr const char *issuer = "https://issuer.example";

// One JWK of tests/data/support/jwks.json by kid, as text.
std::string fixture_jwk_text(const std::string &kid) {
    const auto set = ccattest::support::parse_json(fixture_text("jwks.json"));
    for (const auto &key : set.at("keys").as_array()) {
        if (key.at("kid").as_string() == kid) {
            return json::serialize(key);
        }
    }
    BOOST_FAIL("no fixture JWK " + kid);
    return {};
}

Jwk fixture_jwk(const std::string &kid) {
    return ccattest::support::parse_jwk(fixture_jwk_text(kid), "jwks.json");
}

std::vector<Jwk> fixture_keys() {
    return {fixture_jwk("rsa2048"), fixture_jwk("p256"), fixture_jwk("p384")};
}

JwsPolicy all_algorithms() {
    JwsPolicy policy;
    policy.algorithms = {JwsAlgorithm::rs256, JwsAlgorithm::ps256, JwsAlgorithm::es256,
                         JwsAlgorithm::es384};
    return policy;
}

JwtRules rules(int64_t skew = 0) {
    JwtRules out;
    out.issuers = {issuer};
    out.skew_seconds = skew;
    return out;
}

std::pair<ccattest_status, std::string> jws_refusal(const std::string &token,
                                                    const std::vector<Jwk> &keys,
                                                    const JwsPolicy &policy = all_algorithms()) {
    return refusal([&] { (void)ccattest::support::verify_jws(token, keys, policy, in_2025); });
}

std::string payload_of(const json::object &claims) {
    return json::serialize(claims);
}

json::object claims(int64_t exp = 2000000000) {
    return {{"iss", issuer}, {"exp", exp}, {"iat", 1600000000}};
}

// The token with its signature bytes changed by `change`.
std::string resigned(const std::string &token, const std::function<void(Bytes &)> &change) {
    const size_t last = token.rfind('.');
    Bytes signature = ccattest::support::base64url_decode(token.substr(last + 1), "signature");
    change(signature);
    return token.substr(0, last + 1) + ccattest::support::base64url_encode(signature);
}

} // namespace

BOOST_AUTO_TEST_SUITE(support_jose)

BOOST_AUTO_TEST_CASE(openssl_made_tokens_verify_for_every_algorithm) {
    const auto keys = fixture_keys();
    const std::vector<std::tuple<std::string, JwsAlgorithm, std::string>> tokens = {
        {"rs256.jws", JwsAlgorithm::rs256, "rsa2048"},
        {"ps256.jws", JwsAlgorithm::ps256, "rsa2048"},
        {"es256.jws", JwsAlgorithm::es256, "p256"},
        {"es384.jws", JwsAlgorithm::es384, "p384"},
    };
    for (const auto &[file, algorithm, kid] : tokens) {
        const auto verified = ccattest::support::verify_jwt(fixture_text(file), keys,
                                                            all_algorithms(), rules(), in_2025);
        BOOST_TEST(ccattest::support::jws_algorithm_name(verified.jws.algorithm) ==
                       std::string(ccattest::support::jws_algorithm_name(algorithm)),
                   file);
        BOOST_TEST(verified.jws.kid == kid, file);
        BOOST_TEST(verified.jws.header.at("typ").as_string() == "JWT", file);
        BOOST_TEST(verified.claims.at("x-claim").as_string() == "openssl", file);
    }
}

BOOST_AUTO_TEST_CASE(der_signatures_and_small_rsa_keys_are_refused) {
    const auto der = jws_refusal(fixture_text("es256_der_signature.jws"), fixture_keys());
    BOOST_TEST(der.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(der.second.find("ECDSA P-256/SHA-256 signature is 7") == 0u, der.second);
    BOOST_TEST(der.second.find(" bytes, expected 64 (r||s)") != std::string::npos, der.second);

    const auto small = refusal([] { (void)fixture_jwk("rsa1024"); });
    BOOST_TEST(small.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(small.second == "jwks.json (kid \"rsa1024\"): RSA key of 1024 bits is outside the "
                               "accepted 2048 to 8192 bits");
    // A set holding such a key is refused as a whole.
    const auto set = refusal(
        [] { (void)ccattest::support::parse_jwks(fixture_text("jwks.json"), "jwks.json"); });
    BOOST_TEST(set.second.find("jwks.json, key 1 (kid \"rsa1024\"): RSA key of 1024 bits") == 0u,
               set.second);
}

BOOST_AUTO_TEST_CASE(none_hmac_and_unconfigured_algorithms_are_refused) {
    const auto key = fixture_key("p256.key.pem");
    const Bytes payload = bytes_of(payload_of(claims()));
    const auto none = jws_refusal(ccattest::support::sign_jws_compact(
                                      R"({"alg":"none"})", payload, key.get(), JwsAlgorithm::es256),
                                  fixture_keys());
    BOOST_TEST(none.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(none.second == "JWS alg \"none\" (an unsigned token) is never accepted");
    const auto unsigned_token =
        jws_refusal(ccattest::support::base64url_encode(bytes_of(R"({"alg":"none"})")) + "." +
                        ccattest::support::base64url_encode(payload) + ".",
                    fixture_keys());
    BOOST_TEST(unsigned_token.second == none.second);
    const auto hmac =
        jws_refusal(ccattest::support::sign_jws_compact(R"({"alg":"HS256","kid":"p256"})", payload,
                                                        key.get(), JwsAlgorithm::es256),
                    fixture_keys());
    BOOST_TEST(hmac.second == "JWS alg \"HS256\" (HMAC, a shared secret) is never accepted");

    JwsPolicy only_es256;
    only_es256.algorithms = {JwsAlgorithm::es256};
    const auto rs = jws_refusal(fixture_text("rs256.jws"), fixture_keys(), only_es256);
    BOOST_TEST(rs.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(rs.second == "JWS alg \"RS256\" is not among the accepted algorithms (ES256)");
    const auto unknown =
        jws_refusal(ccattest::support::sign_jws_compact(R"({"alg":"RS512"})", payload, key.get(),
                                                        JwsAlgorithm::es256),
                    fixture_keys());
    BOOST_TEST(unknown.second == "JWS alg \"RS512\" is not among the accepted algorithms (RS256, "
                                 "PS256, ES256, ES384)");
    const auto nothing = jws_refusal(fixture_text("es256.jws"), fixture_keys(), JwsPolicy{});
    BOOST_TEST(nothing.second ==
               "JWS alg \"ES256\" is not among the accepted algorithms (none configured)");
}

BOOST_AUTO_TEST_CASE(key_selection_and_the_keys_own_restrictions) {
    const auto p256 = fixture_key("p256.key.pem");
    const auto rsa = fixture_key("rsa2048.key.pem");
    const std::string payload = payload_of(claims());
    const auto rs_token =
        ccattest::support::sign_jws(JwsAlgorithm::rs256, rsa.get(), "rsa2048", payload);

    auto with_alg = ccattest::support::parse_jwk(
        json::serialize(ccattest::support::jwk_of(rsa.get(), "rsa2048", "PS256")), "jwk");
    const auto mismatch = jws_refusal(rs_token, {with_alg});
    BOOST_TEST(mismatch.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(mismatch.second ==
               "key \"rsa2048\" has alg \"PS256\", the token's header alg is \"RS256\"");
    const auto encryption = ccattest::support::parse_jwk(
        json::serialize(ccattest::support::jwk_of(rsa.get(), "rsa2048", "", "enc")), "jwk");
    BOOST_TEST(jws_refusal(rs_token, {encryption}).second ==
               "key \"rsa2048\" has use \"enc\", not \"sig\"");
    json::object wrap_only = ccattest::support::jwk_of(rsa.get(), "rsa2048");
    wrap_only["key_ops"] = json::array{"wrapKey"};
    BOOST_TEST(
        jws_refusal(rs_token, {ccattest::support::parse_jwk(json::serialize(wrap_only), "jwk")})
            .second == "key \"rsa2048\" has key_ops without \"verify\"");

    const auto unknown_kid =
        jws_refusal(ccattest::support::sign_jws(JwsAlgorithm::es256, p256.get(), "other", payload),
                    fixture_keys());
    BOOST_TEST(unknown_kid.second == "no key has the token's kid \"other\"");
    const auto wrong_type = jws_refusal(
        ccattest::support::sign_jws(JwsAlgorithm::es256, p256.get(), "rsa2048", payload),
        fixture_keys());
    BOOST_TEST(wrong_type.second == "key \"rsa2048\" does not fit ES256 (an RSA key)");
    const auto wrong_curve =
        jws_refusal(ccattest::support::sign_jws(JwsAlgorithm::es256, p256.get(), "p384", payload),
                    fixture_keys());
    BOOST_TEST(wrong_curve.second == "key \"p384\" does not fit ES256 (an EC P-384 key)");

    // No kid: the one key that fits is used; two that fit are ambiguous.
    const auto no_kid = ccattest::support::sign_jws(JwsAlgorithm::es256, p256.get(), "", payload);
    BOOST_TEST(
        ccattest::support::verify_jws(no_kid, fixture_keys(), all_algorithms(), in_2025).kid ==
        "p256");
    const auto second_p256 = ccattest::support::generate_key(ccattest::support::KeyKind::p256);
    std::vector<Jwk> two = fixture_keys();
    two.push_back(ccattest::support::parse_jwk(
        json::serialize(ccattest::support::jwk_of(second_p256.get(), "p256-b")), "jwk"));
    const auto ambiguous = jws_refusal(no_kid, two);
    BOOST_TEST(ambiguous.second ==
               "the token has no kid and 2 keys fit ES256: the token must name its key");
    two.push_back(two[1]);
    const auto twice = jws_refusal(
        ccattest::support::sign_jws(JwsAlgorithm::es256, p256.get(), "p256", payload), two);
    BOOST_TEST(twice.second == "2 keys have the token's kid \"p256\": ambiguous");
}

BOOST_AUTO_TEST_CASE(tampered_tokens_are_refused) {
    const auto keys = fixture_keys();
    const std::string token = fixture_text("es256.jws");
    const size_t first = token.find('.');
    const size_t last = token.rfind('.');
    const std::string other_payload = ccattest::support::base64url_encode(
        bytes_of(R"({"iss":"https://issuer.example","exp":2000000001})"));
    const auto payload =
        jws_refusal(token.substr(0, first + 1) + other_payload + token.substr(last), keys);
    BOOST_TEST(payload.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(payload.second == "JWS ES256 signature does not verify with key \"p256\"");
    const auto signature = jws_refusal(resigned(token, [](Bytes &s) { s[5] ^= 0x01U; }), keys);
    BOOST_TEST(signature.second == "JWS ES256 signature does not verify with key \"p256\"");
    const auto shorter = jws_refusal(resigned(token, [](Bytes &s) { s.pop_back(); }), keys);
    BOOST_TEST(shorter.second == "ECDSA P-256/SHA-256 signature is 63 bytes, expected 64 (r||s)");
    const auto rs = fixture_text("rs256.jws");
    BOOST_TEST(jws_refusal(resigned(rs, [](Bytes &s) { s[0] ^= 0x80U; }), keys).second ==
               "JWS RS256 signature does not verify with key \"rsa2048\"");
}

BOOST_AUTO_TEST_CASE(malformed_tokens_are_refused_as_malformed) {
    const auto keys = fixture_keys();
    const std::string token = fixture_text("es256.jws");
    const auto check = [&](const std::string &text, const std::string &message) {
        const auto refused = jws_refusal(text, keys);
        BOOST_TEST(refused.first == CCATTEST_E_MALFORMED, text);
        BOOST_TEST(refused.second == message);
    };
    const std::string parts =
        "JWS is not in compact serialization (three base64url parts separated by '.')";
    check(token + ".x", parts);
    check(token.substr(0, token.rfind('.')), parts);
    check("", parts);
    check("=" + token, "JWS header is not unpadded base64url: character '=' at position 0");
    const auto key = fixture_key("p256.key.pem");
    const Bytes payload = bytes_of(payload_of(claims()));
    check(ccattest::support::sign_jws_compact(R"({"alg":"ES256","alg":"none"})", payload, key.get(),
                                              JwsAlgorithm::es256),
          "JWS header is not valid JSON: line 1, column 20: duplicate member /alg");
    check(ccattest::support::sign_jws_compact(R"(["ES256"])", payload, key.get(),
                                              JwsAlgorithm::es256),
          "JWS header is not a JSON object");
    check(ccattest::support::sign_jws_compact(R"({"alg":256})", payload, key.get(),
                                              JwsAlgorithm::es256),
          "JWS header has no \"alg\" string");
    JwsPolicy small = all_algorithms();
    small.max_token_size = 100;
    BOOST_TEST(jws_refusal(token, keys, small).second ==
               "JWS is " + std::to_string(token.size()) + " bytes, more than the 100 accepted");
}

BOOST_AUTO_TEST_CASE(critical_extensions_are_refused) {
    const auto key = fixture_key("p256.key.pem");
    const Bytes payload = bytes_of(payload_of(claims()));
    const auto crit = jws_refusal(ccattest::support::sign_jws_compact(
                                      R"({"alg":"ES256","kid":"p256","crit":["b64"],"b64":false})",
                                      payload, key.get(), JwsAlgorithm::es256),
                                  fixture_keys());
    BOOST_TEST(crit.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(crit.second ==
               "JWS header \"crit\" names an extension this verifier does not understand: \"b64\"");
    const auto empty = ccattest::support::sign_jws_compact(R"({"alg":"ES256","crit":[]})", payload,
                                                           key.get(), JwsAlgorithm::es256);
    BOOST_TEST(jws_refusal(empty, fixture_keys()).first == CCATTEST_OK);
}

BOOST_AUTO_TEST_CASE(registered_claims_and_skew_edges) {
    const auto key = fixture_key("p384.key.pem");
    const auto keys = fixture_keys();
    const auto token_of = [&](const json::object &body) {
        return ccattest::support::sign_jws(JwsAlgorithm::es384, key.get(), "p384",
                                           payload_of(body));
    };
    const auto outcome = [&](const json::object &body, int64_t when, int64_t skew) {
        return refusal([&] {
            (void)ccattest::support::verify_jwt(token_of(body), keys, all_algorithms(), rules(skew),
                                                when);
        });
    };
    // exp 1000, skew 60: valid through 1059, expired from 1060.
    const json::object expiring = claims(1000);
    BOOST_TEST(outcome({{"iss", issuer}, {"exp", 1000}}, 1059, 60).first == CCATTEST_OK);
    const auto expired = outcome({{"iss", issuer}, {"exp", 1000}}, 1060, 60);
    BOOST_TEST(expired.first == CCATTEST_E_EXPIRED);
    BOOST_TEST(expired.second == "JWT expired at 1970-01-01T00:16:40Z (exp), checked at "
                                 "1970-01-01T00:17:40Z (skew 60 s)");
    BOOST_TEST(outcome({{"iss", issuer}, {"exp", 1000}}, 999, 0).first == CCATTEST_OK);
    BOOST_TEST(outcome({{"iss", issuer}, {"exp", 1000}}, 1000, 0).first == CCATTEST_E_EXPIRED);
    // nbf 2000, skew 60: valid from 1940.
    const json::object later = {{"iss", issuer}, {"exp", 5000}, {"nbf", 2000}};
    BOOST_TEST(outcome(later, 1940, 60).first == CCATTEST_OK);
    const auto early = outcome(later, 1939, 60);
    BOOST_TEST(early.first == CCATTEST_E_EXPIRED);
    BOOST_TEST(early.second == "JWT is not valid before 1970-01-01T00:33:20Z (nbf), checked at "
                               "1970-01-01T00:32:19Z (skew 60 s)");
    // iat after the verification time plus skew.
    const json::object future = {{"iss", issuer}, {"exp", 5000}, {"iat", 3000}};
    BOOST_TEST(outcome(future, 2940, 60).first == CCATTEST_OK);
    const auto issued = outcome(future, 2939, 60);
    BOOST_TEST(issued.first == CCATTEST_E_EXPIRED);
    BOOST_TEST(issued.second == "JWT is issued in the future, at 1970-01-01T00:50:00Z (iat), "
                                "checked at 1970-01-01T00:48:59Z (skew 60 s)");
    // Issuer allow-list and claim types.
    const auto evil = outcome({{"iss", "https://evil.example"}, {"exp", 5000}}, 100, 0);
    BOOST_TEST(evil.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(evil.second == "JWT issuer \"https://evil.example\" is not accepted");
    const auto no_iss = outcome({{"exp", 5000}}, 100, 0);
    BOOST_TEST(no_iss.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(no_iss.second == "JWT has no \"iss\" string claim");
    const auto no_exp = outcome({{"iss", issuer}}, 100, 0);
    BOOST_TEST(no_exp.second == "JWT has no \"exp\" claim, which is required");
    const auto text_exp = outcome({{"iss", issuer}, {"exp", "5000"}}, 100, 0);
    BOOST_TEST(text_exp.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(text_exp.second == "JWT claim \"exp\" is not an integer NumericDate");
    const auto fraction = outcome({{"iss", issuer}, {"exp", 5000.5}}, 100, 0);
    BOOST_TEST(fraction.second == "JWT claim \"exp\" is not an integer NumericDate");
    JwtRules nobody;
    const auto unconfigured = refusal([&] {
        (void)ccattest::support::check_jwt_claims(bytes_of(payload_of(expiring)), nobody, 100);
    });
    BOOST_TEST(unconfigured.first == CCATTEST_E_INVALID_ARGUMENT);
    BOOST_TEST(unconfigured.second == "no JWT issuer is configured as accepted");
    const auto not_object =
        refusal([&] { (void)ccattest::support::check_jwt_claims(bytes_of("[1]"), rules(), 100); });
    BOOST_TEST(not_object.second == "JWT payload is not a JSON object");
}

BOOST_AUTO_TEST_CASE(x5c_chains_are_verified_to_the_configured_roots) {
    const auto root_key = ccattest::support::generate_key(ccattest::support::KeyKind::p384);
    const auto leaf_key = fixture_key("p256.key.pem");
    const auto mint = [](const std::string &subject, const std::string &issuer_name,
                         EVP_PKEY *subject_key, EVP_PKEY *issuer_key, bool authority) {
        ccattest::support::CertificateSpec spec;
        spec.subject = {{"CN", subject}};
        spec.issuer = {{"CN", issuer_name}};
        spec.not_before = 1600000000;
        spec.not_after = 1800000000;
        spec.subject_key = subject_key;
        spec.issuer_key = issuer_key;
        spec.certificate_authority = authority;
        return ccattest::support::make_certificate(spec);
    };
    const auto root = mint("Token Root", "Token Root", root_key.get(), root_key.get(), true);
    const auto signer = mint("Token Signer", "Token Root", leaf_key.get(), root_key.get(), false);
    const auto jwk =
        ccattest::support::parse_jwk(json::serialize(ccattest::support::jwk_of(
                                         leaf_key.get(), "signer", "ES256", "sig", {signer})),
                                     "jwk");
    const auto token = ccattest::support::sign_jws(JwsAlgorithm::es256, leaf_key.get(), "signer",
                                                   payload_of(claims()));
    JwsPolicy policy = all_algorithms();
    policy.x5c_anchors = {root};
    BOOST_TEST(ccattest::support::verify_jws(token, {jwk}, policy, in_2025).kid == "signer");

    const auto other_key = ccattest::support::generate_key(ccattest::support::KeyKind::p384);
    policy.x5c_anchors = {mint("Token Root", "Token Root", other_key.get(), other_key.get(), true)};
    const auto wrong_root = jws_refusal(token, {jwk}, policy);
    BOOST_TEST(wrong_root.first == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(wrong_root.second.find("JWK \"signer\" x5c: certificate chain does not verify at "
                                      "certificate \"Token Signer\"") == 0u,
               wrong_root.second);
    policy.x5c_anchors = {root};
    const auto expired =
        refusal([&] { (void)ccattest::support::verify_jws(token, {jwk}, policy, 1800000001); });
    BOOST_TEST(expired.first == CCATTEST_E_EXPIRED);
    const auto bare = jws_refusal(
        token,
        {ccattest::support::parse_jwk(
            json::serialize(ccattest::support::jwk_of(leaf_key.get(), "signer")), "jwk")},
        policy);
    BOOST_TEST(bare.second ==
               "JWK \"signer\" has no x5c certificate chain, which this verifier requires");
    // An x5c whose leaf holds another key than the JWK is refused when parsed.
    const auto mismatch = refusal([&] {
        (void)ccattest::support::parse_jwk(
            json::serialize(ccattest::support::jwk_of(leaf_key.get(), "signer", "", "", {root})),
            "jwk");
    });
    BOOST_TEST(mismatch.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(mismatch.second == "jwk (kid \"signer\"): the x5c leaf certificate (certificate "
                                  "\"Token Root\") holds another key than the JWK");
}

BOOST_AUTO_TEST_CASE(jwk_parsing_refusals) {
    const auto check = [](const std::string &text, ccattest_status status,
                          const std::string &message) {
        const auto refused = refusal([&] { (void)ccattest::support::parse_jwk(text, "jwk"); });
        BOOST_TEST(refused.first == status, text);
        BOOST_TEST(refused.second == message);
    };
    check(R"({"kty":"oct","k":"c2VjcmV0"})", CCATTEST_E_MALFORMED,
          "jwk holds private or secret key material (\"k\"), refused in a public key set");
    check(R"({"kty":"oct"})", CCATTEST_E_MALFORMED,
          "jwk: kty \"oct\" (a symmetric HMAC key) is never accepted");
    check(R"({"kty":"OKP","crv":"Ed25519","x":"AA"})", CCATTEST_E_MALFORMED,
          "jwk: kty \"OKP\" is not accepted (RSA, EC)");
    check(R"({"kid":"k"})", CCATTEST_E_MALFORMED, "jwk (kid \"k\"): member \"kty\" is missing");
    check(R"({"kty":"RSA","kid":7})", CCATTEST_E_MALFORMED, "jwk: member \"kid\" is not a string");
    check(R"({"kty":"RSA","kty":"EC"})", CCATTEST_E_MALFORMED,
          "jwk: line 1, column 18: duplicate member /kty");
    // The fixture P-256 key with a private scalar, a coordinate off the curve, a short one.
    auto p256 = ccattest::support::parse_json(fixture_jwk_text("p256")).as_object();
    auto with_d = p256;
    with_d["d"] = "AA";
    check(json::serialize(with_d), CCATTEST_E_MALFORMED,
          "jwk (kid \"p256\") holds private or secret key material (\"d\"), refused in a public "
          "key set");
    auto off_curve = p256;
    Bytes y = ccattest::support::base64url_decode(std::string(p256["y"].as_string()), "y");
    y[31] ^= 0x01U;
    off_curve["y"] = ccattest::support::base64url_encode(y);
    const auto off =
        refusal([&] { (void)ccattest::support::parse_jwk(json::serialize(off_curve), "jwk"); });
    BOOST_TEST(off.first == CCATTEST_E_MALFORMED);
    BOOST_TEST((off.second.find("jwk (kid \"p256\"): not a valid EC public key") == 0u ||
                off.second.find("jwk (kid \"p256\"): the EC public key fails its checks") == 0u),
               off.second);
    auto short_x = p256;
    short_x["x"] = "AAAA";
    check(json::serialize(short_x), CCATTEST_E_MALFORMED,
          "jwk (kid \"p256\"): member \"x\" is 3 bytes, expected 32 for P-256");
    auto padded = p256;
    padded["x"] = std::string(p256["x"].as_string()) + "=";
    check(json::serialize(padded), CCATTEST_E_MALFORMED,
          "jwk (kid \"p256\"): member \"x\" is not unpadded base64url: character '=' at "
          "position 43");
    auto other_curve = p256;
    other_curve["crv"] = "P-521";
    check(json::serialize(other_curve), CCATTEST_E_MALFORMED,
          "jwk (kid \"p256\"): curve \"P-521\" is not accepted (P-256, P-384)");
    auto rsa = ccattest::support::parse_json(fixture_jwk_text("rsa2048")).as_object();
    auto leading_zero = rsa;
    Bytes n = ccattest::support::base64url_decode(std::string(rsa["n"].as_string()), "n");
    n.insert(n.begin(), 0);
    leading_zero["n"] = ccattest::support::base64url_encode(n);
    check(json::serialize(leading_zero), CCATTEST_E_MALFORMED,
          "jwk (kid \"rsa2048\"): member \"n\" is empty or has a leading zero byte (not minimal)");
    const auto sets = [](const std::string &text, const std::string &message) {
        const auto refused = refusal([&] { (void)ccattest::support::parse_jwks(text, "jwks"); });
        BOOST_TEST(refused.first == CCATTEST_E_MALFORMED);
        BOOST_TEST(refused.second == message);
    };
    sets(R"({"keys":[]})", "jwks holds 0 keys, expected 1 to 64");
    sets(R"({"key":[]})", "jwks is not a JWK set (an object with a \"keys\" array)");
    sets(R"({"keys":[1]})", "jwks, key 0 is not a JSON object");
}

BOOST_AUTO_TEST_CASE(kit_signer_round_trips_every_algorithm) {
    const auto rsa4096 = ccattest::support::generate_key(ccattest::support::KeyKind::rsa4096);
    const auto p256 = ccattest::support::generate_key(ccattest::support::KeyKind::p256);
    const auto p384 = ccattest::support::generate_key(ccattest::support::KeyKind::p384);
    std::vector<json::object> jwks = {ccattest::support::jwk_of(rsa4096.get(), "rsa", "", "sig"),
                                      ccattest::support::jwk_of(p256.get(), "p256", "ES256"),
                                      ccattest::support::jwk_of(p384.get(), "p384", "ES384")};
    const auto keys = ccattest::support::parse_jwks(ccattest::support::jwks_text(jwks), "kit");
    BOOST_REQUIRE(keys.size() == 3u);
    const std::vector<std::tuple<JwsAlgorithm, EVP_PKEY *, std::string>> cases = {
        {JwsAlgorithm::rs256, rsa4096.get(), "rsa"},
        {JwsAlgorithm::ps256, rsa4096.get(), "rsa"},
        {JwsAlgorithm::es256, p256.get(), "p256"},
        {JwsAlgorithm::es384, p384.get(), "p384"},
    };
    for (const auto &[algorithm, key, kid] : cases) {
        const auto token = ccattest::support::sign_jws(algorithm, key, kid, payload_of(claims()),
                                                       {{"typ", "JWT"}});
        const auto verified =
            ccattest::support::verify_jwt(token, keys, all_algorithms(), rules(), in_2025);
        BOOST_TEST(ccattest::support::jws_algorithm_name(verified.jws.algorithm) ==
                   std::string(ccattest::support::jws_algorithm_name(algorithm)));
        BOOST_TEST(verified.claims.at("iss").as_string() == issuer);
    }
}

BOOST_AUTO_TEST_SUITE_END()
