// Simulation kit: support for evidence simulators (software emulations of TEE firmware): keys and
// certificates kept in a state folder, created once under a file lock and reused, and a certificate
// builder.
#pragma once

#include "ccattest/support/crypto.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ccattest::support {

/// What a certificate says and how it is signed.
struct CertificateSpec {
    std::vector<std::pair<std::string, std::string>>
        subject; ///< e.g. {{"O", "..."}, {"CN", "..."}}
    std::vector<std::pair<std::string, std::string>> issuer;
    long serial = 1;
    int64_t not_before = 0;
    int64_t not_after = 0;
    EVP_PKEY *subject_key = nullptr; ///< its public half is certified
    EVP_PKEY *issuer_key =
        nullptr; ///< signs: RSA keys sign RSASSA-PSS/SHA-384 (salt 48), EC keys ECDSA/SHA-384
    bool certificate_authority = false;
    std::vector<std::pair<std::string, Bytes>> extensions; ///< OID -> DER value (non-critical)
};

Certificate make_certificate(const CertificateSpec &spec);

/// ECDSA/SHA-384 signature of message as big-endian (r, s), each 48 bytes (P-384).
std::pair<Bytes, Bytes> ecdsa_sha384_sign(EVP_PKEY *key, std::span<const uint8_t> message);

/// Encoders for extension values.
Bytes der_encode_integer(int64_t value);
Bytes der_encode_ia5_string(const std::string &value);
Bytes der_encode_octet_string(std::span<const uint8_t> value);

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
    std::optional<Certificate> certificate(const std::string &name) const;
    void store(const std::string &name, const Certificate &certificate) const;
    /// Random bytes created on first use and kept (e.g. a chip id). Call inside locked().
    Bytes secret(const std::string &name, size_t size) const;

private:
    void write_atomically(const std::string &name, const std::string &text) const;
    std::filesystem::path folder_;
};

} // namespace ccattest::support
