// Fuzz target: the support library's JOSE module
// (plugins/common/include/ccattest/support/jose.hpp). Input: options byte, then `token ⟨sep⟩ JWK
// set ⟨sep⟩ claims`.
//  - parse_jwks, parse_jwk (on the set and on its first key), verify_jws, verify_jwt and
//    check_jwt_claims (on the third part) throw only sdk::failure, with a status the module
//    documents and a message;
//  - what verify_jws accepts: its algorithm is one the policy allows and the header's "alg" names,
//    the kid is the selected key's, and a second verification gives the same payload;
//  - nothing is left in OpenSSL's error queue.
// Options: bit 0 allows only ES256/ES384; bit 1 picks the verification time (2025 or 1970+1000 s);
// bits 2-3 the JWT skew (0, 60, 3600, INT64_MAX/2).
#include "fuzz_support.hpp"

#include <ccattest/authorizer.hpp>
#include <ccattest/support/jose.hpp>

#include <openssl/err.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>

namespace {

using ccattest::sdk::failure;
using ccattest::support::JwsAlgorithm;

// Runs `call`; a failure must carry one of `allowed` and a message; anything else is a finding.
template <typename F>
bool survives(const char *what, std::initializer_list<ccattest_status> allowed, F &&call) {
    try {
        call();
        fuzz::require(ERR_peek_error() == 0,
                      std::string(what) + " left OpenSSL's error queue non-empty");
        return true;
    } catch (const failure &e) {
        fuzz::require(ERR_peek_error() == 0,
                      std::string(what) + " left OpenSSL's error queue non-empty");
        fuzz::require(std::find(allowed.begin(), allowed.end(), e.status()) != allowed.end(),
                      std::string(what) + ": unexpected status " + std::to_string(e.status()) +
                          ": " + e.what());
        fuzz::require(e.what()[0] != '\0', std::string(what) + ": failure without a message");
    }
    return false;
}

constexpr std::initializer_list<ccattest_status> parse_statuses = {CCATTEST_E_MALFORMED,
                                                                   CCATTEST_E_VERIFICATION_FAILED};
constexpr std::initializer_list<ccattest_status> verify_statuses = {
    CCATTEST_E_MALFORMED, CCATTEST_E_VERIFICATION_FAILED, CCATTEST_E_EXPIRED};

void check_accepted(const ccattest::support::VerifiedJws &verified, std::string_view token,
                    const std::vector<ccattest::support::Jwk> &keys,
                    const ccattest::support::JwsPolicy &policy, int64_t when) {
    fuzz::require(std::find(policy.algorithms.begin(), policy.algorithms.end(),
                            verified.algorithm) != policy.algorithms.end(),
                  "accepted an algorithm the policy does not allow");
    const auto *alg = verified.header.if_contains("alg");
    fuzz::require(alg != nullptr && alg->is_string() &&
                      alg->get_string() ==
                          ccattest::support::jws_algorithm_name(verified.algorithm),
                  "accepted algorithm differs from the header's alg");
    fuzz::require(std::any_of(keys.begin(), keys.end(),
                              [&](const auto &key) { return key.kid == verified.kid; }),
                  "accepted with a kid no key has");
    const auto again = ccattest::support::verify_jws(token, keys, policy, when);
    fuzz::require(again.payload == verified.payload && again.kid == verified.kid,
                  "a second verification differs");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) {
        return 0;
    }
    const uint8_t options = data[0];
    const auto parts = fuzz::split(fuzz::text_of(data + 1, size - 1), 3);
    const std::string_view token = parts[0];
    const std::string_view jwks = parts.size() > 1 ? parts[1] : std::string_view();
    const std::string_view claims = parts.size() > 2 ? parts[2] : std::string_view();

    ccattest::support::JwsPolicy policy;
    policy.algorithms = (options & 1U) != 0 ? std::vector{JwsAlgorithm::es256, JwsAlgorithm::es384}
                                            : std::vector{JwsAlgorithm::rs256, JwsAlgorithm::ps256,
                                                          JwsAlgorithm::es256, JwsAlgorithm::es384};
    const int64_t when = (options & 2U) != 0 ? 1000 : 1750000000;
    const int64_t skews[] = {0, 60, 3600, std::numeric_limits<int64_t>::max() / 2};
    ccattest::support::JwtRules rules;
    rules.issuers = {"https://issuer.example"};
    rules.skew_seconds = skews[(options >> 2U) & 3U];

    std::vector<ccattest::support::Jwk> keys;
    (void)survives("parse_jwks", parse_statuses,
                   [&] { keys = ccattest::support::parse_jwks(jwks, "fuzz JWKS"); });
    (void)survives("parse_jwk", parse_statuses,
                   [&] { (void)ccattest::support::parse_jwk(jwks, "fuzz JWK"); });
    ccattest::support::VerifiedJws verified;
    if (survives("verify_jws", verify_statuses,
                 [&] { verified = ccattest::support::verify_jws(token, keys, policy, when); })) {
        check_accepted(verified, token, keys, policy, when);
    }
    (void)survives("verify_jwt", verify_statuses,
                   [&] { (void)ccattest::support::verify_jwt(token, keys, policy, rules, when); });
    (void)survives("check_jwt_claims", verify_statuses, [&] {
        (void)ccattest::support::check_jwt_claims(
            std::span(reinterpret_cast<const uint8_t *>(claims.data()), claims.size()), rules,
            when);
    });
    return 0;
}
