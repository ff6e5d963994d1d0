// X.509 certificates, chains, CRLs, ECDSA and base64 through OpenSSL 3, with errors as
// sdk::failure.
#pragma once

#include "ccattest/support/bytes.hpp"
#include "ccattest/support/files.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ccattest::support {

struct X509Deleter {
    void operator()(X509 *p) const noexcept { X509_free(p); }
};
struct X509CrlDeleter {
    void operator()(X509_CRL *p) const noexcept { X509_CRL_free(p); }
};
struct PkeyDeleter {
    void operator()(EVP_PKEY *p) const noexcept { EVP_PKEY_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using X509CrlPtr = std::unique_ptr<X509_CRL, X509CrlDeleter>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

/// Drains OpenSSL's error queue of this thread into one line ("" when empty).
std::string openssl_error();

/// Seconds since the epoch as RFC 3339 UTC ("2029-09-24T00:55:28Z").
std::string rfc3339(int64_t seconds);

/// How an X.509 object (certificate or CRL) may be encoded.
///
/// One rule for both encodings, so what one accepts the other does not refuse:
///  - DER: exactly one object, nothing before or after it ("trailing data after the
///    certificate (1 byte)" otherwise);
///  - PEM: one or more blocks with only whitespace before, between and after them, no PEM
///    headers, each block's label naming its kind ("CERTIFICATE", "X509 CRL") and its base64
///    holding exactly one DER object under the DER rule.
/// Evidence formats carry DER only, so a token has one spelling; files an operator provides may be
/// either.
enum class Encoding {
    der,
    der_or_pem,
};

/// An X.509 certificate (shared, immutable once parsed).
class Certificate {
public:
    /// Exactly one certificate (see Encoding for the rule). Throws
    /// sdk::failure(CCATTEST_E_MALFORMED) naming `what` and the problem.
    static Certificate parse(std::span<const uint8_t> data, const std::string &what,
                             Encoding encoding = Encoding::der_or_pem);
    /// One or more certificates: a PEM bundle (every block is used, in order) or one DER
    /// certificate. Throws sdk::failure(CCATTEST_E_MALFORMED) naming `what`, the block and the
    /// problem.
    static std::vector<Certificate> parse_bundle(std::span<const uint8_t> data,
                                                 const std::string &what);
    static Certificate load(const std::filesystem::path &file);
    explicit Certificate(X509Ptr certificate);

    [[nodiscard]] X509 *get() const noexcept { return certificate_.get(); }
    [[nodiscard]] Bytes der() const;
    [[nodiscard]] const std::array<uint8_t, 32> &sha256() const noexcept { return sha256_; }
    [[nodiscard]] std::string subject_cn() const;
    [[nodiscard]] std::string issuer_cn() const;
    [[nodiscard]] int64_t not_before() const;
    [[nodiscard]] int64_t not_after() const;
    /// The contents of the extension's extnValue OCTET STRING, or nullopt when absent.
    [[nodiscard]] std::optional<Bytes> extension(const char *oid) const;
    /// The subject public key (owned by the certificate).
    [[nodiscard]] EVP_PKEY *public_key() const;

private:
    std::shared_ptr<X509> certificate_;
    std::array<uint8_t, 32> sha256_{};
};

/// Verifies leaf <- intermediates <- one of anchors (self-signed roots) at time `when`. Throws
/// sdk::failure: CCATTEST_E_EXPIRED when a certificate is outside its validity window at `when`,
/// CCATTEST_E_VERIFICATION_FAILED otherwise, naming the certificate and OpenSSL's reason.
void verify_chain(const Certificate &leaf, const std::vector<Certificate> &intermediates,
                  const std::vector<Certificate> &anchors, int64_t when);

/// A certificate revocation list.
class Crl {
public:
    /// Exactly one CRL (see Encoding for the rule). Throws sdk::failure(CCATTEST_E_MALFORMED)
    /// naming `what` and the problem.
    static Crl parse(std::span<const uint8_t> data, const std::string &what,
                     Encoding encoding = Encoding::der_or_pem);
    explicit Crl(X509CrlPtr crl);

    /// Throws sdk::failure(CCATTEST_E_VERIFICATION_FAILED) unless `issuer` signed it, and
    /// CCATTEST_E_EXPIRED when `when` is past its nextUpdate.
    void verify(const Certificate &issuer, int64_t when) const;
    [[nodiscard]] bool revokes(const Certificate &certificate) const;
    /// Whether the CRL's issuer name is `certificate`'s subject name (says nothing about the
    /// signature: verify checks that).
    [[nodiscard]] bool names_issuer(const Certificate &certificate) const;
    [[nodiscard]] std::string issuer_cn() const;

private:
    std::shared_ptr<X509_CRL> crl_;
};

/// What a collateral file may hold: certificates and CRLs, DER (one object) or PEM (any number of
/// CERTIFICATE and X509 CRL blocks, under the Encoding rule).
struct X509Objects {
    std::vector<Certificate> certificates;
    std::vector<Crl> crls;
};
X509Objects parse_x509_objects(std::span<const uint8_t> data, const std::string &what);

/// SHA-256 of bytes.
std::array<uint8_t, 32> sha256(std::span<const uint8_t> data);

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

/// Whether s (big-endian) is at most half the order of `key`'s curve.
bool ecdsa_s_is_low(EVP_PKEY *key, std::span<const uint8_t> s_big_endian);

/// ECDSA signature check over SHA-384(message) with big-endian r and s. With
/// EcdsaSignatureForm::low_s, a signature whose s is above n/2 throws
/// sdk::failure(CCATTEST_E_VERIFICATION_FAILED) saying so (a precise reason rather than "does
/// not verify").
bool ecdsa_sha384_verify(EVP_PKEY *key, std::span<const uint8_t> message,
                         std::span<const uint8_t> r_big_endian,
                         std::span<const uint8_t> s_big_endian,
                         EcdsaSignatureForm form = EcdsaSignatureForm::any);

/// Standard base64 (RFC 4648, with padding); decode throws sdk::failure(CCATTEST_E_MALFORMED).
std::string base64_encode(std::span<const uint8_t> data);
Bytes base64_decode(std::string_view text, const std::string &what);

/// Decoders for the DER values inside X.509 extensions; throw sdk::failure(CCATTEST_E_MALFORMED).
int64_t der_integer(std::span<const uint8_t> der, const std::string &what);
std::string der_ia5_string(std::span<const uint8_t> der, const std::string &what);
Bytes der_octet_string(std::span<const uint8_t> der, const std::string &what);

} // namespace ccattest::support
