#include "ccattest/support/signatures.hpp"
#include "ccattest/support/openssl_ptr.hpp"

#include "ccattest/support/crypto.hpp"
#include "ccattest/support/der.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
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

struct ParamBuildDeleter {
    void operator()(OSSL_PARAM_BLD *p) const noexcept { OSSL_PARAM_BLD_free(p); }
};
struct ParamDeleter {
    void operator()(OSSL_PARAM *p) const noexcept { OSSL_PARAM_free(p); }
};
struct PkeyCtxDeleter {
    void operator()(EVP_PKEY_CTX *p) const noexcept { EVP_PKEY_CTX_free(p); }
};

std::shared_ptr<EVP_PKEY> key_from_params(const char *type, OSSL_PARAM_BLD *builder,
                                          const std::string &what) {
    const std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(builder));
    const std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> context(
        EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY *key = nullptr;
    if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
        EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        const std::string reason = openssl_error();
        throw failure(CCATTEST_E_MALFORMED, what + ": not a valid " + type + " public key" +
                                                (reason.empty() ? "" : ": " + reason));
    }
    // A successful import can leave entries behind (OpenSSL tries more than one decoder): they
    // are no reason for a later failure.
    (void)openssl_error();
    std::shared_ptr<EVP_PKEY> owned(key, EVP_PKEY_free);
    const std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> check(
        EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1) {
        (void)openssl_error();
        throw failure(CCATTEST_E_MALFORMED, what + ": the " + type +
                                                " public key fails its checks (for EC: the "
                                                "point is not on the curve)");
    }
    (void)openssl_error();
    return owned;
}

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

std::shared_ptr<EVP_PKEY> ec_public_key(EcdsaAlgorithm algorithm, std::span<const uint8_t> x_then_y,
                                        const std::string &what) {
    const size_t size = 2 * ecdsa_scalar_size(algorithm);
    if (x_then_y.size() != size) {
        throw failure(CCATTEST_E_MALFORMED,
                      what + ": EC public key of " + std::to_string(x_then_y.size()) +
                          " bytes, expected " + std::to_string(size) + " (x||y)");
    }
    Bytes point{0x04};
    point.insert(point.end(), x_then_y.begin(), x_then_y.end());
    const char *group = algorithm == EcdsaAlgorithm::p256_sha256 ? "prime256v1" : "secp384r1";
    const std::unique_ptr<OSSL_PARAM_BLD, ParamBuildDeleter> builder(OSSL_PARAM_BLD_new());
    if (!builder ||
        OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1) {
        throw failure(CCATTEST_E_NO_MEMORY, what + ": cannot build an EC key");
    }
    return key_from_params("EC", builder.get(), what);
}

std::shared_ptr<EVP_PKEY> rsa_public_key(std::span<const uint8_t> modulus,
                                         std::span<const uint8_t> exponent,
                                         const std::string &what) {
    const BnPtr n(BN_bin2bn(modulus.data(), static_cast<int>(modulus.size()), nullptr));
    const BnPtr e(BN_bin2bn(exponent.data(), static_cast<int>(exponent.size()), nullptr));
    const std::unique_ptr<OSSL_PARAM_BLD, ParamBuildDeleter> builder(OSSL_PARAM_BLD_new());
    if (!n || !e || !builder ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
        throw failure(CCATTEST_E_NO_MEMORY, what + ": cannot build an RSA key");
    }
    auto key = key_from_params("RSA", builder.get(), what);
    try {
        require_rsa_key(key.get());
    } catch (const failure &e_) {
        throw failure(e_.status(), what + ": " + e_.what());
    }
    return key;
}

} // namespace ccattest::support
