// JWS compact verification and JWT registered-claim checks.
#include "ccattest/support/jose.hpp"
#include "ccattest/support/json.hpp"

#include <algorithm>
#include <limits>

namespace ccattest::support {
using sdk::failure;
namespace json = boost::json;

namespace {

constexpr size_t jose_json_depth = 16;

struct CompactParts {
    std::string_view header;
    std::string_view payload;
    std::string_view signature;
};

CompactParts split_compact(std::string_view token, size_t max_size) {
    if (token.size() > max_size) {
        throw failure(CCATTEST_E_MALFORMED, "JWS is " + std::to_string(token.size()) +
                                                " bytes, more than the " +
                                                std::to_string(max_size) + " accepted");
    }
    const size_t first = token.find('.');
    const size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
        throw failure(CCATTEST_E_MALFORMED,
                      "JWS is not in compact serialization (three base64url parts separated by "
                      "'.')");
    }
    return {token.substr(0, first), token.substr(first + 1, second - first - 1),
            token.substr(second + 1)};
}

json::object parse_object(std::span<const uint8_t> bytes, const std::string &what) {
    json::value value;
    try {
        value = parse_json({reinterpret_cast<const char *>(bytes.data()), bytes.size()},
                           jose_json_depth);
    } catch (const failure &e) {
        throw failure(CCATTEST_E_MALFORMED, what + " is not valid JSON: " + e.what());
    }
    if (!value.is_object()) {
        throw failure(CCATTEST_E_MALFORMED, what + " is not a JSON object");
    }
    return std::move(value.get_object());
}

std::string accepted_names(const std::vector<JwsAlgorithm> &algorithms) {
    std::string out;
    for (const JwsAlgorithm algorithm : algorithms) {
        out += (out.empty() ? "" : ", ") + std::string(jws_algorithm_name(algorithm));
    }
    return out.empty() ? "none configured" : out;
}

// The header's algorithm, if the policy accepts it.
JwsAlgorithm algorithm_of(const json::object &header, const JwsPolicy &policy) {
    const json::value *alg = header.if_contains("alg");
    if (alg == nullptr || !alg->is_string()) {
        throw failure(CCATTEST_E_MALFORMED, "JWS header has no \"alg\" string");
    }
    const std::string name(alg->get_string());
    if (name == "none") {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "JWS alg \"none\" (an unsigned token) is never accepted");
    }
    if (name.rfind("HS", 0) == 0) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "JWS alg \"" + name + "\" (HMAC, a shared secret) is never accepted");
    }
    const auto known = jws_algorithm_from_name(name);
    if (!known || std::find(policy.algorithms.begin(), policy.algorithms.end(), *known) ==
                      policy.algorithms.end()) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "JWS alg \"" + name + "\" is not among the accepted algorithms (" +
                          accepted_names(policy.algorithms) + ")");
    }
    return *known;
}

void refuse_critical(const json::object &header) {
    const json::value *crit = header.if_contains("crit");
    if (crit == nullptr) {
        return;
    }
    const json::array *names = crit->if_array();
    if (names == nullptr) {
        throw failure(CCATTEST_E_MALFORMED, "JWS header \"crit\" is not an array");
    }
    if (!names->empty()) {
        const std::string first =
            (*names)[0].is_string() ? std::string((*names)[0].get_string()) : "(not a string)";
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "JWS header \"crit\" names an extension this verifier does not "
                      "understand: \"" +
                          first + "\"");
    }
}

std::string key_name(const Jwk &key) {
    return key.kid.empty() ? "the key without kid" : "key \"" + key.kid + "\"";
}

// Whether the JWK's own restrictions allow `algorithm`; the reason when not.
std::optional<std::string> key_refuses(const Jwk &key, JwsAlgorithm algorithm) {
    const std::string name = jws_algorithm_name(algorithm);
    if (key.use && *key.use != "sig") {
        return key_name(key) + " has use \"" + *key.use + "\", not \"sig\"";
    }
    if (!key.key_ops.empty() &&
        std::find(key.key_ops.begin(), key.key_ops.end(), "verify") == key.key_ops.end()) {
        return key_name(key) + " has key_ops without \"verify\"";
    }
    if (key.alg && *key.alg != name) {
        return key_name(key) + " has alg \"" + *key.alg + "\", the token's header alg is \"" +
               name + "\"";
    }
    if (!key.fits(algorithm)) {
        return key_name(key) + " does not fit " + name + " (" +
               (EVP_PKEY_get_base_id(key.key.get()) == EVP_PKEY_RSA
                    ? std::string("an RSA key")
                    : "an EC " + ec_curve_of(key.key.get()) + " key") +
               ")";
    }
    return std::nullopt;
}

const Jwk &select_key(const json::object &header, const std::vector<Jwk> &keys,
                      JwsAlgorithm algorithm) {
    const json::value *kid = header.if_contains("kid");
    if (kid != nullptr) {
        if (!kid->is_string()) {
            throw failure(CCATTEST_E_MALFORMED, "JWS header \"kid\" is not a string");
        }
        const std::string wanted(kid->get_string());
        std::vector<const Jwk *> matches;
        for (const Jwk &key : keys) {
            if (key.kid == wanted) {
                matches.push_back(&key);
            }
        }
        if (matches.size() != 1) {
            throw failure(CCATTEST_E_VERIFICATION_FAILED,
                          matches.empty()
                              ? "no key has the token's kid \"" + wanted + "\""
                              : std::to_string(matches.size()) + " keys have the token's kid \"" +
                                    wanted + "\": ambiguous");
        }
        if (const auto reason = key_refuses(*matches.front(), algorithm)) {
            throw failure(CCATTEST_E_VERIFICATION_FAILED, *reason);
        }
        return *matches.front();
    }
    std::vector<const Jwk *> candidates;
    for (const Jwk &key : keys) {
        if (!key_refuses(key, algorithm)) {
            candidates.push_back(&key);
        }
    }
    if (candidates.size() != 1) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "the token has no kid and " + std::to_string(candidates.size()) +
                          " keys fit " + jws_algorithm_name(algorithm) +
                          (candidates.empty() ? "" : ": the token must name its key"));
    }
    return *candidates.front();
}

bool signature_verifies(const Jwk &key, JwsAlgorithm algorithm, std::span<const uint8_t> input,
                        std::span<const uint8_t> signature) {
    switch (algorithm) {
    case JwsAlgorithm::rs256:
        return rsa_verify(key.key.get(), RsaAlgorithm::pkcs1_sha256, input, signature);
    case JwsAlgorithm::ps256:
        return rsa_verify(key.key.get(), RsaAlgorithm::pss_sha256, input, signature);
    case JwsAlgorithm::es256:
        return ecdsa_verify_raw(key.key.get(), EcdsaAlgorithm::p256_sha256, input, signature);
    case JwsAlgorithm::es384:
        return ecdsa_verify_raw(key.key.get(), EcdsaAlgorithm::p384_sha384, input, signature);
    case JwsAlgorithm::ps384:
        return rsa_verify(key.key.get(), RsaAlgorithm::pss_sha384, input, signature);
    }
    return false;
}

std::optional<int64_t> numeric_date(const json::object &claims, std::string_view name) {
    const json::value *value = claims.if_contains(name);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (value->is_int64()) {
        return value->get_int64();
    }
    if (value->is_uint64() &&
        value->get_uint64() <= uint64_t{std::numeric_limits<int64_t>::max()}) {
        return static_cast<int64_t>(value->get_uint64());
    }
    throw failure(CCATTEST_E_MALFORMED,
                  "JWT claim \"" + std::string(name) + "\" is not an integer NumericDate");
}

// a + b without overflow (clamped).
int64_t add_clamped(int64_t a, int64_t b) {
    int64_t out = 0;
    if (__builtin_add_overflow(a, b, &out)) {
        return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
    }
    return out;
}

void check_times(const json::object &claims, const JwtRules &rules, int64_t when) {
    const auto exp = numeric_date(claims, "exp");
    const auto nbf = numeric_date(claims, "nbf");
    const auto iat = numeric_date(claims, "iat");
    const std::string skew = " (skew " + std::to_string(rules.skew_seconds) + " s)";
    if (!exp && rules.require_exp) {
        throw failure(CCATTEST_E_MALFORMED, "JWT has no \"exp\" claim, which is required");
    }
    if (exp && when >= add_clamped(*exp, rules.skew_seconds)) {
        throw failure(CCATTEST_E_EXPIRED, "JWT expired at " + rfc3339(*exp) +
                                              " (exp), checked at " + rfc3339(when) + skew);
    }
    if (nbf && when < add_clamped(*nbf, -rules.skew_seconds)) {
        throw failure(CCATTEST_E_EXPIRED, "JWT is not valid before " + rfc3339(*nbf) +
                                              " (nbf), checked at " + rfc3339(when) + skew);
    }
    if (iat && *iat > add_clamped(when, rules.skew_seconds)) {
        throw failure(CCATTEST_E_EXPIRED, "JWT is issued in the future, at " + rfc3339(*iat) +
                                              " (iat), checked at " + rfc3339(when) + skew);
    }
}

} // namespace

const char *jws_algorithm_name(JwsAlgorithm algorithm) noexcept {
    switch (algorithm) {
    case JwsAlgorithm::rs256: return "RS256";
    case JwsAlgorithm::ps256: return "PS256";
    case JwsAlgorithm::es256: return "ES256";
    case JwsAlgorithm::es384: return "ES384";
    case JwsAlgorithm::ps384: return "PS384";
    }
    return "?";
}

std::optional<JwsAlgorithm> jws_algorithm_from_name(std::string_view name) noexcept {
    for (const JwsAlgorithm algorithm :
         {JwsAlgorithm::rs256, JwsAlgorithm::ps256, JwsAlgorithm::es256, JwsAlgorithm::es384,
          JwsAlgorithm::ps384}) {
        if (name == jws_algorithm_name(algorithm)) {
            return algorithm;
        }
    }
    return std::nullopt;
}

VerifiedJws verify_jws(std::string_view token, const std::vector<Jwk> &keys,
                       const JwsPolicy &policy, int64_t when) {
    const CompactParts parts = split_compact(token, policy.max_token_size);
    VerifiedJws out;
    out.header = parse_object(base64url_decode(parts.header, "JWS header"), "JWS header");
    out.algorithm = algorithm_of(out.header, policy);
    refuse_critical(out.header);
    out.payload = base64url_decode(parts.payload, "JWS payload");
    const Bytes signature = base64url_decode(parts.signature, "JWS signature");
    const Jwk &key = select_key(out.header, keys, out.algorithm);
    out.kid = key.kid;
    if (!policy.x5c_anchors.empty()) {
        (void)verify_x5c(key, policy.x5c_anchors, when, policy.x5c_options);
    }
    // The signing input is the ASCII of header '.' payload exactly as the token spells them.
    const std::string_view input = token.substr(0, parts.header.size() + 1 + parts.payload.size());
    if (!signature_verifies(key, out.algorithm,
                            {reinterpret_cast<const uint8_t *>(input.data()), input.size()},
                            signature)) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      std::string("JWS ") + jws_algorithm_name(out.algorithm) +
                          " signature does not verify with " + key_name(key));
    }
    return out;
}

json::object check_jwt_claims(std::span<const uint8_t> payload, const JwtRules &rules,
                              int64_t when) {
    if (rules.issuers.empty()) {
        throw failure(CCATTEST_E_INVALID_ARGUMENT, "no JWT issuer is configured as accepted");
    }
    json::object claims = parse_object(payload, "JWT payload");
    check_times(claims, rules, when);
    const json::value *iss = claims.if_contains("iss");
    if (iss == nullptr || !iss->is_string()) {
        throw failure(CCATTEST_E_MALFORMED, "JWT has no \"iss\" string claim");
    }
    if (std::find(rules.issuers.begin(), rules.issuers.end(), iss->get_string()) ==
        rules.issuers.end()) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "JWT issuer \"" + std::string(iss->get_string()) + "\" is not accepted");
    }
    return claims;
}

VerifiedJwt verify_jwt(std::string_view token, const std::vector<Jwk> &keys,
                       const JwsPolicy &policy, const JwtRules &rules, int64_t when) {
    VerifiedJwt out;
    out.jws = verify_jws(token, keys, policy, when);
    out.claims = check_jwt_claims(out.jws.payload, rules, when);
    return out;
}

} // namespace ccattest::support
