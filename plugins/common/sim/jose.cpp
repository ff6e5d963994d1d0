#include "ccattest/support/sim/jose.hpp"
#include "ccattest/support/openssl_ptr.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>

#include <boost/json/serialize.hpp>

namespace ccattest::support {
using sdk::failure;
namespace json = boost::json;

namespace {

Bytes bignum_param(EVP_PKEY *key, const char *name, size_t width) {
    BIGNUM *raw = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
        throw failure(CCATTEST_E_INTERNAL,
                      std::string("simulator: cannot read key parameter ") + name);
    }
    const std::unique_ptr<BIGNUM, BnDeleter> number(raw);
    Bytes out(width == 0 ? static_cast<size_t>(BN_num_bytes(raw)) : width);
    if (BN_bn2binpad(raw, out.data(), static_cast<int>(out.size())) < 0) {
        throw failure(CCATTEST_E_INTERNAL, std::string("simulator: key parameter ") + name);
    }
    return out;
}

Bytes signature_of(EVP_PKEY *key, JwsAlgorithm algorithm, std::span<const uint8_t> input) {
    switch (algorithm) {
    case JwsAlgorithm::rs256: return rsa_sign(key, RsaAlgorithm::pkcs1_sha256, input);
    case JwsAlgorithm::ps256: return rsa_sign(key, RsaAlgorithm::pss_sha256, input);
    case JwsAlgorithm::ps384: return rsa_sign(key, RsaAlgorithm::pss_sha384, input);
    case JwsAlgorithm::es256:
    case JwsAlgorithm::es384: {
        const auto ecdsa = algorithm == JwsAlgorithm::es256 ? EcdsaAlgorithm::p256_sha256
                                                            : EcdsaAlgorithm::p384_sha384;
        auto [r, s] = ecdsa_sign(key, ecdsa, input);
        r.insert(r.end(), s.begin(), s.end());
        return r;
    }
    }
    return {};
}

} // namespace

std::string sign_jws_compact(std::string_view header_json, std::span<const uint8_t> payload,
                             EVP_PKEY *key, JwsAlgorithm algorithm) {
    std::string input = base64url_encode({reinterpret_cast<const uint8_t *>(header_json.data()),
                                          header_json.size()}) +
                        "." + base64url_encode(payload);
    const Bytes signature = signature_of(
        key, algorithm, {reinterpret_cast<const uint8_t *>(input.data()), input.size()});
    return input + "." + base64url_encode(signature);
}

std::string sign_jws(JwsAlgorithm algorithm, EVP_PKEY *key, std::string_view kid,
                     std::string_view payload, const json::object &extra_header) {
    json::object header{{"alg", jws_algorithm_name(algorithm)}};
    if (!kid.empty()) {
        header["kid"] = kid;
    }
    for (const auto &[name, value] : extra_header) {
        header[name] = value;
    }
    return sign_jws_compact(json::serialize(header),
                            {reinterpret_cast<const uint8_t *>(payload.data()), payload.size()},
                            key, algorithm);
}

json::object jwk_of(EVP_PKEY *key, std::string_view kid, std::string_view alg, std::string_view use,
                    const std::vector<Certificate> &x5c) {
    json::object out;
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
        out["kty"] = "RSA";
        out["n"] = base64url_encode(bignum_param(key, OSSL_PKEY_PARAM_RSA_N, 0));
        out["e"] = base64url_encode(bignum_param(key, OSSL_PKEY_PARAM_RSA_E, 0));
    } else {
        const std::string curve = ec_curve_of(key);
        if (curve.empty()) {
            throw failure(CCATTEST_E_INVALID_ARGUMENT, "simulator: JWK of an unsupported key");
        }
        const size_t width = curve == "P-256" ? 32 : 48;
        out["kty"] = "EC";
        out["crv"] = curve;
        out["x"] = base64url_encode(bignum_param(key, OSSL_PKEY_PARAM_EC_PUB_X, width));
        out["y"] = base64url_encode(bignum_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, width));
    }
    if (!kid.empty()) {
        out["kid"] = kid;
    }
    if (!alg.empty()) {
        out["alg"] = alg;
    }
    if (!use.empty()) {
        out["use"] = use;
    }
    if (!x5c.empty()) {
        json::array chain;
        for (const auto &certificate : x5c) {
            chain.emplace_back(base64_encode(certificate.der()));
        }
        out["x5c"] = std::move(chain);
    }
    return out;
}

std::string jwks_text(const std::vector<json::object> &keys) {
    json::array array;
    for (const auto &key : keys) {
        array.emplace_back(key);
    }
    return json::serialize(json::object{{"keys", std::move(array)}});
}

} // namespace ccattest::support
