// Simulation kit: support for evidence simulators (software emulations of TEE firmware): keys and
// certificates kept in a state folder, created once under a file lock and reused; certificate and
// CRL minting; ECDSA and RSA signing.
#pragma once

#include "ccattest/support/crypto.hpp"

#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace ccattest::support {

/// The simulated keys the kit makes.
enum class KeyKind {
    rsa2048, ///< for tests of small keys only
    rsa3072,
    rsa4096, ///< RSA-4096, as AMD's and Azure's roots (signs PSS or PKCS#1, as asked)
    p256,
    p384,
};
/// A fresh key of `kind`.
PkeyPtr generate_key(KeyKind kind);

/// How the kit signs a certificate or CRL. automatic: RSA keys RSASSA-PSS/SHA-384 (salt 48), P-384
/// keys ECDSA/SHA-384, P-256 keys ECDSA/SHA-256.
enum class X509Signature {
    automatic,
    rsa_pss_sha384,
    rsa_pss_sha256,
    rsa_pkcs1_sha256,
    rsa_pkcs1_sha384,
    ecdsa_sha256,
    ecdsa_sha384,
};

/// What a certificate says and how it is signed.
struct CertificateSpec {
    std::vector<std::pair<std::string, std::string>>
        subject; ///< e.g. {{"O", "..."}, {"CN", "..."}}
    std::vector<std::pair<std::string, std::string>> issuer;
    long serial = 1;
    int64_t not_before = 0;
    int64_t not_after = 0;
    EVP_PKEY *subject_key = nullptr; ///< its public half is certified
    EVP_PKEY *issuer_key = nullptr;  ///< signs, as `signature` says
    X509Signature signature = X509Signature::automatic;
    bool certificate_authority = false;
    std::vector<std::pair<std::string, Bytes>> extensions; ///< OID -> DER value (non-critical)
};

Certificate make_certificate(const CertificateSpec &spec);

/// What a CRL says and how it is signed.
struct CrlSpec {
    const Certificate *issuer = nullptr; ///< its subject is the CRL's issuer name
    EVP_PKEY *signer = nullptr;          ///< usually the issuer's key; another to forge
    X509Signature signature = X509Signature::automatic;
    std::vector<long> revoked_serials;
    int64_t this_update = 0;
    std::optional<int64_t> next_update;
};
/// The CRL, DER-encoded.
Bytes make_crl(const CrlSpec &spec);

/// ECDSA signature of message as big-endian (r, s), each ecdsa_scalar_size bytes.
std::pair<Bytes, Bytes> ecdsa_sign(EVP_PKEY *key, EcdsaAlgorithm algorithm,
                                   std::span<const uint8_t> message);
/// ecdsa_sign with P-384/SHA-384 (the SEV-SNP form).
std::pair<Bytes, Bytes> ecdsa_sha384_sign(EVP_PKEY *key, std::span<const uint8_t> message);
/// RSA signature of message.
Bytes rsa_sign(EVP_PKEY *key, RsaAlgorithm algorithm, std::span<const uint8_t> message);

/// Encoders for extension values.
Bytes der_encode_integer(int64_t value);
Bytes der_encode_ia5_string(const std::string &value);
Bytes der_encode_octet_string(std::span<const uint8_t> value);
Bytes der_encode_enumerated(int64_t value);
Bytes der_encode_oid(const std::string &dotted); ///< "2.16.840.1.101.3.4.2.2"
/// A universal TLV (V_ASN1_* tag, primitive or constructed) around `contents`.
Bytes der_encode_tlv(int tag, bool constructed, std::span<const uint8_t> contents);
/// A SEQUENCE of already encoded members, in order.
Bytes der_encode_sequence(std::span<const Bytes> members);
inline Bytes der_encode_sequence(std::initializer_list<Bytes> members) {
    return der_encode_sequence(std::span<const Bytes>(members.begin(), members.size()));
}
/// The SubjectPublicKeyInfo of `key`.
Bytes der_encode_public_key(EVP_PKEY *key);
/// The value of a standard extension (`nid`, e.g. NID_subject_alt_name) as OpenSSL's
/// configuration syntax builds it ("otherName:...", "digitalSignature").
Bytes der_encode_extension_value(int nid, const std::string &value);

/// A folder of simulator state (mode 0700): PEM keys and certificates, named by the caller.
class SimulatorState {
public:
    explicit SimulatorState(std::filesystem::path folder); ///< creates it; throws sdk::failure(IO)

    [[nodiscard]] const std::filesystem::path &folder() const noexcept { return folder_; }

    /// Runs body while holding an exclusive lock on the folder, so processes sharing it create
    /// each key once.
    void locked(const std::function<void()> &body) const;

    /// The named key, created on first use: RSA of `rsa_bits`, or EC P-384 when rsa_bits is 0.
    /// Call inside locked().
    PkeyPtr key(const std::string &name, int rsa_bits) const;
    /// The named key of `kind`, created on first use. Call inside locked().
    PkeyPtr key(const std::string &name, KeyKind kind) const;
    std::optional<Certificate> certificate(const std::string &name) const;
    void store(const std::string &name, const Certificate &certificate) const;
    /// Random bytes created on first use and kept (e.g. a chip id). Call inside locked().
    Bytes secret(const std::string &name, size_t size) const;

private:
    void write_atomically(const std::string &name, const std::string &text) const;
    PkeyPtr load_or_make_key(const std::string &name, const std::function<PkeyPtr()> &make) const;
    std::filesystem::path folder_;
};

} // namespace ccattest::support
