// The TDX verifier against Intel's real quote and collateral (tests/data/tdx/README.md): authentic
// as carried, the TCB outcome the collateral gives, expiry, and one flipped byte in each signed
// part failing its own check.
#include "tdx_support.hpp"

#include <ccattest/support/sim/state.hpp>

#include <boost/test/unit_test.hpp>

#include <fstream>

#include <algorithm>

namespace {
using namespace tdx_test;
using ccattest::tdx::Verifier;
using ccattest::tdx::VerifierConfig;

// Offsets in the real v4 quote (quote.hpp gives the layout).
constexpr size_t body = 48;
constexpr size_t mr_td = body + 136;
constexpr size_t report_data = body + 520;
constexpr size_t signature = 636;
constexpr size_t attestation_key = 700;
constexpr size_t qe_report = 770;
constexpr size_t qe_report_signature = 1154;
constexpr size_t qe_auth_data = 1220;
constexpr size_t pck_pem = 1258;

Bytes flipped(Bytes bytes, size_t offset) {
    bytes.at(offset) ^= 0x01U;
    return bytes;
}

// A character inside the signature of the n-th PEM certificate of the quote's chain, changed to
// another base64 digit: the DER stays well-formed, the signature does not.
Bytes flipped_certificate(size_t n) {
    Bytes quote = real_quote();
    const std::string text(quote.begin() + pck_pem, quote.end());
    size_t end = 0;
    for (size_t i = 0; i <= n; ++i) {
        end = text.find("-----END CERTIFICATE-----", end + 1);
    }
    uint8_t &c = quote.at(pck_pem + end - 12);
    c = c == 'A' ? 'B' : 'A';
    return quote;
}

const Verifier &plain() {
    static const Verifier verifier{VerifierConfig{}};
    return verifier;
}

} // namespace

BOOST_AUTO_TEST_SUITE(tdx_vectors)

BOOST_AUTO_TEST_CASE(real_quote_is_authentic_without_collateral) {
    const Outcome out = verify(plain(), real_quote());
    BOOST_TEST_REQUIRE(out.status == CCATTEST_OK, out.message);
    const auto &c = out.claims;
    BOOST_TEST(c.at("quote_version").to_number<int64_t>() == 4);
    BOOST_TEST(c.at("tee_type").as_string() == "TDX");
    BOOST_TEST(c.at("mr_td").as_string() ==
               "6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc"
               "10d5e119d7215cbb");
    BOOST_TEST(c.at("rtmr0").as_string() ==
               "2927da70461cd63266f43230cc1849c03ef25ebe490062a801d8fcc80af42976823adf08f833c1e5"
               "0b51779c6593f32a");
    BOOST_TEST(c.at("rtmr3").as_string() == std::string(96, '0'));
    BOOST_TEST(c.at("td_attributes").at("raw").as_string() == "0000004000000000");
    BOOST_TEST(c.at("td_attributes").at("pks").as_bool());
    BOOST_TEST(!c.at("td_attributes").at("debug").as_bool());
    BOOST_TEST(c.at("tee_tcb_svn").as_string() == "03000400000000000000000000000000");
    BOOST_TEST(c.at("report_data").as_string().subview().substr(0, 32) ==
               "6c62dec1b8191749a31dab490be532a3");
    BOOST_TEST(c.at("fmspc").as_string() == "50806f000000");
    BOOST_TEST(c.at("pce_id").as_string() == "0000");
    BOOST_TEST(c.at("pck").at("pcesvn").to_number<int64_t>() == 11);
    BOOST_TEST(c.at("pck").at("tcb_components").as_string() == "03030202020100020000000000000000");
    BOOST_TEST(c.at("qe").at("isvsvn").to_number<int64_t>() == 4);
    BOOST_TEST(c.at("trailing_bytes").to_number<int64_t>() == 39);
    BOOST_TEST(c.at("tcb_status").as_string() == "unknown");
    BOOST_TEST(c.at("qe_tcb_status").as_string() == "unknown");
    BOOST_TEST(c.at("collateral").at("source").as_string() == "none");
    BOOST_TEST(!c.at("simulated").as_bool());
    BOOST_TEST(c.at("token_form").as_string() == "raw-quote");
    BOOST_TEST(c.at("chain").at("root").as_string() == "Intel SGX Root CA");
    BOOST_TEST(!c.at("chain").at("revocation_checked").as_bool());
    BOOST_TEST(c.at("evidence_digest").as_string().size() == 64U);
}

BOOST_AUTO_TEST_CASE(binding_is_checked) {
    Bytes expected(64, 0);
    const Bytes quote = real_quote();
    std::copy_n(quote.begin() + report_data, 64, expected.begin());
    BOOST_TEST(verify(plain(), quote, inside_window, expected).status == CCATTEST_OK);
    expected[63] ^= 1U;
    const Outcome out = verify(plain(), quote, inside_window, expected);
    BOOST_TEST(out.status == CCATTEST_E_BINDING_MISMATCH);
    BOOST_TEST(out.message == "REPORTDATA differs from the expected report data");
}

BOOST_AUTO_TEST_CASE(ccattest_token_gives_the_same_digest_as_the_raw_quote) {
    const Outcome raw = verify(plain(), real_quote());
    const Outcome wrapped = verify(plain(), token_of(real_evidence({})));
    BOOST_TEST_REQUIRE(wrapped.status == CCATTEST_OK, wrapped.message);
    BOOST_TEST(wrapped.claims.at("evidence_digest") == raw.claims.at("evidence_digest"));
    BOOST_TEST(wrapped.claims.at("token_form").as_string() == "ccattest-tdx-v1");
}

BOOST_AUTO_TEST_CASE(crls_are_applied) {
    const Outcome out = verify(plain(), token_of(real_evidence({.crls = true})));
    BOOST_TEST_REQUIRE(out.status == CCATTEST_OK, out.message);
    BOOST_TEST(out.claims.at("chain").at("revocation_checked").as_bool());
}

BOOST_AUTO_TEST_CASE(real_collateral_finds_no_matching_tcb_level) {
    // The PCK's SGX components (3,3,2,2,2,1,0,2,...) are below both levels' (5,5,2,2,3,1,0,3,...):
    // Intel's QVL calls such a platform unsupported, never up to date.
    const Outcome out = verify(plain(), token_of(real_evidence({true, true, true, true})));
    BOOST_TEST(out.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(out.message.find("no TCB level matches") != std::string::npos, out.message);
}

BOOST_AUTO_TEST_CASE(configured_collateral_files_are_found_by_content) {
    VerifierConfig config;
    config.collateral = {vector("gotdx_tcbinfo_fmspc50806f000000.json"),
                         vector("gotdx_qe_identity_td_qe.json"),
                         vector("gotdx_tcb_signing_chain.pem"),
                         vector("gotdx_pck_platform_crl.der"), vector("gotdx_sgx_root_crl.der")};
    const Verifier verifier(config);
    const Outcome out = verify(verifier, real_quote());
    BOOST_TEST(out.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(out.message.find("no TCB level matches") != std::string::npos, out.message);
}

BOOST_AUTO_TEST_CASE(a_folder_of_collateral_is_read) {
    VerifierConfig config;
    config.collateral = {fs::path(TDX_VECTORS)};
    // The folder also holds README.md, which is none of the recognised kinds.
    const auto [status, message] = [&] {
        try {
            const Verifier verifier(config);
        } catch (const ccattest::sdk::failure &e) {
            return std::pair{e.status(), std::string(e.what())};
        }
        return std::pair{CCATTEST_OK, std::string()};
    }();
    BOOST_TEST(status == CCATTEST_E_CONFIG);
    BOOST_TEST(message.find("README.md is not a TCB info, QE identity, certificate or CRL") !=
                   std::string::npos,
               message);
}

BOOST_AUTO_TEST_CASE(pck_leaf_expiry) {
    const Outcome out = verify(plain(), real_quote(), pck_expired);
    BOOST_TEST(out.status == CCATTEST_E_EXPIRED);
    BOOST_TEST(out.message.find("PCK certificate chain: ") == 0U, out.message);
}

BOOST_AUTO_TEST_CASE(expired_collateral) {
    // The TCB info's nextUpdate (2023-07-18) has passed; the chain itself is still valid.
    const Outcome out = verify(plain(), token_of(real_evidence({.tcb_info = true, .signer = true})),
                               collateral_expired);
    BOOST_TEST(out.status == CCATTEST_E_EXPIRED);
    BOOST_TEST(out.message.find("token TCB info") == 0U, out.message);
    // The PCK CRL (nextUpdate 2023-07-08) has too.
    const Outcome crl =
        verify(plain(), token_of(real_evidence({.crls = true})), collateral_expired);
    BOOST_TEST(crl.status == CCATTEST_E_EXPIRED);
    BOOST_TEST(crl.message.find("PCK certificate chain: ") == 0U, crl.message);
}

BOOST_AUTO_TEST_CASE(tcb_info_for_another_fmspc) {
    auto evidence = real_evidence({.tcb_info = true, .signer = true});
    std::string text(evidence.collateral.tcb_info->begin(), evidence.collateral.tcb_info->end());
    text.replace(text.find("50806f000000"), 12, "00906ed50000");
    evidence.collateral.tcb_info = Bytes(text.begin(), text.end());
    const Outcome out = verify(plain(), token_of(evidence));
    BOOST_TEST(out.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(out.message ==
               "token TCB info is for FMSPC 00906ed50000, the PCK's is 50806f000000");
}

BOOST_AUTO_TEST_CASE(changed_collateral_byte_breaks_its_signature) {
    for (const bool tcb : {true, false}) {
        auto evidence = real_evidence({.tcb_info = tcb, .qe_identity = !tcb, .signer = true});
        auto &document = tcb ? evidence.collateral.tcb_info : evidence.collateral.qe_identity;
        std::string text(document->begin(), document->end());
        const size_t at = text.find("\"tcbEvaluationDataNumber\":15");
        BOOST_TEST_REQUIRE(at != std::string::npos);
        text.replace(at, 28, "\"tcbEvaluationDataNumber\":16");
        document = Bytes(text.begin(), text.end());
        const Outcome out = verify(plain(), token_of(evidence));
        BOOST_TEST(out.status == CCATTEST_E_VERIFICATION_FAILED);
        const std::string what = tcb ? "token TCB info" : "token QE identity";
        BOOST_TEST(out.message.find(what + ": its signature does not verify") == 0U, out.message);
    }
}

BOOST_AUTO_TEST_CASE(a_changed_signature_fails_after_the_document_verified) {
    // The verifier remembers verified documents: the signature is part of what it remembers.
    const Verifier verifier{VerifierConfig{}};
    auto evidence = real_evidence({.qe_identity = true, .signer = true});
    BOOST_TEST_REQUIRE(verify(verifier, token_of(evidence)).status == CCATTEST_OK);
    std::string text(evidence.collateral.qe_identity->begin(),
                     evidence.collateral.qe_identity->end());
    const size_t at = text.find("\"signature\":\"") + 13;
    text[at] = text[at] == '0' ? '1' : '0';
    evidence.collateral.qe_identity = Bytes(text.begin(), text.end());
    const Outcome out = verify(verifier, token_of(evidence));
    BOOST_TEST(out.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(out.message.find("token QE identity: its signature does not verify") == 0U,
               out.message);
}

BOOST_AUTO_TEST_CASE(the_pck_chain_has_one_spelling) {
    // A line break spelled as a tab still decodes to the same certificates, but no signature covers
    // these bytes: only the canonical PEM is accepted.
    Bytes quote = real_quote();
    const size_t newline = pck_pem + 64 + 28; // the end of the first base64 line of the leaf
    BOOST_TEST_REQUIRE(quote.at(newline) == '\n');
    quote.at(newline) = '\t';
    const Outcome out = verify(plain(), quote);
    BOOST_TEST(out.status == CCATTEST_E_MALFORMED);
    BOOST_TEST(out.message.find("quote PCK certificate chain is not in canonical PEM") == 0U,
               out.message);
}

BOOST_AUTO_TEST_CASE(each_flipped_part_fails_its_own_check) {
    struct Case {
        const char *part;
        Bytes quote;
        ccattest_status status;
        std::string message;
    };
    const std::vector<Case> cases = {
        {"header user data", flipped(real_quote(), 40), CCATTEST_E_VERIFICATION_FAILED,
         "quote signature does not verify with the attestation key"},
        {"MRTD", flipped(real_quote(), mr_td), CCATTEST_E_VERIFICATION_FAILED,
         "quote signature does not verify with the attestation key"},
        {"REPORTDATA", flipped(real_quote(), report_data), CCATTEST_E_VERIFICATION_FAILED,
         "quote signature does not verify with the attestation key"},
        {"quote signature", flipped(real_quote(), signature + 5), CCATTEST_E_VERIFICATION_FAILED,
         "quote signature does not verify with the attestation key"},
        {"QE report", flipped(real_quote(), qe_report + 100), CCATTEST_E_VERIFICATION_FAILED,
         "QE report signature does not verify with the PCK certificate"},
        {"QE report signature", flipped(real_quote(), qe_report_signature + 5),
         CCATTEST_E_VERIFICATION_FAILED,
         "QE report signature does not verify with the PCK certificate"},
        {"attestation key", flipped(real_quote(), attestation_key + 5),
         CCATTEST_E_VERIFICATION_FAILED,
         "QE report data: does not bind the attestation key and QE auth data"},
        {"QE auth data", flipped(real_quote(), qe_auth_data + 3), CCATTEST_E_VERIFICATION_FAILED,
         "QE report data: does not bind the attestation key and QE auth data"},
    };
    for (const auto &c : cases) {
        const Outcome out = verify(plain(), c.quote);
        BOOST_TEST(out.status == c.status, c.part);
        BOOST_TEST(out.message == c.message, c.part << ": " << out.message);
    }
}

BOOST_AUTO_TEST_CASE(version_byte_fails_parsing) {
    const Outcome out = verify(plain(), flipped(real_quote(), 0));
    BOOST_TEST(out.status == CCATTEST_E_MALFORMED);
    BOOST_TEST(out.message.find("quote: ") == 0U, out.message);
}

BOOST_AUTO_TEST_CASE(each_pck_certificate_flip_fails) {
    const std::vector<std::string> expected = {
        "PCK certificate chain: ", "PCK certificate chain: ",
        "PCK certificate chain: it ends in certificate \"Intel SGX Root CA\", which is not a "
        "trusted root"};
    for (size_t n = 0; n < 3; ++n) {
        const Outcome out = verify(plain(), flipped_certificate(n));
        BOOST_TEST(out.status == CCATTEST_E_VERIFICATION_FAILED, n);
        BOOST_TEST(out.message.find(expected[n]) == 0U, n << ": " << out.message);
    }
}

BOOST_AUTO_TEST_CASE(wrong_root_pin_is_a_config_error) {
    const fs::path dir = fs::temp_directory_path() / "ccattest-tdx-wrong-root";
    fs::create_directories(dir);
    // Intel's TCB-signing certificate in the root's place.
    const auto signer =
        ccattest::support::Certificate::parse_bundle(read("gotdx_tcb_signing_chain.pem"), "chain");
    std::ofstream(dir / "intel_sgx_root_ca.pem")
        << ccattest::support::certificate_pem(signer.front());
    VerifierConfig config;
    config.trust_dir = dir;
    try {
        const Verifier verifier(config);
        BOOST_FAIL("a root that is not Intel's was accepted");
    } catch (const ccattest::sdk::failure &e) {
        BOOST_TEST(e.status() == CCATTEST_E_CONFIG);
        BOOST_TEST(std::string(e.what()).find("not the pinned 44a0196b") != std::string::npos,
                   e.what());
    }
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
