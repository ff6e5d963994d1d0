// Fuzz target: the TDX collateral documents (TCB info, QE identity) and the TCB grading on what
// they decode to.
//
// Properties: decoding refuses with sdk::failure(MALFORMED) only (INTERNAL would mean the raw body
// scan disagreed with the strict parser); an accepted document's signed bytes are a piece of the
// input that parses to the same body; the signature check with Intel's real TCB-signing
// certificate and the window check refuse with their documented statuses only; grading a fixed
// platform and QE report refuses with VERIFICATION_FAILED only, never returns Revoked, and combine
// agrees.
#include "collateral.hpp"
#include "fuzz_support.hpp"
#include "quote.hpp"
#include "tcb.hpp"

#include <ccattest/support/crypto.hpp>
#include <ccattest/support/files.hpp>
#include <ccattest/support/json.hpp>

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

using namespace ccattest::tdx;
using ccattest::sdk::failure;

const ccattest::support::Certificate &tcb_signer() {
    static const ccattest::support::Certificate signer = [] {
        const auto pem = ccattest::support::read_file(
            std::string(TDX_VECTORS) + "/gotdx_tcb_signing_chain.pem", 1U << 20U);
        return ccattest::support::Certificate::parse_bundle(pem, "TCB signing chain").front();
    }();
    return signer;
}

void require_status(const failure &e, ccattest_status expected, const char *step) {
    fuzz::require(e.status() == expected && !std::string(e.what()).empty(),
                  std::string(step) + " refused with status " + std::to_string(e.status()) + ": " +
                      e.what());
}

/// The signed bytes lie inside the input and read as the body that was decoded.
void check_signed_body(const SignedDocument &document, std::string_view input,
                       std::string_view body_name) {
    const std::string body(document.signed_body.begin(), document.signed_body.end());
    fuzz::require(input.find(body) != std::string_view::npos,
                  "signed body is not a piece of the input");
    const auto whole = ccattest::support::parse_json(input);
    fuzz::require(ccattest::support::parse_json(body) == whole.as_object().at(body_name),
                  "signed body does not read as the decoded body");
}

/// Signature, window and grading: only their documented refusals.
void check_uses(const SignedDocument &document, const char *what) {
    try {
        verify_document_signature(document, tcb_signer(), what);
    } catch (const failure &e) {
        require_status(e, CCATTEST_E_VERIFICATION_FAILED, "signature");
    }
    for (const int64_t when : {int64_t{0}, int64_t{1688169600}, int64_t{4102444800}}) {
        try {
            check_document_window(document, when, what);
        } catch (const failure &e) {
            require_status(e, CCATTEST_E_EXPIRED, "window");
        }
    }
}

std::optional<Grade> graded(const auto &grade_it) {
    try {
        Grade grade = grade_it();
        fuzz::require(grade.status != TcbStatus::revoked, "a grade of Revoked was returned");
        return grade;
    } catch (const failure &e) {
        require_status(e, CCATTEST_E_VERIFICATION_FAILED, "grading");
    }
    return std::nullopt;
}

PlatformTcb fuzz_platform() {
    PlatformTcb platform;
    platform.pck_components = {5, 5, 2, 2, 3, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0};
    platform.pcesvn = 11;
    platform.tee_tcb_svn = {3, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    return platform;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string_view input = fuzz::text_of(data, size);
    std::optional<Grade> platform;
    try {
        const TcbInfo info = parse_tcb_info({data, size}, "TCB info");
        check_signed_body(info, input, "tcbInfo");
        check_uses(info, "TCB info");
        platform = graded([&] { return grade_platform(info, fuzz_platform()); });
        PlatformTcb on_module = fuzz_platform();
        on_module.tee_tcb_svn[1] = 3; // through the module identities too
        (void)graded([&] { return grade_platform(info, on_module); });
    } catch (const failure &e) {
        require_status(e, CCATTEST_E_MALFORMED, "TCB info decoding");
    }
    try {
        const QeIdentity identity = parse_qe_identity({data, size}, "QE identity");
        check_signed_body(identity, input, "enclaveIdentity");
        check_uses(identity, "QE identity");
        EnclaveReport report;
        report.mrsigner = identity.mrsigner;
        report.isvprodid = identity.isvprodid;
        report.miscselect = identity.miscselect;
        report.attributes = identity.attributes;
        report.isvsvn = 4;
        const auto qe = graded([&] { return grade_qe(identity, report); });
        if (qe) {
            const Grade of_platform = platform.value_or(Grade{});
            const auto combined = graded([&] { return combine(of_platform, *qe); });
            fuzz::require(combined.has_value(), "combine refused two non-revoked grades");
        }
    } catch (const failure &e) {
        require_status(e, CCATTEST_E_MALFORMED, "QE identity decoding");
    }
    return 0;
}
