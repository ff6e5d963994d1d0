// OCSP through OpenSSL 3: the request for one certificate, the responder URL of its Authority
// Information Access extension, and the check of a responder's answer at a verification time.
#include "ccattest/support/ocsp.hpp"

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <array>
#include <ctime>
#include <memory>

namespace ccattest::support {
using sdk::failure;

namespace {

struct ResponseDeleter {
    void operator()(OCSP_RESPONSE *p) const noexcept { OCSP_RESPONSE_free(p); }
};
struct BasicDeleter {
    void operator()(OCSP_BASICRESP *p) const noexcept { OCSP_BASICRESP_free(p); }
};
struct RequestDeleter {
    void operator()(OCSP_REQUEST *p) const noexcept { OCSP_REQUEST_free(p); }
};
struct CertIdDeleter {
    void operator()(OCSP_CERTID *p) const noexcept { OCSP_CERTID_free(p); }
};
struct StoreDeleter {
    void operator()(X509_STORE *p) const noexcept { X509_STORE_free(p); }
};
struct StackDeleter {
    void operator()(STACK_OF(X509) * p) const noexcept { sk_X509_free(p); }
};
using ResponsePtr = std::unique_ptr<OCSP_RESPONSE, ResponseDeleter>;
using BasicPtr = std::unique_ptr<OCSP_BASICRESP, BasicDeleter>;
using CertIdPtr = std::unique_ptr<OCSP_CERTID, CertIdDeleter>;
using StackPtr = std::unique_ptr<STACK_OF(X509), StackDeleter>;

constexpr size_t max_response_size = size_t{1} << 20U;
// 112-bit security for a delegated responder's certificate, as chain.cpp asks of chains.
constexpr int security_level = 2;

int64_t asn1_seconds(const ASN1_TIME *time, const std::string &what, const char *field) {
    std::tm parts{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) {
        (void)openssl_error();
        throw failure(CCATTEST_E_MALFORMED, what + " has an unreadable " + field);
    }
    return static_cast<int64_t>(timegm(&parts));
}

std::string byte_count(size_t n) {
    return std::to_string(n) + (n == 1 ? " byte" : " bytes");
}

// responseStatus names (RFC 6960's OCSPResponseStatus); 4 is unused.
std::string response_status_name(int status) {
    switch (status) {
    case OCSP_RESPONSE_STATUS_MALFORMEDREQUEST: return "malformedRequest (1)";
    case OCSP_RESPONSE_STATUS_INTERNALERROR: return "internalError (2)";
    case OCSP_RESPONSE_STATUS_TRYLATER: return "tryLater (3)";
    case OCSP_RESPONSE_STATUS_SIGREQUIRED: return "sigRequired (5)";
    case OCSP_RESPONSE_STATUS_UNAUTHORIZED: return "unauthorized (6)";
    default: return "responseStatus " + std::to_string(status);
    }
}

// CRL reason names (RFC 5280's CRLReason; 7 is unused). No reason given means unspecified.
std::string reason_name(int reason) {
    static constexpr std::array<const char *, 11> names = {
        "unspecified",   "keyCompromise",        "cACompromise",    "affiliationChanged",
        "superseded",    "cessationOfOperation", "certificateHold", nullptr,
        "removeFromCRL", "privilegeWithdrawn",   "aACompromise"};
    if (reason == OCSP_REVOKED_STATUS_NOSTATUS) {
        return names[0];
    }
    if (reason >= 0 && static_cast<size_t>(reason) < names.size() &&
        names[static_cast<size_t>(reason)] != nullptr) {
        return names[static_cast<size_t>(reason)];
    }
    return "reason code " + std::to_string(reason);
}

Certificate shared_certificate(X509 *certificate) {
    X509_up_ref(certificate);
    return Certificate(X509Ptr{certificate});
}

// The BasicOCSPResponse of a successful OCSPResponse that is exactly `response`.
BasicPtr decode_basic(std::span<const uint8_t> response, const std::string &what) {
    if (response.empty()) {
        throw failure(CCATTEST_E_MALFORMED, what + " is empty");
    }
    if (response.size() > max_response_size) {
        throw failure(CCATTEST_E_MALFORMED, what + " is " + byte_count(response.size()) +
                                                ", more than the 1 MiB allowed");
    }
    const unsigned char *cursor = response.data();
    const ResponsePtr decoded(
        d2i_OCSP_RESPONSE(nullptr, &cursor, static_cast<long>(response.size())));
    if (!decoded) {
        throw failure(CCATTEST_E_MALFORMED, what + " is not an OCSP response: " + openssl_error());
    }
    const auto left = static_cast<size_t>(response.data() + response.size() - cursor);
    if (left != 0) {
        throw failure(CCATTEST_E_MALFORMED,
                      what + ": trailing data after the response (" + byte_count(left) + ")");
    }
    const int status = OCSP_response_status(decoded.get());
    if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
        throw failure(CCATTEST_E_MALFORMED, what + ": the responder answered " +
                                                response_status_name(status) + ", not successful");
    }
    BasicPtr basic(OCSP_response_get1_basic(decoded.get()));
    if (!basic) {
        throw failure(CCATTEST_E_MALFORMED,
                      what + " carries no BasicOCSPResponse: " + openssl_error());
    }
    return basic;
}

// The certificate that signed the response, named by its ResponderID: `issuer` or one the
// response carries (borrowed from `basic`).
X509 *find_signer(OCSP_BASICRESP *basic, const Certificate &issuer, const std::string &what) {
    const StackPtr extra(sk_X509_new_null());
    if (!extra || sk_X509_push(extra.get(), issuer.get()) <= 0) {
        throw failure(CCATTEST_E_NO_MEMORY, "cannot allocate a certificate list");
    }
    X509 *signer = nullptr;
    if (OCSP_resp_get0_signer(basic, &signer, extra.get()) != 1 || signer == nullptr) {
        (void)openssl_error();
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      what + " is signed by a responder that is neither the issuer " +
                          describe_certificate(issuer) + " nor a certificate the response carries");
    }
    return signer;
}

// Why OCSP_basic_verify refused, from the OCSP entry of this thread's error queue (drained).
std::string basic_verify_refusal(const Certificate &signer, const Certificate &issuer,
                                 int64_t when) {
    int reason = 0;
    std::string detail;
    const char *data = nullptr;
    int flags = 0;
    unsigned long code = 0;
    while ((code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) != 0) {
        if (reason == 0 && ERR_GET_LIB(code) == ERR_LIB_OCSP) {
            reason = ERR_GET_REASON(code);
            detail = (flags & ERR_TXT_STRING) != 0 && data != nullptr ? data : "";
        }
    }
    const std::string responder = "responder " + describe_certificate(signer);
    switch (reason) {
    case OCSP_R_SIGNATURE_FAILURE:
        return "its signature does not verify with the key of " + describe_certificate(signer);
    case OCSP_R_CERTIFICATE_VERIFY_ERROR: {
        // OpenSSL words it "Verify error: <X509 verify error>".
        const size_t colon = detail.find(':');
        const size_t start =
            colon == std::string::npos ? 0 : detail.find_first_not_of(' ', colon + 1);
        return responder + " does not verify to the issuer " + describe_certificate(issuer) +
               " at " + rfc3339(when) + ": " +
               (start == std::string::npos ? detail : detail.substr(start));
    }
    case OCSP_R_MISSING_OCSPSIGNING_USAGE:
        return responder + " lacks the OCSPSigning extended key usage";
    default:
        return responder + " is not authorised: it is neither the issuer " +
               describe_certificate(issuer) + " nor a responder the issuer certified";
    }
}

// The response's signature, by `issuer` itself or by a delegated responder that `issuer` issued
// with the OCSPSigning extended key usage, valid at `when`. Only `issuer` is trusted (a partial
// chain ending there); without OCSP_TRUSTOTHER OpenSSL checks the delegation (issuer and usage)
// and, with OCSP_NOEXPLICIT, never falls back to trust settings of a self-signed issuer.
void verify_signature(OCSP_BASICRESP *basic, const Certificate &signer, const Certificate &issuer,
                      int64_t when, const std::string &what) {
    const bool delegated = X509_cmp(signer.get(), issuer.get()) != 0;
    if (delegated && (signer.not_before() > when || signer.not_after() < when)) {
        throw failure(CCATTEST_E_EXPIRED, what + ": responder " + describe_certificate(signer) +
                                              " is not valid at " + rfc3339(when) + " (valid " +
                                              rfc3339(signer.not_before()) + " to " +
                                              rfc3339(signer.not_after()) + ")");
    }
    const std::unique_ptr<X509_STORE, StoreDeleter> store(X509_STORE_new());
    const StackPtr certificates(sk_X509_new_null());
    if (!store || !certificates || X509_STORE_add_cert(store.get(), issuer.get()) != 1 ||
        sk_X509_push(certificates.get(), issuer.get()) <= 0) {
        throw failure(CCATTEST_E_NO_MEMORY, "cannot allocate an X.509 store: " + openssl_error());
    }
    X509_VERIFY_PARAM *parameters = X509_STORE_get0_param(store.get());
    X509_VERIFY_PARAM_set_time(parameters, static_cast<time_t>(when)); // sets USE_CHECK_TIME
    X509_VERIFY_PARAM_set_auth_level(parameters, security_level);
    (void)openssl_error(); // only what the check leaves is its reason
    if (OCSP_basic_verify(basic, certificates.get(), store.get(),
                          OCSP_NOEXPLICIT | OCSP_PARTIAL_CHAIN) != 1) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      what + ": " + basic_verify_refusal(signer, issuer, when));
    }
    (void)openssl_error();
}

// The SingleResponse for subject's CertID: SHA-1 as responders use, or the SHA-2 hash a
// response may use instead (a CertID compares only under the same hash algorithm).
OCSP_SINGLERESP *find_single(OCSP_BASICRESP *basic, const Certificate &subject,
                             const Certificate &issuer, const std::string &what) {
    for (const EVP_MD *digest : {EVP_sha1(), EVP_sha256(), EVP_sha384(), EVP_sha512()}) {
        const CertIdPtr id(OCSP_cert_to_id(digest, subject.get(), issuer.get()));
        if (!id) {
            throw failure(CCATTEST_E_INTERNAL, "cannot make an OCSP CertID: " + openssl_error());
        }
        const int index = OCSP_resp_find(basic, id.get(), -1);
        if (index < 0) {
            continue;
        }
        if (OCSP_resp_find(basic, id.get(), index) >= 0) {
            throw failure(CCATTEST_E_VERIFICATION_FAILED,
                          what + ": the responder answers more than once for it");
        }
        return OCSP_resp_get0(basic, index);
    }
    throw failure(CCATTEST_E_VERIFICATION_FAILED,
                  what + ": the response has no answer for it (serial " + subject.serial_hex() +
                      ", issuer " + describe_certificate(issuer) + ")");
}

// Status, revocation and the thisUpdate-nextUpdate window of one SingleResponse.
OcspResult read_single(OCSP_SINGLERESP *single, const std::string &what, int64_t when,
                       int64_t skew_s) {
    int reason = OCSP_REVOKED_STATUS_NOSTATUS;
    ASN1_GENERALIZEDTIME *revoked = nullptr;
    ASN1_GENERALIZEDTIME *this_update = nullptr;
    ASN1_GENERALIZEDTIME *next_update = nullptr;
    const int status =
        OCSP_single_get0_status(single, &reason, &revoked, &this_update, &next_update);
    OcspResult result;
    result.this_update = asn1_seconds(this_update, what, "thisUpdate");
    if (next_update != nullptr) {
        result.next_update = asn1_seconds(next_update, what, "nextUpdate");
        if (*result.next_update < result.this_update) {
            throw failure(CCATTEST_E_MALFORMED,
                          what + ": nextUpdate " + rfc3339(*result.next_update) +
                              " is before thisUpdate " + rfc3339(result.this_update));
        }
    }
    if (result.this_update > when + skew_s) {
        throw failure(CCATTEST_E_EXPIRED, what + " is not valid before " +
                                              rfc3339(result.this_update) +
                                              " (thisUpdate), checked at " + rfc3339(when));
    }
    if (result.next_update && when > *result.next_update + skew_s) {
        throw failure(CCATTEST_E_EXPIRED, what + " expired at " + rfc3339(*result.next_update) +
                                              " (nextUpdate), checked at " + rfc3339(when));
    }
    switch (status) {
    case V_OCSP_CERTSTATUS_GOOD: result.status = OcspStatus::good; break;
    case V_OCSP_CERTSTATUS_UNKNOWN: result.status = OcspStatus::unknown; break;
    case V_OCSP_CERTSTATUS_REVOKED:
        result.status = reason == OCSP_REVOKED_STATUS_CERTIFICATEHOLD ? OcspStatus::certificate_hold
                                                                      : OcspStatus::revoked;
        result.revocation_reason = reason_name(reason);
        result.revoked_at = asn1_seconds(revoked, what, "revocationTime");
        break;
    default:
        throw failure(CCATTEST_E_MALFORMED,
                      what + " has an unreadable certificate status: " + openssl_error());
    }
    return result;
}

} // namespace

std::string_view ocsp_status_name(OcspStatus status) noexcept {
    switch (status) {
    case OcspStatus::good: return "good";
    case OcspStatus::revoked: return "revoked";
    case OcspStatus::certificate_hold: return "certificateHold";
    case OcspStatus::unknown: return "unknown";
    }
    return "unknown";
}

Bytes ocsp_request(const Certificate &subject, const Certificate &issuer) {
    CertIdPtr id(OCSP_cert_to_id(EVP_sha1(), subject.get(), issuer.get()));
    const std::unique_ptr<OCSP_REQUEST, RequestDeleter> request(OCSP_REQUEST_new());
    if (!id || !request || OCSP_request_add0_id(request.get(), id.get()) == nullptr) {
        throw failure(CCATTEST_E_INTERNAL, "cannot make an OCSP request for " +
                                               describe_certificate(subject) + ": " +
                                               openssl_error());
    }
    (void)id.release(); // the request owns it now
    unsigned char *der = nullptr;
    const int length = i2d_OCSP_REQUEST(request.get(), &der);
    if (length <= 0) {
        throw failure(CCATTEST_E_INTERNAL, "cannot encode an OCSP request: " + openssl_error());
    }
    Bytes out(der, der + length);
    OPENSSL_free(der);
    return out;
}

std::optional<std::string> ocsp_responder_url(const Certificate &certificate) {
    STACK_OF(OPENSSL_STRING) *urls = X509_get1_ocsp(certificate.get());
    (void)openssl_error(); // an absent or unreadable extension both mean no responder
    std::optional<std::string> first;
    if (urls != nullptr && sk_OPENSSL_STRING_num(urls) > 0) {
        first = sk_OPENSSL_STRING_value(urls, 0);
    }
    X509_email_free(urls);
    return first;
}

OcspResult check_ocsp_response(std::span<const uint8_t> response, const Certificate &subject,
                               const Certificate &issuer, int64_t when, int64_t skew_s) {
    if (skew_s < 0) {
        throw failure(CCATTEST_E_INVALID_ARGUMENT,
                      "OCSP check: the clock skew is negative (" + std::to_string(skew_s) + " s)");
    }
    const std::string what = "OCSP response for " + describe_certificate(subject);
    const BasicPtr basic = decode_basic(response, what);
    const Certificate signer = shared_certificate(find_signer(basic.get(), issuer, what));
    verify_signature(basic.get(), signer, issuer, when, what);
    OcspResult result =
        read_single(find_single(basic.get(), subject, issuer, what), what, when, skew_s);
    result.responder = signer.subject_cn();
    return result;
}

} // namespace ccattest::support
