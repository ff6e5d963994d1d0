// OCSP: requests, AIA responder URLs and the check of responses the kit signs (by the issuer, by
// delegated responders with and without the OCSPSigning usage, by strangers), at a verification
// time with its skew, for every certificate status, and refusals of what is no OCSP answer.
#include "support_test.hpp"

#include <ccattest/support/ocsp.hpp>
#include <ccattest/support/sim/ocsp.hpp>
#include <ccattest/support/sim/state.hpp>

#include <openssl/ocsp.h>

#include <algorithm>

using namespace support_test;
using ccattest::support::Certificate;
using ccattest::support::check_ocsp_response;
using ccattest::support::generate_key;
using ccattest::support::KeyKind;
using ccattest::support::make_ocsp_response;
using ccattest::support::OcspResponseSpec;
using ccattest::support::OcspResult;
using ccattest::support::OcspStatus;
using ccattest::support::PkeyPtr;

namespace {

constexpr int64_t when = 1750000000; // 2025-06-15T15:06:40Z
constexpr int64_t hour = 3600;
constexpr int64_t day = 24 * hour;
constexpr const char *ocsp_signing = "1.3.6.1.5.5.7.3.9";
constexpr const char *server_auth = "1.3.6.1.5.5.7.3.1";
constexpr const char *aia_oid = "1.3.6.1.5.5.7.1.1";
constexpr const char *eku_oid = "2.5.29.37";

using Name = std::vector<std::pair<std::string, std::string>>;

Certificate mint(const std::string &subject, const std::string &issuer, long serial,
                 EVP_PKEY *subject_key, EVP_PKEY *issuer_key, bool authority,
                 std::vector<std::pair<std::string, Bytes>> extensions = {},
                 int64_t not_before = 1500000000, int64_t not_after = 2000000000) {
    ccattest::support::CertificateSpec spec;
    spec.subject = Name{{"O", "Sim"}, {"CN", subject}};
    spec.issuer = Name{{"O", "Sim"}, {"CN", issuer}};
    spec.serial = serial;
    spec.not_before = not_before;
    spec.not_after = not_after;
    spec.subject_key = subject_key;
    spec.issuer_key = issuer_key;
    spec.certificate_authority = authority;
    spec.extensions = std::move(extensions);
    return ccattest::support::make_certificate(spec);
}

std::pair<std::string, Bytes> eku(const std::vector<std::string> &purposes) {
    return {eku_oid, ccattest::support::der_encode_extended_key_usage(purposes)};
}

// A root -> issuing CA -> device chain, the device with an AIA OCSP URL, and responders: with the
// OCSPSigning usage, without any usage, with serverAuth only, one the root issued (not the CA),
// and one valid only in 2020-2022.
struct Pki {
    PkeyPtr root_key = generate_key(KeyKind::p384);
    PkeyPtr ca_key = generate_key(KeyKind::p384);
    PkeyPtr device_key = generate_key(KeyKind::p384);
    PkeyPtr responder_key = generate_key(KeyKind::p384);
    PkeyPtr stranger_key = generate_key(KeyKind::p384);
    Certificate root = mint("Sim Root", "Sim Root", 1, root_key.get(), root_key.get(), true);
    Certificate ca = mint("Sim Issuing CA", "Sim Root", 2, ca_key.get(), root_key.get(), true);
    Certificate device =
        mint("Sim Device", "Sim Issuing CA", 0x1a2b, device_key.get(), ca_key.get(), false,
             {{aia_oid, ccattest::support::der_encode_aia_ocsp("http://ocsp.sim.example/ocsp")}});
    Certificate other_device =
        mint("Sim Other Device", "Sim Issuing CA", 7, device_key.get(), ca_key.get(), false);
    Certificate responder = mint("Sim OCSP Responder", "Sim Issuing CA", 20, responder_key.get(),
                                 ca_key.get(), false, {eku({ocsp_signing})});
    Certificate responder_without_usage = mint("Sim Responder Without Usage", "Sim Issuing CA", 21,
                                               responder_key.get(), ca_key.get(), false);
    Certificate responder_server_auth =
        mint("Sim Responder ServerAuth", "Sim Issuing CA", 22, responder_key.get(), ca_key.get(),
             false, {eku({server_auth})});
    Certificate responder_of_root =
        mint("Sim Root's Responder", "Sim Root", 23, responder_key.get(), root_key.get(), false,
             {eku({ocsp_signing})});
    Certificate responder_2020 =
        mint("Sim Responder 2020", "Sim Issuing CA", 24, responder_key.get(), ca_key.get(), false,
             {eku({ocsp_signing})}, 1577836800, 1640995200); // 2020-01-01 to 2022-01-01
};

const Pki &pki() {
    static const Pki shared;
    return shared;
}

// A good answer for the device, signed by its issuing CA, thisUpdate an hour before `when` and
// nextUpdate a day after it.
OcspResponseSpec issuer_signed(OcspStatus status = OcspStatus::good) {
    OcspResponseSpec spec;
    spec.subject = &pki().device;
    spec.issuer = &pki().ca;
    spec.signer_key = pki().ca_key.get();
    spec.status = status;
    spec.this_update = when - hour;
    spec.next_update = when + 24 * hour;
    return spec;
}

OcspResponseSpec delegated(const Certificate &responder) {
    OcspResponseSpec spec = issuer_signed();
    spec.signer_key = pki().responder_key.get();
    spec.responder_certificate = &responder;
    return spec;
}

OcspResult check(const OcspResponseSpec &spec, int64_t at = when) {
    return check_ocsp_response(make_ocsp_response(spec), pki().device, pki().ca, at);
}

std::pair<ccattest_status, std::string> refusal_of(const Bytes &response, const Certificate &issuer,
                                                   int64_t at = when) {
    return refusal([&] { (void)check_ocsp_response(response, pki().device, issuer, at); });
}

std::pair<ccattest_status, std::string> refusal_of(const OcspResponseSpec &spec,
                                                   int64_t at = when) {
    return refusal_of(make_ocsp_response(spec), pki().ca, at);
}

std::string for_device() {
    return "OCSP response for certificate \"Sim Device\"";
}

} // namespace

BOOST_AUTO_TEST_SUITE(support_ocsp)

BOOST_AUTO_TEST_CASE(a_good_answer_signed_by_the_issuer) {
    const OcspResult result = check(issuer_signed());
    BOOST_TEST(ccattest::support::ocsp_status_name(result.status) == "good");
    BOOST_TEST(!result.revocation_reason.has_value());
    BOOST_TEST(!result.revoked_at.has_value());
    BOOST_TEST(result.this_update == when - hour);
    BOOST_TEST(result.next_update.value_or(0) == when + 24 * hour);
    BOOST_TEST(result.responder == "Sim Issuing CA");
}

BOOST_AUTO_TEST_CASE(revoked_with_its_reason_named) {
    OcspResponseSpec spec = issuer_signed(OcspStatus::revoked);
    spec.revocation_reason = 1; // keyCompromise
    spec.revoked_at = when - 30 * day;
    const OcspResult result = check(spec);
    BOOST_TEST(ccattest::support::ocsp_status_name(result.status) == "revoked");
    BOOST_TEST(result.revocation_reason.value_or("?") == "keyCompromise");
    BOOST_TEST(result.revoked_at.value_or(0) == when - 30 * day);

    spec.revocation_reason = 10;
    BOOST_TEST(check(spec).revocation_reason.value_or("?") == "aACompromise");
    spec.revocation_reason = -1; // no reason given: unspecified
    const OcspResult without = check(spec);
    BOOST_TEST(ccattest::support::ocsp_status_name(without.status) == "revoked");
    BOOST_TEST(without.revocation_reason.value_or("?") == "unspecified");
}

BOOST_AUTO_TEST_CASE(certificate_hold_is_its_own_status) {
    OcspResponseSpec spec = issuer_signed(OcspStatus::certificate_hold);
    spec.revoked_at = when - hour;
    const OcspResult result = check(spec);
    BOOST_TEST(ccattest::support::ocsp_status_name(result.status) == "certificateHold");
    BOOST_TEST(result.revocation_reason.value_or("?") == "certificateHold");
    BOOST_TEST(result.revoked_at.value_or(0) == when - hour);
}

BOOST_AUTO_TEST_CASE(unknown_to_the_responder) {
    const OcspResult result = check(issuer_signed(OcspStatus::unknown));
    BOOST_TEST(ccattest::support::ocsp_status_name(result.status) == "unknown");
    BOOST_TEST(!result.revocation_reason.has_value());
}

BOOST_AUTO_TEST_CASE(a_delegated_responder_with_the_ocsp_signing_usage) {
    const OcspResult result = check(delegated(pki().responder));
    BOOST_TEST(ccattest::support::ocsp_status_name(result.status) == "good");
    BOOST_TEST(result.responder == "Sim OCSP Responder");
    OcspResponseSpec by_name = delegated(pki().responder);
    by_name.responder_id_by_name = true;
    BOOST_TEST(check(by_name).responder == "Sim OCSP Responder");
}

BOOST_AUTO_TEST_CASE(a_delegated_responder_without_the_ocsp_signing_usage_is_refused) {
    // Without OCSP_TRUSTOTHER OpenSSL checks the usage of a delegated responder.
    const auto [status, message] = refusal_of(delegated(pki().responder_without_usage));
    BOOST_TEST(status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(message == for_device() + ": responder certificate \"Sim Responder Without Usage\" "
                                         "lacks the OCSPSigning extended key usage");
    const auto [other_status, other_message] = refusal_of(delegated(pki().responder_server_auth));
    BOOST_TEST(other_status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(other_message == for_device() + ": responder certificate \"Sim Responder "
                                               "ServerAuth\" lacks the OCSPSigning extended key "
                                               "usage");
}

BOOST_AUTO_TEST_CASE(a_self_signed_issuer_lends_no_trust_to_a_responder_without_the_usage) {
    // Under a self-signed issuer too: no trust setting of the root stands in for the usage.
    const PkeyPtr key = generate_key(KeyKind::p384);
    const Certificate unlabelled = mint("Root Responder Without Usage", "Sim Root", 30, key.get(),
                                        pki().root_key.get(), false);
    const Certificate labelled = mint("Root Responder", "Sim Root", 31, key.get(),
                                      pki().root_key.get(), false, {eku({ocsp_signing})});
    OcspResponseSpec spec;
    spec.subject = &pki().ca;
    spec.issuer = &pki().root;
    spec.signer_key = key.get();
    spec.responder_certificate = &unlabelled;
    spec.this_update = when - hour;
    const auto [status, message] = refusal(
        [&] { (void)check_ocsp_response(make_ocsp_response(spec), pki().ca, pki().root, when); });
    BOOST_TEST(status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(message == "OCSP response for certificate \"Sim Issuing CA\": responder certificate "
                          "\"Root Responder Without Usage\" lacks the OCSPSigning extended key "
                          "usage");
    spec.responder_certificate = &labelled;
    const OcspResult result =
        check_ocsp_response(make_ocsp_response(spec), pki().ca, pki().root, when);
    BOOST_TEST(result.responder == "Root Responder");
}

BOOST_AUTO_TEST_CASE(a_responder_someone_else_issued_is_refused) {
    const auto [status, message] = refusal_of(delegated(pki().responder_of_root));
    BOOST_TEST(status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(message == for_device() +
                              ": responder certificate \"Sim Root's Responder\" does not "
                              "verify to the issuer certificate \"Sim Issuing CA\" at "
                              "2025-06-15T15:06:40Z: unable to get local issuer "
                              "certificate");
}

BOOST_AUTO_TEST_CASE(a_delegated_responder_is_checked_at_the_verification_time) {
    // Valid in 2020-2022 only: refused in 2025, accepted in 2021 whatever the machine's clock.
    const auto [status, message] = refusal_of(delegated(pki().responder_2020));
    BOOST_TEST(status == CCATTEST_E_EXPIRED);
    BOOST_TEST(message == for_device() +
                              ": responder certificate \"Sim Responder 2020\" is not "
                              "valid at 2025-06-15T15:06:40Z (valid 2020-01-01T00:00:00Z "
                              "to 2022-01-01T00:00:00Z)");
    constexpr int64_t in_2021 = 1625097600; // 2021-07-01T00:00:00Z
    OcspResponseSpec spec = delegated(pki().responder_2020);
    spec.this_update = in_2021 - hour;
    spec.next_update = in_2021 + hour;
    BOOST_TEST(check(spec, in_2021).responder == "Sim Responder 2020");
}

BOOST_AUTO_TEST_CASE(an_answer_signed_by_another_key_is_refused) {
    OcspResponseSpec spec = issuer_signed();
    spec.signer_key = pki().stranger_key.get();
    spec.responder_id_by_name = true; // names the issuer, signed by the stranger
    const auto [status, message] = refusal_of(spec);
    BOOST_TEST(status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(message == for_device() + ": its signature does not verify with the key of "
                                         "certificate \"Sim Issuing CA\"");
    spec.responder_id_by_name = false; // names the stranger's key, which nothing certifies
    const auto [key_status, key_message] = refusal_of(spec);
    BOOST_TEST(key_status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(key_message == for_device() + " is signed by a responder that is neither the issuer "
                                             "certificate \"Sim Issuing CA\" nor a certificate the "
                                             "response carries");
}

BOOST_AUTO_TEST_CASE(an_answer_for_another_certificate_is_refused) {
    OcspResponseSpec spec = issuer_signed();
    spec.subject = &pki().other_device;
    const auto [status, message] = refusal_of(spec);
    BOOST_TEST(status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(message == for_device() + ": the response has no answer for it (serial 1a2b, issuer "
                                         "certificate \"Sim Issuing CA\")");
    // Checked against the wrong issuer, the issuer's answer has no signer it knows.
    const auto [wrong_status, wrong_message] =
        refusal_of(make_ocsp_response(issuer_signed()), pki().root);
    BOOST_TEST(wrong_status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(wrong_message == for_device() + " is signed by a responder that is neither the "
                                               "issuer certificate \"Sim Root\" nor a certificate "
                                               "the response carries");
}

BOOST_AUTO_TEST_CASE(sha2_cert_ids_are_matched_too) {
    OcspResponseSpec spec = issuer_signed(OcspStatus::revoked);
    spec.revocation_reason = 4;
    spec.cert_id_digest = EVP_sha256();
    BOOST_TEST(check(spec).revocation_reason.value_or("?") == "superseded");
    spec.cert_id_digest = EVP_sha384();
    BOOST_TEST(check(spec).revocation_reason.value_or("?") == "superseded");
    spec.subject = &pki().other_device; // another certificate under SHA-384 is still no answer
    BOOST_TEST(refusal_of(spec).first == CCATTEST_E_VERIFICATION_FAILED);
}

BOOST_AUTO_TEST_CASE(this_update_and_next_update_with_the_skew) {
    OcspResponseSpec spec = issuer_signed();
    spec.this_update = when + 301;
    spec.next_update = when + 24 * hour;
    const auto [early_status, early_message] = refusal_of(spec);
    BOOST_TEST(early_status == CCATTEST_E_EXPIRED);
    BOOST_TEST(early_message == for_device() + " is not valid before 2025-06-15T15:11:41Z "
                                               "(thisUpdate), checked at 2025-06-15T15:06:40Z");
    spec.this_update = when + 300; // within the default skew of 300 s
    BOOST_TEST(check(spec).this_update == when + 300);

    spec.this_update = when - 24 * hour;
    spec.next_update = when - 301;
    const auto [late_status, late_message] = refusal_of(spec);
    BOOST_TEST(late_status == CCATTEST_E_EXPIRED);
    BOOST_TEST(late_message == for_device() + " expired at 2025-06-15T15:01:39Z (nextUpdate), "
                                              "checked at 2025-06-15T15:06:40Z");
    spec.next_update = when - 300;
    BOOST_TEST(check(spec).next_update.value_or(0) == when - 300);
    // A skew of 0: a second past nextUpdate is too late.
    spec.next_update = when - 1;
    const auto [strict_status, strict_message] = refusal([&] {
        (void)check_ocsp_response(make_ocsp_response(spec), pki().device, pki().ca, when, 0);
    });
    BOOST_TEST(strict_status == CCATTEST_E_EXPIRED);
    BOOST_TEST(strict_message == for_device() + " expired at 2025-06-15T15:06:39Z (nextUpdate), "
                                                "checked at 2025-06-15T15:06:40Z");
    spec.next_update.reset(); // no nextUpdate: never stale
    BOOST_TEST(!check(spec).next_update.has_value());
}

BOOST_AUTO_TEST_CASE(next_update_before_this_update_is_malformed) {
    OcspResponseSpec spec = issuer_signed();
    spec.next_update = spec.this_update - 1;
    const auto [status, message] = refusal_of(spec);
    BOOST_TEST(status == CCATTEST_E_MALFORMED);
    BOOST_TEST(message == for_device() + ": nextUpdate 2025-06-15T14:06:39Z is before thisUpdate "
                                         "2025-06-15T14:06:40Z");
}

BOOST_AUTO_TEST_CASE(what_is_no_successful_ocsp_response_is_malformed) {
    const auto [empty_status, empty_message] = refusal_of(Bytes{}, pki().ca);
    BOOST_TEST(empty_status == CCATTEST_E_MALFORMED);
    BOOST_TEST(empty_message == for_device() + " is empty");

    const auto [garbage_status, garbage_message] = refusal_of(bytes_of("not DER at all"), pki().ca);
    BOOST_TEST(garbage_status == CCATTEST_E_MALFORMED);
    BOOST_TEST(garbage_message.rfind(for_device() + " is not an OCSP response: ", 0) == 0,
               garbage_message);

    Bytes trailing = make_ocsp_response(issuer_signed());
    trailing.push_back(0);
    const auto [trailing_status, trailing_message] = refusal_of(trailing, pki().ca);
    BOOST_TEST(trailing_status == CCATTEST_E_MALFORMED);
    BOOST_TEST(trailing_message == for_device() + ": trailing data after the response (1 byte)");

    const auto [later_status, later_message] =
        refusal_of(ccattest::support::make_unsuccessful_ocsp_response(3), pki().ca);
    BOOST_TEST(later_status == CCATTEST_E_MALFORMED);
    BOOST_TEST(later_message ==
               for_device() + ": the responder answered tryLater (3), not successful");
    const auto [unauthorized_status, unauthorized_message] =
        refusal_of(ccattest::support::make_unsuccessful_ocsp_response(6), pki().ca);
    BOOST_TEST(unauthorized_status == CCATTEST_E_MALFORMED);
    BOOST_TEST(unauthorized_message ==
               for_device() + ": the responder answered unauthorized (6), not successful");

    // A certificate is DER but no OCSP response.
    const auto [certificate_status, certificate_message] = refusal_of(pki().device.der(), pki().ca);
    BOOST_TEST(certificate_status == CCATTEST_E_MALFORMED);
    BOOST_TEST(certificate_message.rfind(for_device() + " is not an OCSP response: ", 0) == 0,
               certificate_message);
}

BOOST_AUTO_TEST_CASE(a_flipped_byte_in_the_signed_data_is_refused) {
    Bytes response = make_ocsp_response(issuer_signed(OcspStatus::revoked));
    // The revocation time's first digit ('2' of the year) lies inside tbsResponseData.
    const std::string year = "2025";
    const auto at = std::search(response.begin(), response.end(), year.begin(), year.end());
    BOOST_TEST_REQUIRE((at != response.end()));
    *at = '1';
    const auto [status, message] = refusal_of(response, pki().ca);
    BOOST_TEST(status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(message == for_device() + ": its signature does not verify with the key of "
                                         "certificate \"Sim Issuing CA\"");
}

BOOST_AUTO_TEST_CASE(a_negative_skew_is_refused) {
    const auto [status, message] = refusal([&] {
        (void)check_ocsp_response(make_ocsp_response(issuer_signed()), pki().device, pki().ca, when,
                                  -1);
    });
    BOOST_TEST(status == CCATTEST_E_INVALID_ARGUMENT);
    BOOST_TEST(message == "OCSP check: the clock skew is negative (-1 s)");
}

BOOST_AUTO_TEST_CASE(the_request_names_the_certificate_by_a_sha1_cert_id_without_a_nonce) {
    const Bytes der = ccattest::support::ocsp_request(pki().device, pki().ca);
    const unsigned char *cursor = der.data();
    OCSP_REQUEST *request = d2i_OCSP_REQUEST(nullptr, &cursor, static_cast<long>(der.size()));
    BOOST_TEST_REQUIRE(request != nullptr);
    BOOST_TEST((cursor == der.data() + der.size())); // one request, nothing after it
    BOOST_TEST(OCSP_request_onereq_count(request) == 1);
    BOOST_TEST(OCSP_REQUEST_get_ext_by_NID(request, NID_id_pkix_OCSP_Nonce, -1) < 0);
    OCSP_CERTID *expected = OCSP_cert_to_id(EVP_sha1(), pki().device.get(), pki().ca.get());
    OCSP_CERTID *other = OCSP_cert_to_id(EVP_sha1(), pki().other_device.get(), pki().ca.get());
    const OCSP_CERTID *asked = OCSP_onereq_get0_id(OCSP_request_onereq_get0(request, 0));
    BOOST_TEST(OCSP_id_cmp(asked, expected) == 0);
    BOOST_TEST(OCSP_id_cmp(asked, other) != 0);
    ASN1_OBJECT *hash = nullptr;
    BOOST_TEST(
        OCSP_id_get0_info(nullptr, &hash, nullptr, nullptr, const_cast<OCSP_CERTID *>(asked)) == 1);
    BOOST_TEST(OBJ_obj2nid(hash) == NID_sha1);
    OCSP_CERTID_free(other);
    OCSP_CERTID_free(expected);
    OCSP_REQUEST_free(request);
    // The same certificate, the same bytes: the host's cache can answer it again.
    BOOST_TEST((ccattest::support::ocsp_request(pki().device, pki().ca) == der));
}

BOOST_AUTO_TEST_CASE(the_responder_url_comes_from_the_aia_extension) {
    BOOST_TEST(ccattest::support::ocsp_responder_url(pki().device).value_or("?") ==
               "http://ocsp.sim.example/ocsp");
    BOOST_TEST(!ccattest::support::ocsp_responder_url(pki().other_device).has_value());
}

BOOST_AUTO_TEST_CASE(status_names) {
    BOOST_TEST(ccattest::support::ocsp_status_name(OcspStatus::good) == "good");
    BOOST_TEST(ccattest::support::ocsp_status_name(OcspStatus::revoked) == "revoked");
    BOOST_TEST(ccattest::support::ocsp_status_name(OcspStatus::certificate_hold) ==
               "certificateHold");
    BOOST_TEST(ccattest::support::ocsp_status_name(OcspStatus::unknown) == "unknown");
}

BOOST_AUTO_TEST_SUITE_END()
