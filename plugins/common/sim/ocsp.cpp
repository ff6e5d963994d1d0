// The kit's OCSP responder: signed answers for one certificate, unsuccessful answers, and the
// extension values (AIA, extended key usage) that simulated chains carry for OCSP.
#include "ccattest/support/sim/ocsp.hpp"

#include "ccattest/support/signatures.hpp"

#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include <memory>

namespace ccattest::support {
using sdk::failure;

namespace {

struct BasicDeleter {
    void operator()(OCSP_BASICRESP *p) const noexcept { OCSP_BASICRESP_free(p); }
};
struct ResponseDeleter {
    void operator()(OCSP_RESPONSE *p) const noexcept { OCSP_RESPONSE_free(p); }
};
struct CertIdDeleter {
    void operator()(OCSP_CERTID *p) const noexcept { OCSP_CERTID_free(p); }
};
struct TimeDeleter {
    void operator()(ASN1_TIME *p) const noexcept { ASN1_TIME_free(p); }
};
using ResponsePtr = std::unique_ptr<OCSP_RESPONSE, ResponseDeleter>;
using TimePtr = std::unique_ptr<ASN1_TIME, TimeDeleter>;

void check(bool ok, const char *what) {
    if (!ok) {
        throw failure(CCATTEST_E_INTERNAL,
                      std::string("simulator: ") + what + ": " + openssl_error());
    }
}

TimePtr time_of(int64_t seconds) {
    TimePtr time(ASN1_TIME_set(nullptr, static_cast<time_t>(seconds)));
    check(time != nullptr, "OCSP time");
    return time;
}

Bytes encode_response(OCSP_RESPONSE *response) {
    unsigned char *der = nullptr;
    const int length = i2d_OCSP_RESPONSE(response, &der);
    check(length > 0, "OCSP response encoding");
    Bytes out(der, der + length);
    OPENSSL_free(der);
    return out;
}

// A stand-in for the issuer when another key forges its answer: the issuer's name with the
// forger's key, so OpenSSL signs (it insists that key and certificate match) and the ResponderID
// names the issuer or the forger's key.
X509Ptr forged_issuer(const Certificate &issuer, EVP_PKEY *key) {
    X509Ptr certificate(X509_new());
    check(certificate != nullptr &&
              X509_set_subject_name(certificate.get(), X509_get_subject_name(issuer.get())) == 1 &&
              X509_set_issuer_name(certificate.get(), X509_get_subject_name(issuer.get())) == 1 &&
              X509_set1_notBefore(certificate.get(), X509_get0_notBefore(issuer.get())) == 1 &&
              X509_set1_notAfter(certificate.get(), X509_get0_notAfter(issuer.get())) == 1 &&
              X509_set_pubkey(certificate.get(), key) == 1 &&
              X509_sign(certificate.get(), key, EVP_sha384()) > 0,
          "forged issuer");
    return certificate;
}

// The status code and CRL reason OpenSSL records for `spec` (-1: no reason given).
std::pair<int, int> status_of(const OcspResponseSpec &spec) {
    switch (spec.status) {
    case OcspStatus::good: return {V_OCSP_CERTSTATUS_GOOD, OCSP_REVOKED_STATUS_NOSTATUS};
    case OcspStatus::revoked: return {V_OCSP_CERTSTATUS_REVOKED, spec.revocation_reason};
    case OcspStatus::certificate_hold:
        return {V_OCSP_CERTSTATUS_REVOKED, OCSP_REVOKED_STATUS_CERTIFICATEHOLD};
    case OcspStatus::unknown: return {V_OCSP_CERTSTATUS_UNKNOWN, OCSP_REVOKED_STATUS_NOSTATUS};
    }
    return {V_OCSP_CERTSTATUS_UNKNOWN, OCSP_REVOKED_STATUS_NOSTATUS};
}

void add_status(OCSP_BASICRESP *basic, const OcspResponseSpec &spec) {
    const EVP_MD *digest = spec.cert_id_digest != nullptr ? spec.cert_id_digest : EVP_sha1();
    const std::unique_ptr<OCSP_CERTID, CertIdDeleter> id(
        OCSP_cert_to_id(digest, spec.subject->get(), spec.issuer->get()));
    check(id != nullptr, "OCSP CertID");
    const auto [status, reason] = status_of(spec);
    const TimePtr this_update = time_of(spec.this_update);
    const TimePtr next_update = spec.next_update ? time_of(*spec.next_update) : nullptr;
    const TimePtr revoked_at =
        status == V_OCSP_CERTSTATUS_REVOKED ? time_of(spec.revoked_at) : nullptr;
    // add1: the CertID and times are copied (as GeneralizedTime).
    check(OCSP_basic_add1_status(basic, id.get(), status, reason, revoked_at.get(),
                                 this_update.get(), next_update.get()) != nullptr,
          "OCSP SingleResponse");
}

} // namespace

Bytes make_ocsp_response(const OcspResponseSpec &spec) {
    if (spec.subject == nullptr || spec.issuer == nullptr || spec.signer_key == nullptr) {
        throw failure(CCATTEST_E_INVALID_ARGUMENT,
                      "simulator: an OCSP response needs a subject, an issuer and a signer key");
    }
    const std::unique_ptr<OCSP_BASICRESP, BasicDeleter> basic(OCSP_BASICRESP_new());
    check(basic != nullptr, "OCSP_BASICRESP_new");
    add_status(basic.get(), spec);

    X509Ptr forged;
    X509 *signer = spec.issuer->get();
    unsigned long flags = spec.responder_id_by_name ? 0 : OCSP_RESPID_KEY;
    if (spec.responder_certificate != nullptr) {
        signer = spec.responder_certificate->get(); // carried: OCSP_basic_sign adds it
    } else {
        flags |= OCSP_NOCERTS;
        if (EVP_PKEY_eq(spec.issuer->public_key(), spec.signer_key) != 1) {
            forged = forged_issuer(*spec.issuer, spec.signer_key);
            signer = forged.get();
        }
    }
    // SHA-256 for P-256 keys, SHA-384 for P-384 and RSA (PKCS#1 v1.5, OpenSSL's default).
    const bool p256 = EVP_PKEY_get_base_id(spec.signer_key) == EVP_PKEY_EC &&
                      ec_curve_of(spec.signer_key) == "P-256";
    // OpenSSL sets producedAt from the machine clock; checks read only this/nextUpdate.
    check(OCSP_basic_sign(basic.get(), signer, spec.signer_key, p256 ? EVP_sha256() : EVP_sha384(),
                          nullptr, flags) == 1,
          "OCSP sign");
    const ResponsePtr response(OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic.get()));
    check(response != nullptr, "OCSP response");
    return encode_response(response.get());
}

Bytes make_unsuccessful_ocsp_response(int response_status) {
    if (response_status == OCSP_RESPONSE_STATUS_SUCCESSFUL) {
        throw failure(CCATTEST_E_INVALID_ARGUMENT,
                      "simulator: an unsuccessful OCSP response needs a status other than 0");
    }
    const ResponsePtr response(OCSP_response_create(response_status, nullptr));
    check(response != nullptr, "OCSP response");
    return encode_response(response.get());
}

Bytes der_encode_aia_ocsp(const std::string &url) {
    const std::unique_ptr<AUTHORITY_INFO_ACCESS, decltype(&AUTHORITY_INFO_ACCESS_free)> access(
        AUTHORITY_INFO_ACCESS_new(), &AUTHORITY_INFO_ACCESS_free);
    ACCESS_DESCRIPTION *description = ACCESS_DESCRIPTION_new();
    ASN1_IA5STRING *uri = ASN1_IA5STRING_new();
    const bool made = access && description != nullptr && uri != nullptr &&
                      ASN1_STRING_set(uri, url.data(), static_cast<int>(url.size())) == 1;
    if (made) {
        ASN1_OBJECT_free(description->method);
        description->method = OBJ_nid2obj(NID_ad_OCSP);
        GENERAL_NAME_set0_value(description->location, GEN_URI, uri); // owns uri now
        uri = nullptr;
    }
    const bool pushed = made && sk_ACCESS_DESCRIPTION_push(access.get(), description) > 0;
    if (!pushed) {
        ACCESS_DESCRIPTION_free(description);
        ASN1_IA5STRING_free(uri);
    }
    check(pushed, "AIA extension");
    unsigned char *der = nullptr;
    const int length = i2d_AUTHORITY_INFO_ACCESS(access.get(), &der);
    check(length > 0, "AIA encoding");
    Bytes out(der, der + length);
    OPENSSL_free(der);
    return out;
}

Bytes der_encode_extended_key_usage(const std::vector<std::string> &purposes) {
    const std::unique_ptr<EXTENDED_KEY_USAGE, decltype(&EXTENDED_KEY_USAGE_free)> usage(
        EXTENDED_KEY_USAGE_new(), &EXTENDED_KEY_USAGE_free);
    check(usage != nullptr, "EXTENDED_KEY_USAGE_new");
    for (const std::string &purpose : purposes) {
        ASN1_OBJECT *object = OBJ_txt2obj(purpose.c_str(), 1);
        const bool pushed = object != nullptr && sk_ASN1_OBJECT_push(usage.get(), object) > 0;
        if (!pushed) {
            ASN1_OBJECT_free(object);
        }
        check(pushed, "extended key usage purpose");
    }
    unsigned char *der = nullptr;
    const int length = i2d_EXTENDED_KEY_USAGE(usage.get(), &der);
    check(length > 0, "extended key usage encoding");
    Bytes out(der, der + length);
    OPENSSL_free(der);
    return out;
}

} // namespace ccattest::support
