// Signature checks: ECDSA P-256/SHA-256 and P-384/SHA-384 (r and s in either byte order, raw r||s,
// or DER) and RSA PKCS#1 v1.5 and PSS with SHA-256/384. Every check first makes sure the key fits
// the algorithm (an RSA key never checks an ECDSA signature, a P-256 key never a P-384 one).
#pragma once

#include "ccattest/support/bytes.hpp"

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace ccattest::support {

enum class EcdsaAlgorithm {
    p256_sha256, ///< NIST P-256 with SHA-256 (TDX quotes, SPDM, ES256)
    p384_sha384, ///< NIST P-384 with SHA-384 (SEV-SNP reports, SPDM, ES384)
};

enum class RsaAlgorithm {
    pkcs1_sha256, ///< RSASSA-PKCS1-v1_5 (RS256)
    pkcs1_sha384,
    pss_sha256, ///< RSASSA-PSS, MGF1 with the same hash, salt as long as the hash (PS256)
    pss_sha384,
};

/// How r and s are laid out: big-endian (TDX, SPDM, JOSE) or little-endian (AMD's SEV-SNP
/// reports).
enum class ByteOrder { big_endian, little_endian };

/// Which ECDSA signatures a platform's signer produces. (r, s) and (r, n - s) are both valid
/// signatures of one message, so anyone can turn one signed piece of evidence into a second,
/// different byte string that also verifies.
///
/// Rule for every plugin: a replay key (the evidence_digest claim) never covers signature bytes;
/// it is a digest of the signed bytes only, so both forms are one piece of evidence. Where a
/// platform's signer is documented to produce low-s signatures only, its plugin also passes
/// low_s, which refuses the other form outright. Where it is not (AMD's SEV-SNP firmware makes
/// no such promise), refusing high s would refuse genuine evidence: use any.
enum class EcdsaSignatureForm {
    any,   ///< s in [1, n-1], as ECDSA defines
    low_s, ///< additionally s <= n/2
};

/// Smallest and largest RSA modulus any check accepts.
inline constexpr int min_rsa_bits = 2048;
inline constexpr int max_rsa_bits = 8192;

/// "P-256", "P-384", or "" when the key is not an EC key on one of them.
std::string ec_curve_of(EVP_PKEY *key);
/// Bytes of one coordinate / scalar of the algorithm's curve (32 or 48).
size_t ecdsa_scalar_size(EcdsaAlgorithm algorithm) noexcept;
const char *ecdsa_algorithm_name(EcdsaAlgorithm algorithm) noexcept; ///< "ECDSA P-256/SHA-256"
const char *rsa_algorithm_name(RsaAlgorithm algorithm) noexcept;     ///< "RSASSA-PSS/SHA-256"

/// Throws sdk::failure(CCATTEST_E_VERIFICATION_FAILED) unless `key` is an EC key on the
/// algorithm's curve ("ECDSA P-384/SHA-384 needs a P-384 key, this is an RSA key").
void require_ecdsa_key(EVP_PKEY *key, EcdsaAlgorithm algorithm);
/// Throws sdk::failure(CCATTEST_E_VERIFICATION_FAILED) unless `key` is an RSA key of
/// min_rsa_bits..max_rsa_bits.
void require_rsa_key(EVP_PKEY *key);

/// Whether s (big-endian) is at most half the order of `key`'s curve. Throws
/// sdk::failure(CCATTEST_E_INVALID_ARGUMENT) when the key is not an EC key on a named curve.
bool ecdsa_s_is_low(EVP_PKEY *key, std::span<const uint8_t> s_big_endian);

/// The one ECDSA check: r and s as separate integers in `order` (leading zero bytes allowed, as in
/// AMD's 72-byte fields), over the algorithm's hash of `message`. False when the signature does
/// not verify. Throws sdk::failure(CCATTEST_E_VERIFICATION_FAILED) when the key does not fit the
/// algorithm, and, with EcdsaSignatureForm::low_s, when s is above n/2 (a precise reason rather
/// than "does not verify").
bool ecdsa_verify(EVP_PKEY *key, EcdsaAlgorithm algorithm, std::span<const uint8_t> message,
                  std::span<const uint8_t> r, std::span<const uint8_t> s,
                  EcdsaSignatureForm form = EcdsaSignatureForm::any,
                  ByteOrder order = ByteOrder::big_endian);
/// ecdsa_verify of r||s, each exactly ecdsa_scalar_size bytes; another length throws
/// sdk::failure(CCATTEST_E_VERIFICATION_FAILED) ("... is 70 bytes, expected 64 (r||s)").
bool ecdsa_verify_raw(EVP_PKEY *key, EcdsaAlgorithm algorithm, std::span<const uint8_t> message,
                      std::span<const uint8_t> r_then_s,
                      EcdsaSignatureForm form = EcdsaSignatureForm::any,
                      ByteOrder order = ByteOrder::big_endian);
/// ecdsa_verify of a DER Ecdsa-Sig-Value (SEQUENCE of two INTEGERs, strict DER, nothing after).
/// A malformed encoding throws sdk::failure(CCATTEST_E_MALFORMED).
bool ecdsa_verify_der(EVP_PKEY *key, EcdsaAlgorithm algorithm, std::span<const uint8_t> message,
                      std::span<const uint8_t> der,
                      EcdsaSignatureForm form = EcdsaSignatureForm::any);
/// The SEV-SNP form: P-384/SHA-384, big-endian r and s (kept for its callers; it is ecdsa_verify).
inline bool ecdsa_sha384_verify(EVP_PKEY *key, std::span<const uint8_t> message,
                                std::span<const uint8_t> r_big_endian,
                                std::span<const uint8_t> s_big_endian,
                                EcdsaSignatureForm form = EcdsaSignatureForm::any) {
    return ecdsa_verify(key, EcdsaAlgorithm::p384_sha384, message, r_big_endian, s_big_endian,
                        form);
}

/// RSA signature check of `message`. False when it does not verify; throws
/// sdk::failure(CCATTEST_E_VERIFICATION_FAILED) when the key is not RSA or its size is outside
/// min_rsa_bits..max_rsa_bits.
bool rsa_verify(EVP_PKEY *key, RsaAlgorithm algorithm, std::span<const uint8_t> message,
                std::span<const uint8_t> signature);

/// The EC public key with coordinates x||y (big-endian, each ecdsa_scalar_size bytes) on the
/// algorithm's curve. Throws sdk::failure(CCATTEST_E_MALFORMED) naming `what` for another length or
/// a point not on the curve.
std::shared_ptr<EVP_PKEY> ec_public_key(EcdsaAlgorithm algorithm, std::span<const uint8_t> x_then_y,
                                        const std::string &what);
/// The RSA public key (n, e) (big-endian). Throws sdk::failure naming `what`: CCATTEST_E_MALFORMED
/// for a key OpenSSL refuses, CCATTEST_E_VERIFICATION_FAILED for a size outside
/// min_rsa_bits..max_rsa_bits.
std::shared_ptr<EVP_PKEY> rsa_public_key(std::span<const uint8_t> modulus,
                                         std::span<const uint8_t> exponent,
                                         const std::string &what);

} // namespace ccattest::support
