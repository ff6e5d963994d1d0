// The x509 module: certificates, CRLs, chains to pinned anchors at a given time (CRL-aware), and a
// cache of verified chains, through OpenSSL 3, with errors as sdk::failure. It also brings in the
// signature checks (signatures.hpp) and the DER walker (der.hpp) that X.509 users need.
#pragma once

#include "ccattest/support/bytes.hpp"
#include "ccattest/support/der.hpp"
#include "ccattest/support/files.hpp"
#include "ccattest/support/signatures.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <array>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
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
/// The form rfc3339 writes ("YYYY-MM-DDThh:mm:ssZ": whole seconds, UTC) as seconds since the
/// epoch; nullopt for any other text and for dates that do not exist (2023-02-31, 23:59:60).
/// `shaped`, when given, says whether the text had the form, so a caller can tell a date that does
/// not exist from text that is no time at all.
std::optional<int64_t> parse_rfc3339(std::string_view text, bool *shaped = nullptr);

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
    /// The serial number as lower-case hex ("1a2b").
    [[nodiscard]] std::string serial_hex() const;
    /// The contents of the extension's extnValue OCTET STRING, or nullopt when absent.
    [[nodiscard]] std::optional<Bytes> extension(const char *oid) const;
    /// The subject public key (owned by the certificate).
    [[nodiscard]] EVP_PKEY *public_key() const;

private:
    std::shared_ptr<X509> certificate_;
    std::array<uint8_t, 32> sha256_{};
};

/// The certificate as one PEM block, as OpenSSL writes it (64-character base64 lines, "\n" line
/// ends, a final "\n"): the one canonical PEM spelling of a certificate.
std::string certificate_pem(const Certificate &certificate);

/// "certificate \"<subject CN>\"" (or "(no CN)"), for messages.
std::string describe_certificate(const Certificate &certificate);

/// A certificate revocation list.
class Crl {
public:
    /// Exactly one CRL (see Encoding for the rule). Throws sdk::failure(CCATTEST_E_MALFORMED)
    /// naming `what` and the problem.
    static Crl parse(std::span<const uint8_t> data, const std::string &what,
                     Encoding encoding = Encoding::der_or_pem);
    explicit Crl(X509CrlPtr crl);

    /// Throws sdk::failure(CCATTEST_E_VERIFICATION_FAILED) unless `issuer` signed it, and
    /// CCATTEST_E_EXPIRED when `when` is before its thisUpdate or past its nextUpdate.
    void verify(const Certificate &issuer, int64_t when) const;
    [[nodiscard]] int64_t this_update() const;
    /// nullopt when the CRL has no nextUpdate (it never goes stale).
    [[nodiscard]] std::optional<int64_t> next_update() const;
    [[nodiscard]] const std::array<uint8_t, 32> &sha256() const noexcept { return sha256_; }
    [[nodiscard]] bool revokes(const Certificate &certificate) const;
    /// Whether the CRL's issuer name is `certificate`'s subject name (says nothing about the
    /// signature: verify checks that).
    [[nodiscard]] bool names_issuer(const Certificate &certificate) const;
    [[nodiscard]] std::string issuer_cn() const;

private:
    std::shared_ptr<X509_CRL> crl_;
    std::array<uint8_t, 32> sha256_{};
};

/// What a chain is checked against besides its anchors.
struct ChainOptions {
    /// CRLs to apply. Each CRL that names a CA of the verified path (its issuer name is that CA's
    /// subject) must be signed by that CA, be current at the verification time (thisUpdate <= when
    /// <= nextUpdate) and revoke none of the path's certificates that CA issued. A CRL naming no
    /// CA of the path is skipped (an operator's file may hold several product lines' CRLs) unless
    /// refuse_unrelated_crls (a CRL carried in evidence that nothing checks could carry anything).
    std::vector<Crl> crls;
    bool refuse_unrelated_crls = false;
    /// Every CA of the path must have a CRL among `crls`: revocation status must be known.
    bool require_crl_for_every_issuer = false;
    /// Every intermediate given must be part of the verified path (a copy of an anchor must be
    /// that anchor byte for byte): certificates carried in evidence that nothing checks could
    /// carry anything.
    bool refuse_unused_certificates = false;
};

/// A chain that verified, and the window [valid_from, valid_until) in which that verdict holds:
/// a certificate is valid from its notBefore to just before its notAfter (OpenSSL's rule), a CRL
/// from its thisUpdate through its nextUpdate.
struct VerifiedChain {
    std::vector<Certificate> path; ///< the leaf first, the anchor it reached last
    int64_t valid_from = 0;        ///< latest notBefore / thisUpdate of what was used
    int64_t valid_until = 0;       ///< earliest notAfter / nextUpdate + 1 (the first time outside)
    [[nodiscard]] const Certificate &anchor() const { return path.back(); }
};

/// Verifies leaf <- intermediates <- one of anchors at time `when`: only the anchors are trusted
/// (never the system store, never a partial chain), signatures RSA (PKCS#1 v1.5 or PSS) or ECDSA
/// (P-256, P-384) with SHA-256 or stronger, keys of at least 112-bit strength (RSA 2048), and the
/// CRLs of `options`. Throws sdk::failure: CCATTEST_E_EXPIRED when a certificate or a CRL is
/// outside its validity window at `when`, CCATTEST_E_VERIFICATION_FAILED otherwise (no path, a bad
/// signature, a revoked certificate, a CRL signed by someone else), naming the certificate or CRL
/// and the reason.
VerifiedChain verify_chain(const Certificate &leaf, const std::vector<Certificate> &intermediates,
                           const std::vector<Certificate> &anchors, int64_t when,
                           const ChainOptions &options = {});

/// verify_chain through a cache: a verdict is reused while the verification time lies in its
/// window and the inputs are the same (the key is the SHA-256 of every certificate and CRL given
/// and of the options), so a warm verification skips the signature work. Failures are never
/// cached. Bounded: emptied when `capacity` entries are held. Thread-safe; one cache per verifier
/// instance.
class ChainCache {
public:
    explicit ChainCache(size_t capacity = 4096) : capacity_(capacity) {}

    VerifiedChain verify(const Certificate &leaf, const std::vector<Certificate> &intermediates,
                         const std::vector<Certificate> &anchors, int64_t when,
                         const ChainOptions &options = {});
    [[nodiscard]] size_t size() const;
    void clear();

private:
    size_t capacity_;
    mutable std::shared_mutex mutex_;
    std::map<std::string, VerifiedChain> entries_;
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

} // namespace ccattest::support
