// DCAP collateral documents: the real TCB info and QE identity of tests/data/tdx, their signatures
// by the TCB-signing certificate, their validity windows, and the strict decoding rules.
#include "collateral.hpp"
#include "support/refusal.hpp"

#include <ccattest/support/crypto.hpp>
#include <ccattest/support/files.hpp>

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <string>

namespace {

namespace fs = std::filesystem;
using ccattest::support::Bytes;
using ccattest::test::refusal;
using namespace ccattest::tdx;

std::string vector_text(const std::string &name) {
    const Bytes bytes = ccattest::support::read_file(fs::path(TDX_VECTORS) / name, 1U << 20U);
    return {bytes.begin(), bytes.end()};
}

std::string tcb_info_text() {
    return vector_text("gotdx_tcbinfo_fmspc50806f000000.json");
}
std::string qe_identity_text() {
    return vector_text("gotdx_qe_identity_td_qe.json");
}

ccattest::support::Certificate tcb_signer() {
    const Bytes pem = ccattest::support::read_file(
        fs::path(TDX_VECTORS) / "gotdx_tcb_signing_chain.pem", 1U << 20U);
    return ccattest::support::Certificate::parse_bundle(pem, "TCB signing chain").front();
}

std::span<const uint8_t> bytes_of(const std::string &text) {
    return {reinterpret_cast<const uint8_t *>(text.data()), text.size()};
}

TcbInfo tcb_info(const std::string &text) {
    return parse_tcb_info(bytes_of(text), "TCB info");
}
QeIdentity qe_identity(const std::string &text) {
    return parse_qe_identity(bytes_of(text), "QE identity");
}

/// `text` with its only occurrence of `from` replaced by `to` (fails the test if not exactly one).
std::string replaced(std::string text, const std::string &from, const std::string &to) {
    const size_t at = text.find(from);
    BOOST_REQUIRE(at != std::string::npos);
    BOOST_REQUIRE(text.find(from, at + 1) == std::string::npos);
    return text.replace(at, from.size(), to);
}

/// The body member's value as written in a compact {"<name>":<body>,"signature":"..."} file.
std::string body_text(const std::string &document, const std::string &name) {
    const std::string head = "{\"" + name + "\":";
    const size_t end = document.rfind(",\"signature\"");
    BOOST_REQUIRE(document.starts_with(head) && end != std::string::npos);
    return document.substr(head.size(), end - head.size());
}

std::string signature_text(const std::string &document) {
    const std::string key = "\"signature\":\"";
    const size_t at = document.find(key);
    BOOST_REQUIRE(at != std::string::npos);
    return document.substr(at + key.size(), 128);
}

std::string as_text(const Bytes &bytes) {
    return {bytes.begin(), bytes.end()};
}

constexpr int64_t july_1_2023 = 1688169600;   // 2023-07-01T00:00:00Z
constexpr int64_t august_1_2023 = 1690848000; // 2023-08-01T00:00:00Z
constexpr int64_t june_1_2023 = 1685577600;   // 2023-06-01T00:00:00Z

} // namespace

BOOST_AUTO_TEST_SUITE(tdx_collateral_vectors)

BOOST_AUTO_TEST_CASE(the_real_tcb_info_parses) {
    const std::string text = tcb_info_text();
    const TcbInfo info = tcb_info(text);
    BOOST_TEST(info.id == "TDX");
    BOOST_TEST(info.version == 3);
    BOOST_TEST(ccattest::support::to_hex(info.fmspc) == "50806f000000");
    BOOST_TEST(ccattest::support::to_hex(info.pce_id) == "0000");
    BOOST_TEST(info.tcb_type == 0);
    BOOST_TEST(info.tcb_evaluation_data_number == 15);
    BOOST_TEST(info.issue_date_text == "2023-06-18T08:42:58Z");
    BOOST_TEST(info.issue_date == 1687077778);
    BOOST_TEST(info.next_update_text == "2023-07-18T08:42:58Z");
    BOOST_TEST(info.next_update == 1689669778);
    BOOST_REQUIRE(info.tdx_module.has_value());
    BOOST_TEST(ccattest::support::is_all_zero(info.tdx_module->mrsigner));
    BOOST_TEST(ccattest::support::to_hex(info.tdx_module->attributes_mask) == "ffffffffffffffff");
    BOOST_TEST(info.tdx_module_identities.empty());
    BOOST_REQUIRE(info.levels.size() == 2);
    const std::array<uint8_t, 16> sgx{5, 5, 2, 2, 3, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0};
    const std::array<uint8_t, 16> tdx{3, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    BOOST_TEST(info.levels[0].sgx_components == sgx);
    BOOST_TEST(info.levels[0].pcesvn == 11);
    BOOST_TEST(info.levels[0].tdx_components == tdx);
    BOOST_TEST(info.levels[0].tcb_date_text == "2023-02-15T00:00:00Z");
    BOOST_TEST((info.levels[0].status == TcbStatus::up_to_date));
    BOOST_TEST(info.levels[0].advisory_ids.empty());
    BOOST_TEST(info.levels[1].pcesvn == 5);
    BOOST_TEST((info.levels[1].status == TcbStatus::out_of_date));
    BOOST_REQUIRE(info.levels[1].advisory_ids.size() == 13);
    BOOST_TEST(info.levels[1].advisory_ids.front() == "INTEL-SA-00106");
    BOOST_TEST(info.levels[1].advisory_ids.back() == "INTEL-SA-00477");
    BOOST_TEST(as_text(info.signed_body) == body_text(text, "tcbInfo"));
    BOOST_TEST(ccattest::support::to_hex(info.signature) == signature_text(text));
}

BOOST_AUTO_TEST_CASE(the_real_qe_identity_parses) {
    const std::string text = qe_identity_text();
    const QeIdentity identity = qe_identity(text);
    BOOST_TEST(identity.id == "TD_QE");
    BOOST_TEST(identity.version == 2);
    BOOST_TEST(identity.issue_date_text == "2023-06-08T07:24:59Z");
    BOOST_TEST(identity.next_update_text == "2023-07-08T07:24:59Z");
    BOOST_TEST(identity.tcb_evaluation_data_number == 15);
    BOOST_TEST(identity.miscselect == 0U);
    BOOST_TEST(identity.miscselect_mask == 0xFFFFFFFFU);
    BOOST_TEST(ccattest::support::to_hex(identity.attributes) ==
               "11000000000000000000000000000000");
    BOOST_TEST(ccattest::support::to_hex(identity.attributes_mask) ==
               "fbffffffffffffff0000000000000000");
    BOOST_TEST(ccattest::support::to_hex(identity.mrsigner) ==
               "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5");
    BOOST_TEST(identity.isvprodid == 2);
    BOOST_REQUIRE(identity.levels.size() == 1);
    BOOST_TEST(identity.levels[0].isvsvn == 4);
    BOOST_TEST(identity.levels[0].tcb_date_text == "2023-02-15T00:00:00Z");
    BOOST_TEST((identity.levels[0].status == TcbStatus::up_to_date));
    BOOST_TEST(as_text(identity.signed_body) == body_text(text, "enclaveIdentity"));
}

BOOST_AUTO_TEST_CASE(both_signatures_verify_with_the_tcb_signing_certificate) {
    const auto signer = tcb_signer();
    BOOST_CHECK_NO_THROW(verify_document_signature(tcb_info(tcb_info_text()), signer, "TCB info"));
    BOOST_CHECK_NO_THROW(
        verify_document_signature(qe_identity(qe_identity_text()), signer, "QE identity"));
}

BOOST_AUTO_TEST_CASE(one_changed_body_byte_breaks_the_signature) {
    const auto signer = tcb_signer();
    const std::string changed = replaced(tcb_info_text(), "\"tcbEvaluationDataNumber\":15",
                                         "\"tcbEvaluationDataNumber\":16");
    const TcbInfo info = tcb_info(changed);
    const auto [status, message] =
        refusal([&] { verify_document_signature(info, signer, "TCB info"); });
    BOOST_TEST(status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(message == "TCB info: the signature does not verify with the key of certificate "
                          "\"Intel SGX TCB Signing\"");

    const QeIdentity qe =
        qe_identity(replaced(qe_identity_text(), "\"isvprodid\":2", "\"isvprodid\":3"));
    const auto [qe_status, qe_message] =
        refusal([&] { verify_document_signature(qe, signer, "QE identity"); });
    BOOST_TEST(qe_status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(qe_message == "QE identity: the signature does not verify with the key of "
                             "certificate \"Intel SGX TCB Signing\"");
}

BOOST_AUTO_TEST_CASE(a_changed_signature_byte_breaks_it_too) {
    const std::string text = tcb_info_text();
    const std::string signature = signature_text(text);
    std::string other = signature;
    other[10] = other[10] == '0' ? '1' : '0';
    const TcbInfo info = tcb_info(replaced(text, signature, other));
    const auto [status, message] =
        refusal([&] { verify_document_signature(info, tcb_signer(), "TCB info"); });
    BOOST_TEST(status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(message.find("TCB info: the signature does not verify") == 0U);
}

BOOST_AUTO_TEST_CASE(the_validity_window) {
    const TcbInfo info = tcb_info(tcb_info_text());
    const QeIdentity identity = qe_identity(qe_identity_text());
    BOOST_CHECK_NO_THROW(check_document_window(info, july_1_2023, "TCB info"));
    BOOST_CHECK_NO_THROW(check_document_window(identity, july_1_2023, "QE identity"));
    // Both ends are inside.
    BOOST_CHECK_NO_THROW(check_document_window(info, info.issue_date, "TCB info"));
    BOOST_CHECK_NO_THROW(check_document_window(info, info.next_update, "TCB info"));

    const auto [status, message] =
        refusal([&] { check_document_window(info, august_1_2023, "TCB info"); });
    BOOST_TEST(status == CCATTEST_E_EXPIRED);
    BOOST_TEST(message == "TCB info has expired (issued 2023-06-18T08:42:58Z, next update "
                          "2023-07-18T08:42:58Z, checked at 2023-08-01T00:00:00Z)");
    const auto [qe_status, qe_message] =
        refusal([&] { check_document_window(identity, august_1_2023, "QE identity"); });
    BOOST_TEST(qe_status == CCATTEST_E_EXPIRED);
    BOOST_TEST(qe_message == "QE identity has expired (issued 2023-06-08T07:24:59Z, next update "
                             "2023-07-08T07:24:59Z, checked at 2023-08-01T00:00:00Z)");
    const auto [early_status, early_message] =
        refusal([&] { check_document_window(info, june_1_2023, "TCB info"); });
    BOOST_TEST(early_status == CCATTEST_E_EXPIRED);
    BOOST_TEST(early_message == "TCB info is not valid yet (issued 2023-06-18T08:42:58Z, next "
                                "update 2023-07-18T08:42:58Z, checked at 2023-06-01T00:00:00Z)");
    BOOST_TEST(refusal([&] {
                   check_document_window(info, info.next_update + 1, "TCB info");
               }).first == CCATTEST_E_EXPIRED);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tdx_collateral_signed_bytes)

// Whitespace between tokens is accepted; the signed bytes stay the body's exact text, so the real
// signature still verifies.
BOOST_AUTO_TEST_CASE(whitespace_around_the_members_keeps_the_signed_bytes) {
    const std::string text = tcb_info_text();
    const std::string spaced = " \n{ \"tcbInfo\" :\t" + body_text(text, "tcbInfo") +
                               " ,\r\n \"signature\" : \"" + signature_text(text) + "\" }\n";
    const TcbInfo info = tcb_info(spaced);
    BOOST_TEST(as_text(info.signed_body) == body_text(text, "tcbInfo"));
    BOOST_CHECK_NO_THROW(verify_document_signature(info, tcb_signer(), "TCB info"));
}

// The signature covers the body's value only, so member order is free; the scan finds the body.
BOOST_AUTO_TEST_CASE(the_body_may_come_second) {
    const std::string text = qe_identity_text();
    const std::string reordered = "{\"signature\":\"" + signature_text(text) +
                                  "\",\"enclaveIdentity\":" + body_text(text, "enclaveIdentity") +
                                  "}";
    const QeIdentity identity = qe_identity(reordered);
    BOOST_TEST(as_text(identity.signed_body) == body_text(text, "enclaveIdentity"));
    BOOST_CHECK_NO_THROW(verify_document_signature(identity, tcb_signer(), "QE identity"));
}

// Braces, brackets and escaped quotes inside strings do not move the end of the body.
BOOST_AUTO_TEST_CASE(strings_with_structure_characters_do_not_confuse_the_scan) {
    const std::string text = tcb_info_text();
    const std::string body =
        replaced(body_text(text, "tcbInfo"), "\"INTEL-SA-00106\"", "\"}]\\\"{[\\\\\"");
    const std::string document =
        "{\"signature\":\"" + signature_text(text) + "\",\"tcbInfo\":" + body + "}";
    const TcbInfo info = tcb_info(document);
    BOOST_TEST(as_text(info.signed_body) == body);
    BOOST_TEST(info.levels[1].advisory_ids.front() == "}]\"{[\\");
    // An escaped spelling of the body's name names the same member.
    const TcbInfo escaped =
        tcb_info("{\"tcb\\u0049nfo\":" + body + ",\"signature\":\"" + signature_text(text) + "\"}");
    BOOST_TEST(as_text(escaped.signed_body) == body);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tdx_collateral_malformed)

namespace {

void check_refused(const std::string &text, const std::string &expected) {
    const auto [status, message] = refusal([&] { (void)tcb_info(text); });
    BOOST_TEST(status == CCATTEST_E_MALFORMED);
    BOOST_TEST(message == expected);
}

} // namespace

BOOST_AUTO_TEST_CASE(a_duplicate_member_anywhere) {
    const auto [status, message] = refusal([&] {
        (void)tcb_info(replaced(tcb_info_text(), "\"pceId\":\"0000\"",
                                "\"pceId\":\"0000\",\"pceId\":\"0001\""));
    });
    BOOST_TEST(status == CCATTEST_E_MALFORMED);
    BOOST_TEST(message.starts_with("TCB info: line 1, column "));
    BOOST_TEST(message.find("duplicate member /tcbInfo/pceId") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(not_exactly_body_and_signature) {
    const std::string text = tcb_info_text();
    const std::string shape = "TCB info: document: its members are not exactly "
                              "{\"tcbInfo\", \"signature\"}";
    check_refused("{\"tcbInfo\":" + body_text(text, "tcbInfo") + "}", shape);
    check_refused(replaced(text, ",\"signature\"", ",\"extra\":1,\"signature\""), shape);
    check_refused(replaced(text, "{\"tcbInfo\"", "{\"enclaveIdentity\""), shape);
    check_refused("[" + text + "]", "TCB info: document: is not an object");
}

BOOST_AUTO_TEST_CASE(a_signature_of_127_digits) {
    const std::string text = tcb_info_text();
    const std::string signature = signature_text(text);
    check_refused(replaced(text, signature, signature.substr(1)),
                  "TCB info: signature: is 127 hex digits, expected 128");
    check_refused(replaced(text, signature, "zz" + signature.substr(2)),
                  "TCB info: signature: \"zz" + signature.substr(2) +
                      "\" is not hex (digits of one case: 0-9 with A-F or a-f)");
}

BOOST_AUTO_TEST_CASE(a_status_intel_does_not_define) {
    check_refused(replaced(tcb_info_text(), "\"UpToDate\"", "\"Fine\""),
                  "TCB info: tcbInfo.tcbLevels[0].tcbStatus: \"Fine\" is not a TCB status Intel "
                  "defines");
}

BOOST_AUTO_TEST_CASE(fifteen_components) {
    const std::string text = tcb_info_text();
    const std::string first = "\"sgxtcbcomponents\":[{\"svn\":5,\"category\":\"BIOS\",\"type\":"
                              "\"Early Microcode Update\"},";
    const size_t at = text.find(first);
    BOOST_REQUIRE(at != std::string::npos);
    std::string shorter = text;
    shorter.replace(at, first.size(), "\"sgxtcbcomponents\":[");
    check_refused(shorter, "TCB info: tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents: has 15 "
                           "components, expected 16");
}

BOOST_AUTO_TEST_CASE(hex_of_mixed_case_or_wrong_length) {
    const std::string text = tcb_info_text();
    check_refused(replaced(text, "\"FFFFFFFFFFFFFFFF\"", "\"FFFFFFFFFFFFFFff\""),
                  "TCB info: tcbInfo.tdxModule.attributesMask: \"FFFFFFFFFFFFFFff\" is not hex "
                  "(digits of one case: 0-9 with A-F or a-f)");
    // Either case alone is fine.
    const TcbInfo lower = tcb_info(replaced(text, "\"FFFFFFFFFFFFFFFF\"", "\"ffffffffffffffff\""));
    BOOST_TEST(ccattest::support::to_hex(lower.tdx_module->attributes_mask) == "ffffffffffffffff");
    check_refused(replaced(text, "\"fmspc\":\"50806f000000\"", "\"fmspc\":\"50806f0000\""),
                  "TCB info: tcbInfo.fmspc: is 10 hex digits, expected 12");
}

BOOST_AUTO_TEST_CASE(dates_are_whole_utc_seconds_that_exist) {
    const std::string text = tcb_info_text();
    check_refused(replaced(text, "2023-06-18T08:42:58Z", "2023-06-18T08:42:58.000Z"),
                  "TCB info: tcbInfo.issueDate: \"2023-06-18T08:42:58.000Z\" is not a UTC time "
                  "like 2023-06-18T08:42:58Z");
    check_refused(replaced(text, "2023-06-18T08:42:58Z", "2023-06-18T08:42:58+00:00"),
                  "TCB info: tcbInfo.issueDate: \"2023-06-18T08:42:58+00:00\" is not a UTC time "
                  "like 2023-06-18T08:42:58Z");
    check_refused(replaced(text, "2023-07-18T08:42:58Z", "2023-02-30T08:42:58Z"),
                  "TCB info: tcbInfo.nextUpdate: \"2023-02-30T08:42:58Z\" is not a UTC time like "
                  "2023-06-18T08:42:58Z");
}

BOOST_AUTO_TEST_CASE(members_missing_of_the_wrong_type_or_out_of_range) {
    const std::string text = tcb_info_text();
    check_refused(replaced(text, "\"pceId\":\"0000\",", ""), "TCB info: tcbInfo.pceId: missing");
    check_refused(replaced(text, "\"tcbType\":0", "\"tcbType\":\"0\""),
                  "TCB info: tcbInfo.tcbType: is not an integer");
    check_refused(replaced(text, "\"pcesvn\":11", "\"pcesvn\":11.0"),
                  "TCB info: tcbInfo.tcbLevels[0].tcb.pcesvn: is not an integer");
    check_refused(replaced(text, "\"pcesvn\":11", "\"pcesvn\":65536"),
                  "TCB info: tcbInfo.tcbLevels[0].tcb.pcesvn: 65536 is outside 0..65535");
    check_refused(replaced(text, "\"pcesvn\":5", "\"pcesvn\":-1"),
                  "TCB info: tcbInfo.tcbLevels[1].tcb.pcesvn: -1 is outside 0..65535");
    check_refused(replaced(text, "\"version\":3", "\"version\":2"),
                  "TCB info: tcbInfo.version: version 2 is not supported (3)");
    check_refused(replaced(text, "\"advisoryIDs\":[\"INTEL-SA-00106\"", "\"advisoryIDs\":[7"),
                  "TCB info: tcbInfo.tcbLevels[1].advisoryIDs[0]: is not a string");
    const std::string no_tdx =
        replaced(text, "\"pcesvn\":5,\"tdxtcbcomponents\"", "\"pcesvn\":5,\"tdxTcbComponents\"");
    check_refused(no_tdx, "TCB info: tcbInfo.tcbLevels[1].tcb.tdxtcbcomponents: missing");
}

BOOST_AUTO_TEST_CASE(qe_identity_members) {
    const std::string text = qe_identity_text();
    const auto refused = [](const std::string &document) {
        return refusal([&] { (void)qe_identity(document); });
    };
    BOOST_TEST(refused(replaced(text, "\"miscselect\":\"00000000\"", "\"miscselect\":\"000000\""))
                   .second == "QE identity: enclaveIdentity.miscselect: is 6 hex digits, "
                              "expected 8");
    BOOST_TEST(refused(replaced(text, "\"isvsvn\":4", "\"isvsvn\":70000")).second ==
               "QE identity: enclaveIdentity.tcbLevels[0].tcb.isvsvn: 70000 is outside 0..65535");
    BOOST_TEST(refused(replaced(text, "\"version\":2", "\"version\":1")).second ==
               "QE identity: enclaveIdentity.version: version 1 is not supported (2)");
    BOOST_TEST(refused(replaced(text,
                                "\"tcbLevels\":[{\"tcb\":{\"isvsvn\":4},\"tcbDate\":"
                                "\"2023-02-15T00:00:00Z\",\"tcbStatus\":\"UpToDate\"}]",
                                "\"tcbLevels\":[]"))
                   .second == "QE identity: enclaveIdentity.tcbLevels: is empty");
    BOOST_TEST(refused(text.substr(0, text.size() - 2)).first == CCATTEST_E_MALFORMED);
}

BOOST_AUTO_TEST_CASE(documents_over_the_size_limit) {
    const std::string huge(max_collateral_json_size + 1, ' ');
    check_refused(huge, "TCB info: 1048577 bytes, more than the 1048576 a collateral document may "
                        "have");
}

BOOST_AUTO_TEST_CASE(unknown_members_are_ignored) {
    // Unsigned, so only the decoding is checked: Intel adds members over time.
    const TcbInfo info =
        tcb_info(replaced(tcb_info_text(), "\"tcbType\":0", "\"tcbType\":0,\"newMember\":{}"));
    BOOST_TEST(info.levels.size() == 2U);
}

BOOST_AUTO_TEST_SUITE_END()
