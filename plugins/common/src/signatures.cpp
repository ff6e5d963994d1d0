#include "ccattest/support/signatures.hpp"
#include "ccattest/support/openssl_ptr.hpp"

#include "ccattest/support/der.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <array>
#include <memory>

namespace ccattest::support {
using sdk::failure;

namespace {

struct SigDeleter {
    void operator()(ECDSA_SIG *p) const noexcept { ECDSA_SIG_free(p); }
};
struct OpensslFree {
    void operator()(unsigned char *p) const noexcept { OPENSSL_free(p); }
};
struct GroupDeleter {
    void operator()(EC_GROUP *p) const noexcept { EC_GROUP_free(p); }
};

void drain() noexcept {
    ERR_clear_error();
}

std::string key_kind(EVP_PKEY *key) {
    if (key == nullptr) {
        return "no key";
    }
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
        return "an RSA key";
    }
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA_PSS) {
        return "an RSA-PSS-only key";
    }
    const std::string curve = ec_curve_of(key);
    if (!curve.empty()) {
        return "a " + curve + " key";
    }
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
        return "an EC key on another curve";
    }
    return std::string("a ") + EVP_PKEY_get0_type_name(key) + " key";
}

const EVP_MD *ecdsa_digest(EcdsaAlgorithm algorithm) {
    return algorithm == EcdsaAlgorithm::p256_sha256 ? EVP_sha256() : EVP_sha384();
}

bool is_pss(RsaAlgorithm algorithm) {
    return algorithm == RsaAlgorithm::pss_sha256 || algorithm == RsaAlgorithm::pss_sha384;
}

const EVP_MD *rsa_digest(RsaAlgorithm algorithm) {
    return algorithm == RsaAlgorithm::pkcs1_sha256 || algorithm == RsaAlgorithm::pss_sha256
               ? EVP_sha256()
               : EVP_sha384();
}

// Big-endian bytes of an integer given in `order`.
Bytes big_endian_of(std::span<const uint8_t> value, ByteOrder order) {
    Bytes out(value.begin(), value.end());
    if (order == ByteOrder::little_endian) {
        std::reverse(out.begin(), out.end());
    }
    return out;
}

bool digest_verify(EVP_PKEY *key, const EVP_MD *digest, std::span<const uint8_t> message,
                   std::span<const uint8_t> signature, std::optional<RsaAlgorithm> rsa) {
    const std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> context(EVP_MD_CTX_new());
    EVP_PKEY_CTX *key_context = nullptr;
    bool ok =
        context && EVP_DigestVerifyInit(context.get(), &key_context, digest, nullptr, key) == 1;
    if (ok && rsa) {
        ok = EVP_PKEY_CTX_set_rsa_padding(key_context, is_pss(*rsa) ? RSA_PKCS1_PSS_PADDING
                                                                    : RSA_PKCS1_PADDING) == 1;
        if (ok && is_pss(*rsa)) {
            ok = EVP_PKEY_CTX_set_rsa_pss_saltlen(key_context, RSA_PSS_SALTLEN_DIGEST) == 1 &&
                 EVP_PKEY_CTX_set_rsa_mgf1_md(key_context, digest) == 1;
        }
    }
    if (!ok) {
        drain();
        throw failure(CCATTEST_E_INTERNAL, "cannot set up a signature check");
    }
    ok = EVP_DigestVerify(context.get(), signature.data(), signature.size(), message.data(),
                          message.size()) == 1;
    drain(); // a bad signature leaves reasons in the queue: not a reason for a later failure
    return ok;
}

} // namespace

std::string ec_curve_of(EVP_PKEY *key) {
    std::array<char, 80> group{};
    size_t length = 0;
    if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC ||
        EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                       &length) != 1) {
        drain();
        return {};
    }
    const int nid = OBJ_txt2nid(group.data());
    return nid == NID_X9_62_prime256v1 ? "P-256" : nid == NID_secp384r1 ? "P-384" : "";
}

size_t ecdsa_scalar_size(EcdsaAlgorithm algorithm) noexcept {
    return algorithm == EcdsaAlgorithm::p256_sha256 ? 32 : 48;
}

const char *ecdsa_algorithm_name(EcdsaAlgorithm algorithm) noexcept {
    return algorithm == EcdsaAlgorithm::p256_sha256 ? "ECDSA P-256/SHA-256" : "ECDSA P-384/SHA-384";
}

const char *rsa_algorithm_name(RsaAlgorithm algorithm) noexcept {
    switch (algorithm) {
    case RsaAlgorithm::pkcs1_sha256: return "RSASSA-PKCS1-v1_5/SHA-256";
    case RsaAlgorithm::pkcs1_sha384: return "RSASSA-PKCS1-v1_5/SHA-384";
    case RsaAlgorithm::pss_sha256: return "RSASSA-PSS/SHA-256";
    case RsaAlgorithm::pss_sha384: return "RSASSA-PSS/SHA-384";
    }
    return "RSA";
}

void require_ecdsa_key(EVP_PKEY *key, EcdsaAlgorithm algorithm) {
    const char *wanted = algorithm == EcdsaAlgorithm::p256_sha256 ? "P-256" : "P-384";
    if (ec_curve_of(key) != wanted) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED, std::string(ecdsa_algorithm_name(algorithm)) +
                                                          " needs a " + wanted + " key, this is " +
                                                          key_kind(key));
    }
}

void require_rsa_key(EVP_PKEY *key) {
    if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "an RSA signature needs an RSA key, this is " + key_kind(key));
    }
    const int bits = EVP_PKEY_get_bits(key);
    if (bits < min_rsa_bits || bits > max_rsa_bits) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED, "RSA key of " + std::to_string(bits) +
                                                          " bits is outside the accepted " +
                                                          std::to_string(min_rsa_bits) + " to " +
                                                          std::to_string(max_rsa_bits) + " bits");
    }
}

bool ecdsa_s_is_low(EVP_PKEY *key, std::span<const uint8_t> s_big_endian) {
    std::array<char, 80> group{};
    size_t length = 0;
    if (key == nullptr ||
        EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                       &length) != 1) {
        drain();
        throw failure(CCATTEST_E_INVALID_ARGUMENT, "the key is not an EC key on a named curve");
    }
    const std::unique_ptr<EC_GROUP, GroupDeleter> curve(
        EC_GROUP_new_by_curve_name(OBJ_txt2nid(group.data())));
    const std::unique_ptr<BIGNUM, BnDeleter> half(BN_new());
    const std::unique_ptr<BIGNUM, BnDeleter> s(
        BN_bin2bn(s_big_endian.data(), static_cast<int>(s_big_endian.size()), nullptr));
    if (!curve || !half || !s || BN_rshift1(half.get(), EC_GROUP_get0_order(curve.get())) != 1) {
        drain();
        throw failure(CCATTEST_E_INTERNAL,
                      std::string("cannot compute half the order of curve ") + group.data());
    }
    return BN_cmp(s.get(), half.get()) <= 0;
}

bool ecdsa_verify(EVP_PKEY *key, EcdsaAlgorithm algorithm, std::span<const uint8_t> message,
                  std::span<const uint8_t> r, std::span<const uint8_t> s, EcdsaSignatureForm form,
                  ByteOrder order) {
    require_ecdsa_key(key, algorithm);
    const Bytes r_big = big_endian_of(r, order);
    const Bytes s_big = big_endian_of(s, order);
    if (form == EcdsaSignatureForm::low_s && !ecdsa_s_is_low(key, s_big)) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "ECDSA signature has a high s (above half the curve order), which this "
                      "signer never produces");
    }
    const std::unique_ptr<ECDSA_SIG, SigDeleter> signature(ECDSA_SIG_new());
    BIGNUM *r_number = BN_bin2bn(r_big.data(), static_cast<int>(r_big.size()), nullptr);
    BIGNUM *s_number = BN_bin2bn(s_big.data(), static_cast<int>(s_big.size()), nullptr);
    if (!signature || r_number == nullptr || s_number == nullptr ||
        ECDSA_SIG_set0(signature.get(), r_number, s_number) != 1) {
        BN_free(r_number);
        BN_free(s_number);
        throw failure(CCATTEST_E_NO_MEMORY, "cannot build an ECDSA signature");
    }
    unsigned char *der = nullptr;
    const int der_length = i2d_ECDSA_SIG(signature.get(), &der);
    if (der_length <= 0) {
        throw failure(CCATTEST_E_INTERNAL, "cannot encode an ECDSA signature");
    }
    const std::unique_ptr<unsigned char, OpensslFree> der_owner(der);
    return digest_verify(key, ecdsa_digest(algorithm), message,
                         {der, static_cast<size_t>(der_length)}, std::nullopt);
}

bool ecdsa_verify_raw(EVP_PKEY *key, EcdsaAlgorithm algorithm, std::span<const uint8_t> message,
                      std::span<const uint8_t> r_then_s, EcdsaSignatureForm form, ByteOrder order) {
    const size_t half = ecdsa_scalar_size(algorithm);
    if (r_then_s.size() != 2 * half) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      std::string(ecdsa_algorithm_name(algorithm)) + " signature is " +
                          std::to_string(r_then_s.size()) + " bytes, expected " +
                          std::to_string(2 * half) + " (r||s)");
    }
    return ecdsa_verify(key, algorithm, message, r_then_s.first(half), r_then_s.subspan(half), form,
                        order);
}

bool ecdsa_verify_der(EVP_PKEY *key, EcdsaAlgorithm algorithm, std::span<const uint8_t> message,
                      std::span<const uint8_t> der, EcdsaSignatureForm form) {
    DerReader outer(der, "ECDSA signature");
    DerReader value = outer.enter("Ecdsa-Sig-Value");
    outer.expect_end("Ecdsa-Sig-Value");
    const auto r = value.integer_bytes("r");
    const auto s = value.integer_bytes("s");
    value.expect_end("s");
    if ((r[0] & 0x80U) != 0 || (s[0] & 0x80U) != 0) {
        throw failure(CCATTEST_E_MALFORMED, "ECDSA signature has a negative r or s");
    }
    return ecdsa_verify(key, algorithm, message, r, s, form);
}

bool rsa_verify(EVP_PKEY *key, RsaAlgorithm algorithm, std::span<const uint8_t> message,
                std::span<const uint8_t> signature) {
    require_rsa_key(key);
    return digest_verify(key, rsa_digest(algorithm), message, signature, algorithm);
}

} // namespace ccattest::support
