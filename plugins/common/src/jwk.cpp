// JWK and JWK set parsing (RSA and EC public keys, x5c certificates).
#include "ccattest/support/jose.hpp"
#include "ccattest/support/json.hpp"
#include "ccattest/support/openssl_ptr.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include <algorithm>

namespace ccattest::support {
using sdk::failure;
namespace json = boost::json;

namespace {

constexpr size_t max_jwks_text = size_t{1} << 20U;
constexpr size_t jwk_json_depth = 8;

std::optional<std::string> optional_string(const json::object &object, std::string_view name,
                                           const std::string &what) {
    const json::value *value = object.if_contains(name);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_string()) {
        throw failure(CCATTEST_E_MALFORMED,
                      what + ": member \"" + std::string(name) + "\" is not a string");
    }
    return std::string(value->get_string());
}

std::string required_string(const json::object &object, std::string_view name,
                            const std::string &what) {
    auto value = optional_string(object, name, what);
    if (!value) {
        throw failure(CCATTEST_E_MALFORMED,
                      what + ": member \"" + std::string(name) + "\" is missing");
    }
    return std::move(*value);
}

Bytes required_base64url(const json::object &object, std::string_view name,
                         const std::string &what) {
    return base64url_decode(required_string(object, name, what),
                            what + ": member \"" + std::string(name) + "\"");
}

std::shared_ptr<EVP_PKEY> rsa_key(const json::object &object, const std::string &what) {
    const Bytes n = required_base64url(object, "n", what);
    const Bytes e = required_base64url(object, "e", what);
    for (const auto &[name, value] : {std::pair{"n", &n}, std::pair{"e", &e}}) {
        if (value->empty() || value->front() == 0) {
            throw failure(CCATTEST_E_MALFORMED,
                          what + ": member \"" + name +
                              "\" is empty or has a leading zero byte (not minimal)");
        }
    }
    if (e.size() > 8) {
        throw failure(CCATTEST_E_MALFORMED,
                      what + ": RSA exponent of " + std::to_string(e.size()) + " bytes");
    }
    const size_t bits = n.size() * 8;
    if (bits > static_cast<size_t>(max_rsa_bits) || bits < 512) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      what + ": RSA key of about " + std::to_string(bits) +
                          " bits is outside the accepted " + std::to_string(min_rsa_bits) + " to " +
                          std::to_string(max_rsa_bits) + " bits");
    }
    return rsa_public_key(n, e, what);
}

std::shared_ptr<EVP_PKEY> ec_key(const json::object &object, const std::string &what) {
    const std::string curve = required_string(object, "crv", what);
    if (curve != "P-256" && curve != "P-384") {
        throw failure(CCATTEST_E_MALFORMED,
                      what + ": curve \"" + curve + "\" is not accepted (P-256, P-384)");
    }
    const size_t size = curve == "P-256" ? 32 : 48;
    const Bytes x = required_base64url(object, "x", what);
    const Bytes y = required_base64url(object, "y", what);
    for (const auto &[name, value] : {std::pair{"x", &x}, std::pair{"y", &y}}) {
        if (value->size() != size) {
            std::string message = what + ": member \"" + name + "\" is ";
            message.append(std::to_string(value->size())).append(" bytes, expected ");
            message.append(std::to_string(size)).append(" for ").append(curve);
            throw failure(CCATTEST_E_MALFORMED, message);
        }
    }
    Bytes x_then_y = x;
    x_then_y.insert(x_then_y.end(), y.begin(), y.end());
    return ec_public_key(curve == "P-256" ? EcdsaAlgorithm::p256_sha256
                                          : EcdsaAlgorithm::p384_sha384,
                         x_then_y, what);
}

std::vector<Certificate> x5c_of(const json::object &object, EVP_PKEY *key,
                                const std::string &what) {
    const json::value *value = object.if_contains("x5c");
    if (value == nullptr) {
        return {};
    }
    const json::array *entries = value->if_array();
    if (entries == nullptr || entries->empty() || entries->size() > max_x5c_certificates) {
        throw failure(CCATTEST_E_MALFORMED, what + ": member \"x5c\" is not an array of 1 to " +
                                                std::to_string(max_x5c_certificates) +
                                                " certificates");
    }
    std::vector<Certificate> out;
    for (size_t i = 0; i < entries->size(); ++i) {
        const std::string where = what + ": x5c[" + std::to_string(i) + "]";
        if (!(*entries)[i].is_string()) {
            throw failure(CCATTEST_E_MALFORMED, where + " is not a string");
        }
        const Bytes der = base64_decode((*entries)[i].get_string(), where);
        out.push_back(Certificate::parse(der, where, Encoding::der));
    }
    if (EVP_PKEY_eq(out.front().public_key(), key) != 1) {
        (void)openssl_error();
        throw failure(CCATTEST_E_MALFORMED, what + ": the x5c leaf certificate (" +
                                                describe_certificate(out.front()) +
                                                ") holds another key than the JWK");
    }
    return out;
}

std::vector<std::string> key_ops_of(const json::object &object, const std::string &what) {
    const json::value *value = object.if_contains("key_ops");
    if (value == nullptr) {
        return {};
    }
    std::vector<std::string> out;
    const json::array *entries = value->if_array();
    if (entries != nullptr) {
        for (const auto &entry : *entries) {
            if (!entry.is_string()) {
                entries = nullptr;
                break;
            }
            out.emplace_back(entry.get_string());
        }
    }
    if (entries == nullptr) {
        throw failure(CCATTEST_E_MALFORMED,
                      what + ": member \"key_ops\" is not an array of strings");
    }
    return out;
}

} // namespace

bool Jwk::fits(JwsAlgorithm algorithm) const {
    switch (algorithm) {
    case JwsAlgorithm::rs256:
    case JwsAlgorithm::ps256:
    case JwsAlgorithm::ps384: return EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_RSA;
    case JwsAlgorithm::es256: return ec_curve_of(key.get()) == "P-256";
    case JwsAlgorithm::es384: return ec_curve_of(key.get()) == "P-384";
    }
    return false;
}

Jwk parse_jwk(const json::value &value, const std::string &what) {
    const json::object *object = value.if_object();
    if (object == nullptr) {
        throw failure(CCATTEST_E_MALFORMED, what + " is not a JSON object");
    }
    Jwk out;
    out.kid = optional_string(*object, "kid", what).value_or("");
    const std::string name = out.kid.empty() ? what : what + " (kid \"" + out.kid + "\")";
    const std::string type = required_string(*object, "kty", name);
    out.alg = optional_string(*object, "alg", name);
    out.use = optional_string(*object, "use", name);
    out.key_ops = key_ops_of(*object, name);
    const char *private_members[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};
    for (const char *member : private_members) {
        if (object->contains(member)) {
            throw failure(CCATTEST_E_MALFORMED, name + " holds private or secret key material (\"" +
                                                    member + "\"), refused in a public key set");
        }
    }
    if (type == "RSA") {
        out.key = rsa_key(*object, name);
    } else if (type == "EC") {
        out.key = ec_key(*object, name);
    } else if (type == "oct") {
        throw failure(CCATTEST_E_MALFORMED,
                      name + ": kty \"oct\" (a symmetric HMAC key) is never accepted");
    } else {
        throw failure(CCATTEST_E_MALFORMED,
                      name + ": kty \"" + type + "\" is not accepted (RSA, EC)");
    }
    out.x5c = x5c_of(*object, out.key.get(), name);
    (void)openssl_error(); // what a successful parse left behind is no reason for a later failure
    return out;
}

Jwk parse_jwk(std::string_view text, const std::string &what) {
    if (text.size() > max_jwks_text) {
        throw failure(CCATTEST_E_MALFORMED, what + " is larger than 1 MiB");
    }
    json::value value;
    try {
        value = parse_json(text, jwk_json_depth);
    } catch (const failure &e) {
        throw failure(CCATTEST_E_MALFORMED, what + ": " + e.what());
    }
    return parse_jwk(value, what);
}

std::vector<Jwk> parse_jwks(std::string_view text, const std::string &what) {
    if (text.size() > max_jwks_text) {
        throw failure(CCATTEST_E_MALFORMED, what + " is larger than 1 MiB");
    }
    json::value value;
    try {
        value = parse_json(text, jwk_json_depth);
    } catch (const failure &e) {
        throw failure(CCATTEST_E_MALFORMED, what + ": " + e.what());
    }
    const json::value *keys = value.is_object() ? value.get_object().if_contains("keys") : nullptr;
    if (keys == nullptr || !keys->is_array()) {
        throw failure(CCATTEST_E_MALFORMED,
                      what + " is not a JWK set (an object with a \"keys\" array)");
    }
    const json::array &entries = keys->get_array();
    if (entries.empty() || entries.size() > max_jwks_keys) {
        throw failure(CCATTEST_E_MALFORMED, what + " holds " + std::to_string(entries.size()) +
                                                " keys, expected 1 to " +
                                                std::to_string(max_jwks_keys));
    }
    std::vector<Jwk> out;
    for (size_t i = 0; i < entries.size(); ++i) {
        out.push_back(parse_jwk(entries[i], what + ", key " + std::to_string(i)));
    }
    return out;
}

VerifiedChain verify_x5c(const Jwk &jwk, const std::vector<Certificate> &anchors, int64_t when,
                         const ChainOptions &options) {
    const std::string name = jwk.kid.empty() ? "the JWK" : "JWK \"" + jwk.kid + "\"";
    if (jwk.x5c.empty()) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      name + " has no x5c certificate chain, which this verifier requires");
    }
    const std::vector<Certificate> intermediates(jwk.x5c.begin() + 1, jwk.x5c.end());
    try {
        return verify_chain(jwk.x5c.front(), intermediates, anchors, when, options);
    } catch (const failure &e) {
        throw failure(e.status(), name + " x5c: " + e.what());
    }
}

} // namespace ccattest::support
