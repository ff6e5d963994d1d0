// OCSP (RFC 6960) through OpenSSL: the request for one certificate, and the check of a responder's
// answer at a given verification time (not the machine's clock), so revocation of device and
// signing chains is known without CRLs.
#pragma once

#include "ccattest/support/crypto.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace ccattest::support {

enum class OcspStatus {
    good,
    revoked,          ///< any reason but certificateHold
    certificate_hold, ///< revoked with reason certificateHold (temporary; config decides)
    unknown,          ///< the responder does not know the certificate
};
std::string_view ocsp_status_name(OcspStatus status) noexcept; ///< "good", "revoked", ...

struct OcspResult {
    OcspStatus status = OcspStatus::unknown;
    /// revoked / certificate_hold: the CRL reason's name ("keyCompromise", "certificateHold",
    /// "unspecified", ...) and when.
    std::optional<std::string> revocation_reason;
    std::optional<int64_t> revoked_at;
    int64_t this_update = 0;
    std::optional<int64_t> next_update;
    std::string responder; ///< the signer's subject CN
};

/// The DER OCSPRequest for `subject` issued by `issuer` (CertID with SHA-1, as responders
/// expect), without a nonce so the answer can be cached.
Bytes ocsp_request(const Certificate &subject, const Certificate &issuer);

/// The responder URL of `certificate`'s Authority Information Access extension, if any.
std::optional<std::string> ocsp_responder_url(const Certificate &certificate);

/// Checks a DER OCSPResponse for `subject`: responseStatus successful, a BasicOCSPResponse signed
/// by `issuer` itself or by a responder certificate that `issuer` issued with the OCSPSigning
/// extended key usage (carried in the response, valid at `when`), a SingleResponse for exactly
/// this CertID, thisUpdate <= when + skew_s and when <= nextUpdate + skew_s. Throws sdk::failure:
/// CCATTEST_E_MALFORMED for bytes that are no OCSP response or an unsuccessful responseStatus
/// (named), CCATTEST_E_VERIFICATION_FAILED for a bad signature, an unauthorised signer or no
/// answer for this certificate, CCATTEST_E_EXPIRED for an answer outside its window.
OcspResult check_ocsp_response(std::span<const uint8_t> response, const Certificate &subject,
                               const Certificate &issuer, int64_t when, int64_t skew_s = 300);

} // namespace ccattest::support
