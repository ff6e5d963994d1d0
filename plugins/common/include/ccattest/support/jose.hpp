// The jose module: JWS compact verification, JWK/JWKS parsing and JWT registered-claim checks, for
// attestation services' tokens (NVIDIA NRAS, Azure MAA). Strict: base64url without padding, JSON
// through parse_json (duplicate members refused), the accepted algorithms from the caller's
// configuration only (never from the token), "none" and HMAC always refused, the key from the
// caller's key set only (a header's jwk, jku, x5u or x5c is never used to find one).
#pragma once

#include "ccattest/support/crypto.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ccattest::support {

enum class JwsAlgorithm { rs256, ps256, es256, es384, ps384 };

/// "RS256", "PS256", "ES256", "ES384", "PS384".
const char *jws_algorithm_name(JwsAlgorithm algorithm) noexcept;
/// The algorithm of a name; nullopt for any other name ("none", "HS256", "RS512").
std::optional<JwsAlgorithm> jws_algorithm_from_name(std::string_view name) noexcept;

/// A public key of a JWK set: RSA (2048 to 8192 bits) or EC (P-256, P-384, the point on
/// the curve).
struct Jwk {
    std::string kid;                  ///< "" when the JWK has none
    std::optional<std::string> alg;   ///< the JWK's "alg": then only that algorithm uses the key
    std::optional<std::string> use;   ///< the JWK's "use": then it must be "sig"
    std::vector<std::string> key_ops; ///< the JWK's "key_ops": then it must hold "verify"
    std::shared_ptr<EVP_PKEY> key;
    /// The JWK's "x5c" (leaf first), whose leaf certifies `key` (parsing checks they match). Not
    /// verified by parsing: verify_x5c or JwsPolicy::x5c_anchors do that.
    std::vector<Certificate> x5c;

    /// Whether the key type and curve fit `algorithm` (RSA for RS/PS, P-256 for ES256, P-384
    /// for ES384).
    [[nodiscard]] bool fits(JwsAlgorithm algorithm) const;
};

/// Most keys a JWK set may hold and most certificates an x5c may hold.
inline constexpr size_t max_jwks_keys = 64;
inline constexpr size_t max_x5c_certificates = 8;

/// One JWK from JSON text or a parsed value. Refuses (sdk::failure(CCATTEST_E_MALFORMED) naming
/// `what` and the member): kty other than RSA or EC ("oct" keys are HMAC secrets), a private key
/// ("d"), values that are not unpadded base64url, an RSA modulus with a leading zero byte, EC
/// coordinates of the wrong length or off the curve, an x5c whose leaf does not hold this key.
/// An RSA key outside 2048..8192 bits throws sdk::failure(CCATTEST_E_VERIFICATION_FAILED).
Jwk parse_jwk(const boost::json::value &value, const std::string &what);
Jwk parse_jwk(std::string_view text, const std::string &what);
/// A JWK set ({"keys": [...]}, at most max_jwks_keys keys), each key under parse_jwk's rules.
std::vector<Jwk> parse_jwks(std::string_view text, const std::string &what);

/// Verifies a JWK's x5c chain to `anchors` at `when` (see verify_chain). Throws
/// sdk::failure(CCATTEST_E_VERIFICATION_FAILED) when the JWK has no x5c.
VerifiedChain verify_x5c(const Jwk &jwk, const std::vector<Certificate> &anchors, int64_t when,
                         const ChainOptions &options = {});

/// What a verifier accepts: comes from its configuration, never from the token.
struct JwsPolicy {
    /// The accepted algorithms; a token whose "alg" is not among them is refused.
    std::vector<JwsAlgorithm> algorithms;
    /// When not empty, the selected key must carry an x5c chain to one of these at the
    /// verification time (under x5c_options).
    std::vector<Certificate> x5c_anchors;
    ChainOptions x5c_options;
    /// Largest token accepted, in bytes.
    size_t max_token_size = size_t{256} * 1024;
};

/// A JWS whose signature verified.
struct VerifiedJws {
    boost::json::object header;
    Bytes payload;
    JwsAlgorithm algorithm = JwsAlgorithm::rs256;
    std::string kid; ///< of the key that verified it ("" when that key has none)
};

/// Verifies a JWS in compact serialization with one of `keys` at time `when` (used for the x5c
/// chain only). Key selection: with a "kid" header, the one key of that kid; without, the one key
/// that fits the algorithm (several candidates are refused: the token must say which). The key's
/// "use", "key_ops" and "alg" must allow the token's algorithm. ES signatures are raw r||s of
/// exactly 64 or 96 bytes (a DER signature is refused). A "crit" header member naming anything is
/// refused (no extension is understood).
/// Throws sdk::failure: CCATTEST_E_MALFORMED when the token does not parse (three parts, base64url,
/// a JSON object header), CCATTEST_E_VERIFICATION_FAILED for the algorithm, key selection or
/// signature, CCATTEST_E_EXPIRED when an x5c certificate is outside its window.
VerifiedJws verify_jws(std::string_view token, const std::vector<Jwk> &keys,
                       const JwsPolicy &policy, int64_t when);

/// The registered claims a JWT verifier checks (iss, exp, nbf, iat).
struct JwtRules {
    /// Accepted issuers ("iss", compared exactly); must not be empty.
    std::vector<std::string> issuers;
    /// Clock difference tolerated on exp, nbf and iat, in seconds.
    int64_t skew_seconds = 0;
    /// Whether a token without "exp" is refused.
    bool require_exp = true;
};

/// Checks the registered claims of a JWT payload at time `when` and returns the claims object.
/// exp: valid while when < exp + skew; nbf: valid from nbf - skew; iat must not be after
/// when + skew. Throws sdk::failure: CCATTEST_E_MALFORMED when the payload is not a JSON object or
/// a claim has the wrong type (exp, nbf, iat integers; iss a string), CCATTEST_E_EXPIRED for
/// exp, nbf and iat outside their windows, CCATTEST_E_VERIFICATION_FAILED for an issuer not
/// accepted; CCATTEST_E_INVALID_ARGUMENT when `rules` accept no issuer.
boost::json::object check_jwt_claims(std::span<const uint8_t> payload, const JwtRules &rules,
                                     int64_t when);

/// A JWT whose signature and registered claims verified.
struct VerifiedJwt {
    VerifiedJws jws;
    boost::json::object claims;
};

/// verify_jws, then check_jwt_claims on its payload.
VerifiedJwt verify_jwt(std::string_view token, const std::vector<Jwk> &keys,
                       const JwsPolicy &policy, const JwtRules &rules, int64_t when);

} // namespace ccattest::support
