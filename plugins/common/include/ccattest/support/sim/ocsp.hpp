// Simulation kit: OCSP responses as a responder signs them, for simulated device and RIM chains
// and for tests of OCSP checking.
#pragma once

#include "ccattest/support/ocsp.hpp"

#include <openssl/evp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ccattest::support {

struct OcspResponseSpec {
    const Certificate *subject = nullptr;
    const Certificate *issuer = nullptr;
    /// Signs the response: the issuer's key (then responder_certificate is null) or a delegated
    /// responder's key whose certificate is carried. Any other key with no responder certificate
    /// forges: that key signs, and the ResponderID names the issuer (by name) or that key.
    EVP_PKEY *signer_key = nullptr;
    const Certificate *responder_certificate = nullptr;
    OcspStatus status = OcspStatus::good;
    /// CRL reason code for revoked (e.g. 1 keyCompromise); certificate_hold uses 6.
    int revocation_reason = 0;
    int64_t revoked_at = 0;
    int64_t this_update = 0;
    std::optional<int64_t> next_update;
    /// The ResponderID: the SHA-1 of the signer's key (default) or the signer's subject name.
    bool responder_id_by_name = false;
    /// The CertID's hash: SHA-1 when null (what responders use), or e.g. EVP_sha256().
    const EVP_MD *cert_id_digest = nullptr;
};

/// A DER OCSPResponse (successful, BasicOCSPResponse signed with SHA-384 for EC keys).
Bytes make_ocsp_response(const OcspResponseSpec &spec);

/// A DER OCSPResponse with an unsuccessful responseStatus (e.g. 3, tryLater) and no body.
Bytes make_unsuccessful_ocsp_response(int response_status);

/// The DER value of an Authority Information Access extension (OID 1.3.6.1.5.5.7.1.1) naming
/// one OCSP responder URL, for CertificateSpec::extensions.
Bytes der_encode_aia_ocsp(const std::string &url);
/// The DER value of an extended key usage extension (OID 2.5.29.37) with these purposes (dotted
/// OIDs; 1.3.6.1.5.5.7.3.9 is OCSPSigning).
Bytes der_encode_extended_key_usage(const std::vector<std::string> &purposes);

} // namespace ccattest::support
