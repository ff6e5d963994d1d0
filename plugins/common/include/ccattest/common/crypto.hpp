// X.509 certificates, chains, CRLs, ECDSA and base64 through OpenSSL 3, with errors as
// sdk::failure.
#pragma once

#include "ccattest/common/bytes.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ccattest::common {

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

/// Reads a whole file of at most max_size bytes; throws sdk::failure(CCATTEST_E_IO).
Bytes read_file(const std::filesystem::path &file, size_t max_size);

/// An X.509 certificate (shared, immutable once parsed).
class Certificate {
public:
    /// DER or PEM. Throws sdk::failure(CCATTEST_E_MALFORMED) naming `what`.
    static Certificate parse(std::span<const uint8_t> data, const std::string &what);
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
    static Crl parse(std::span<const uint8_t> data, const std::string &what);
    /// Throws sdk::failure(CCATTEST_E_VERIFICATION_FAILED) unless `issuer` signed it, and
    /// CCATTEST_E_EXPIRED when `when` is past its nextUpdate.
    void verify(const Certificate &issuer, int64_t when) const;
    [[nodiscard]] bool revokes(const Certificate &certificate) const;

private:
    std::shared_ptr<X509_CRL> crl_;
};

/// ECDSA signature check over SHA-384(message) with big-endian r and s.
bool ecdsa_sha384_verify(EVP_PKEY *key, std::span<const uint8_t> message,
                         std::span<const uint8_t> r_big_endian,
                         std::span<const uint8_t> s_big_endian);

/// Standard base64 (RFC 4648, with padding); decode throws sdk::failure(CCATTEST_E_MALFORMED).
std::string base64_encode(std::span<const uint8_t> data);
Bytes base64_decode(std::string_view text, const std::string &what);

/// Decoders for the DER values inside X.509 extensions; throw sdk::failure(CCATTEST_E_MALFORMED).
int64_t der_integer(std::span<const uint8_t> der, const std::string &what);
std::string der_ia5_string(std::span<const uint8_t> der, const std::string &what);
Bytes der_octet_string(std::span<const uint8_t> der, const std::string &what);

} // namespace ccattest::common
