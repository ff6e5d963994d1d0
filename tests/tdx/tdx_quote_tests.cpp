// The quote decoder against Intel's real TDX quote (v4, from go-tdx-guest's test data) and quotes
// derived from it: v5 with a TD 1.0 and a TD 1.5 body, every length field too large, truncations,
// wrong types, bytes left over, and the size limit.
#include "quote.hpp"
#include "support/refusal.hpp"

#include <ccattest/support/crypto.hpp>
#include <ccattest/support/files.hpp>

#include <boost/test/unit_test.hpp>

#include <filesystem>

using ccattest::support::Bytes;
using ccattest::test::refusal;
namespace tdx = ccattest::tdx;

namespace {

// Where the fields of the real quote lie (quote.hpp gives the layout; its auth data is 32 bytes).
constexpr size_t signature_size_at = 48 + 584;
constexpr size_t signature_data_at = signature_size_at + 4;
constexpr size_t certification_type_at = signature_data_at + 128;
constexpr size_t certification_size_at = certification_type_at + 2;
constexpr size_t qe_report_at = certification_size_at + 4;
constexpr size_t auth_size_at = qe_report_at + 384 + 64;
constexpr size_t pck_type_at = auth_size_at + 2 + 32;
constexpr size_t pck_size_at = pck_type_at + 2;
constexpr size_t pck_chain_at = pck_size_at + 4;
constexpr size_t pck_chain_size = 3677;
constexpr size_t signature_data_end = pck_chain_at + pck_chain_size;

std::filesystem::path vector_file(const char *name) {
    return std::filesystem::path(TDX_VECTORS) / name;
}

Bytes real_quote() {
    return ccattest::support::read_file(vector_file("gotdx_quote_v4_spr_e4.dat"), 1U << 20U);
}

std::string hex(std::span<const uint8_t> bytes) {
    return ccattest::support::to_hex(bytes);
}

uint32_t read_u32(const Bytes &bytes, size_t at) {
    return static_cast<uint32_t>(bytes[at]) | (static_cast<uint32_t>(bytes[at + 1]) << 8U) |
           (static_cast<uint32_t>(bytes[at + 2]) << 16U) |
           (static_cast<uint32_t>(bytes[at + 3]) << 24U);
}

void put_u16(Bytes &bytes, size_t at, uint16_t value) {
    bytes[at] = static_cast<uint8_t>(value);
    bytes[at + 1] = static_cast<uint8_t>(value >> 8U);
}

void put_u32(Bytes &bytes, size_t at, uint32_t value) {
    ccattest::support::put_u32_le(bytes.data() + at, value);
}

void add_u32(Bytes &bytes, size_t at, uint32_t delta) {
    put_u32(bytes, at, read_u32(bytes, at) + delta);
}

// The message of a refused quote; a refusal with another status fails the test.
std::string refused(const Bytes &quote) {
    const auto [status, message] = refusal([&] { (void)tdx::parse_quote(quote); });
    BOOST_TEST(status == CCATTEST_E_MALFORMED);
    return message;
}

// The real v4 quote as v5: body type and size after the header, for a TD 1.5 body the 64 bytes
// of its extension (TEE TCB SVN 2, MRSERVICETD) after the 1.0 body.
Bytes as_v5(uint16_t body_type, uint32_t body_size) {
    Bytes quote = real_quote();
    put_u16(quote, 0, 5);
    Bytes type_and_size(6);
    put_u16(type_and_size, 0, body_type);
    put_u32(type_and_size, 2, body_size);
    quote.insert(quote.begin() + 48, type_and_size.begin(), type_and_size.end());
    if (body_type == 3) {
        Bytes extension(64);
        for (size_t i = 0; i < extension.size(); ++i) {
            extension[i] = static_cast<uint8_t>(0xC0U + i);
        }
        quote.insert(quote.begin() + 48 + 6 + 584, extension.begin(), extension.end());
    }
    return quote;
}

} // namespace

BOOST_AUTO_TEST_SUITE(tdx_quote)

BOOST_AUTO_TEST_CASE(real_v4_quote_decodes) {
    const auto quote = tdx::parse_quote(real_quote());
    BOOST_TEST(quote.version == 4);
    BOOST_TEST(quote.attestation_key_type == 2);
    BOOST_TEST(quote.tee_type == 0x81U);
    BOOST_TEST(hex(quote.qe_vendor_id) == "939a7233f79c4ca9940a0db3957f0607");
    BOOST_TEST((quote.body_kind == tdx::BodyKind::td10));
    const auto &body = quote.body;
    BOOST_TEST(hex(body.mr_td) == "6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86"
                                  "f22fc00b8dcd404bc10d5e119d7215cbb");
    BOOST_TEST(hex(body.rtmr[0]) == "2927da70461cd63266f43230cc1849c03ef25ebe490062a801d8fcc80af4"
                                    "2976823adf08f833c1e50b51779c6593f32a");
    BOOST_TEST(ccattest::support::is_all_zero(body.rtmr[3]));
    BOOST_TEST(hex(body.td_attributes) == "0000004000000000");
    BOOST_TEST(hex(body.tee_tcb_svn) == "03000400000000000000000000000000");
    BOOST_TEST(hex(body.report_data).substr(0, 32) == "6c62dec1b8191749a31dab490be532a3");
    BOOST_TEST(!body.tee_tcb_svn2.has_value());
    BOOST_TEST(!body.mr_service_td.has_value());
    BOOST_TEST(quote.qe_report.isvsvn == 4);
    BOOST_TEST(quote.qe_auth_data.size() == 32U);
    BOOST_TEST(quote.pck_chain_pem.size() == pck_chain_size);
    BOOST_TEST(quote.trailing_bytes == 39U);
}

BOOST_AUTO_TEST_CASE(signed_part_and_raw_qe_report_are_the_quote_bytes) {
    const Bytes bytes = real_quote();
    const auto quote = tdx::parse_quote(bytes);
    BOOST_TEST(quote.signed_part == Bytes(bytes.begin(), bytes.begin() + signature_size_at),
               boost::test_tools::per_element());
    BOOST_TEST(quote.qe_report.raw ==
                   Bytes(bytes.begin() + qe_report_at, bytes.begin() + qe_report_at + 384),
               boost::test_tools::per_element());
    BOOST_TEST(hex(quote.signature) == hex(std::span(bytes).subspan(signature_data_at, 64)));
    BOOST_TEST(hex(quote.attestation_key) ==
               hex(std::span(bytes).subspan(signature_data_at + 64, 64)));
    BOOST_TEST(hex(quote.qe_report_signature) ==
               hex(std::span(bytes).subspan(qe_report_at + 384, 64)));
}

BOOST_AUTO_TEST_CASE(pck_chain_is_the_three_certificates_of_the_vector) {
    const auto quote = tdx::parse_quote(real_quote());
    const auto carried =
        ccattest::support::Certificate::parse_bundle(quote.pck_chain_pem, "carried PCK chain");
    const auto expected = ccattest::support::Certificate::parse_bundle(
        ccattest::support::read_file(vector_file("gotdx_quote_v4_spr_e4_pck_chain.pem"), 1U << 20U),
        "PCK chain file");
    BOOST_TEST_REQUIRE(carried.size() == 3U);
    BOOST_TEST_REQUIRE(expected.size() == 3U);
    for (size_t i = 0; i < carried.size(); ++i) {
        BOOST_TEST(carried[i].der() == expected[i].der(), boost::test_tools::per_element());
    }
    BOOST_TEST(carried[0].subject_cn() == "Intel SGX PCK Certificate");
}

BOOST_AUTO_TEST_CASE(enclave_report_fields_at_their_offsets) {
    std::array<uint8_t, tdx::enclave_report_size> raw{};
    for (size_t i = 0; i < raw.size(); ++i) {
        raw[i] = static_cast<uint8_t>(i);
    }
    const auto report = tdx::parse_enclave_report(raw);
    BOOST_TEST(report.cpusvn[0] == 0U);
    BOOST_TEST(report.miscselect == 0x13121110U);
    BOOST_TEST(report.attributes[0] == 48U);
    BOOST_TEST(report.mrenclave[0] == 64U);
    BOOST_TEST(report.mrsigner[31] == 159U);
    BOOST_TEST(report.isvprodid == 0x0100U); // bytes 256, 257: 0x00, 0x01
    BOOST_TEST(report.isvsvn == 0x0302U);
    BOOST_TEST(report.report_data[0] == static_cast<uint8_t>(320U));
    BOOST_TEST(report.raw.size() == 384U);
}

BOOST_AUTO_TEST_CASE(header_fields_refused) {
    Bytes quote = real_quote();
    quote[0] = 3;
    BOOST_TEST(refused(quote) == "quote: header version 3 is not supported (4 or 5)");
    quote = real_quote();
    quote[2] = 3;
    BOOST_TEST(refused(quote) ==
               "quote: attestation key type 3 is not supported (2, ECDSA-256-with-P-256)");
    quote = real_quote();
    quote[4] = 0; // an SGX quote
    BOOST_TEST(refused(quote) == "quote: TEE type 0x00000000 is not TDX (0x81)");
}

BOOST_AUTO_TEST_CASE(every_truncation_is_refused) {
    const Bytes whole = real_quote();
    for (size_t size = 0; size < signature_data_end; ++size) {
        const Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(size));
        const auto [status, message] = refusal([&] { (void)tdx::parse_quote(cut); });
        BOOST_TEST_REQUIRE(status == CCATTEST_E_MALFORMED, "size " << size << ": " << message);
    }
    const Bytes exact(whole.begin(), whole.begin() + signature_data_end);
    BOOST_TEST(tdx::parse_quote(exact).trailing_bytes == 0U);
}

BOOST_AUTO_TEST_CASE(truncations_name_the_field) {
    const Bytes whole = real_quote();
    const auto cut = [&](size_t size) {
        return refused(Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(size)));
    };
    BOOST_TEST(cut(40) == "quote: header at offset 0 needs 48 bytes, 40 left");
    BOOST_TEST(cut(148) ==
               "quote: TD report body (size 584) runs past the end of the quote (100 bytes left)");
    BOOST_TEST(cut(signature_size_at + 2) ==
               "quote: signature data size at offset 632 needs 4 bytes, 2 left");
    BOOST_TEST(cut(signature_data_at + 1000) == "quote: signature data (size 4299) runs past the "
                                                "end of the quote (1000 bytes left)");
    const Bytes v5 = as_v5(2, 584);
    BOOST_TEST(refused(Bytes(v5.begin(), v5.begin() + 51)) ==
               "quote: body size at offset 50 needs 4 bytes, 1 left");
}

BOOST_AUTO_TEST_CASE(length_fields_past_their_structure_are_refused) {
    Bytes quote = real_quote();
    put_u32(quote, signature_size_at, 130);
    BOOST_TEST(refused(quote) ==
               "quote: signature data: certification data size at offset 130 needs 4 bytes, 0 "
               "left");
    quote = real_quote();
    add_u32(quote, certification_size_at, 1);
    BOOST_TEST(refused(quote) == "quote: QE certification data (size 4166) runs past the end of "
                                 "the signature data (4165 bytes left)");
    quote = real_quote();
    put_u16(quote, auth_size_at, 5000);
    BOOST_TEST(refused(quote) == "quote: QE auth data (size 5000) runs past the end of the QE "
                                 "certification data (3715 bytes left)");
    quote = real_quote();
    add_u32(quote, pck_size_at, 1);
    BOOST_TEST(refused(quote) == "quote: PCK certificate chain (size 3678) runs past the end of "
                                 "the QE certification data (3677 bytes left)");
}

BOOST_AUTO_TEST_CASE(bytes_left_inside_the_signature_data_are_refused) {
    Bytes quote = real_quote();
    add_u32(quote, signature_size_at, 1); // takes one of the trailing bytes
    BOOST_TEST(refused(quote) == "quote: signature data (size 4300) has 1 byte after the QE "
                                 "certification data (expected size 4299)");
    quote = real_quote();
    quote.insert(quote.begin() + signature_data_end, 0x00);
    add_u32(quote, signature_size_at, 1);
    add_u32(quote, certification_size_at, 1);
    BOOST_TEST(refused(quote) ==
               "quote: QE certification data has 1 byte after the PCK certificate chain");
}

BOOST_AUTO_TEST_CASE(certification_data_types_other_than_6_and_5_are_refused) {
    Bytes quote = real_quote();
    put_u16(quote, certification_type_at, 7);
    BOOST_TEST(refused(quote) ==
               "quote: certification data type 7 is not supported (6, QE report certification "
               "data)");
    quote = real_quote();
    put_u16(quote, pck_type_at, 4);
    BOOST_TEST(refused(quote) ==
               "quote: PCK certification data type 4 is not supported (5, PCK certificate chain)");
}

BOOST_AUTO_TEST_CASE(v5_with_td10_body) {
    const Bytes bytes = as_v5(2, 584);
    const auto quote = tdx::parse_quote(bytes);
    const auto v4 = tdx::parse_quote(real_quote());
    BOOST_TEST(quote.version == 5);
    BOOST_TEST((quote.body_kind == tdx::BodyKind::td10));
    BOOST_TEST(hex(quote.body.mr_td) == hex(v4.body.mr_td));
    BOOST_TEST(hex(quote.body.report_data) == hex(v4.body.report_data));
    BOOST_TEST(quote.signed_part.size() == 48U + 6U + 584U);
    BOOST_TEST(quote.signed_part == Bytes(bytes.begin(), bytes.begin() + 638),
               boost::test_tools::per_element());
    BOOST_TEST(quote.pck_chain_pem == v4.pck_chain_pem, boost::test_tools::per_element());
    BOOST_TEST(quote.trailing_bytes == 39U);
}

BOOST_AUTO_TEST_CASE(v5_with_td15_body) {
    const auto quote = tdx::parse_quote(as_v5(3, 648));
    BOOST_TEST((quote.body_kind == tdx::BodyKind::td15));
    BOOST_TEST_REQUIRE(quote.body.tee_tcb_svn2.has_value());
    BOOST_TEST_REQUIRE(quote.body.mr_service_td.has_value());
    BOOST_TEST(hex(*quote.body.tee_tcb_svn2) == "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf");
    BOOST_TEST((*quote.body.mr_service_td)[0] == 0xD0U);
    BOOST_TEST((*quote.body.mr_service_td)[47] == 0xFFU);
    BOOST_TEST(quote.signed_part.size() == 48U + 6U + 648U);
    BOOST_TEST(quote.qe_report.isvsvn == 4);
    BOOST_TEST(quote.trailing_bytes == 39U);
}

BOOST_AUTO_TEST_CASE(v5_body_type_and_size_refused) {
    BOOST_TEST(refused(as_v5(1, 384)) ==
               "quote: body type 1 (SGX enclave report) is not supported (2 or 3, a TD report)");
    BOOST_TEST(refused(as_v5(4, 584)) ==
               "quote: body type 4 is not supported (2: TD report 1.0, 3: TD report 1.5)");
    BOOST_TEST(refused(as_v5(2, 648)) == "quote: body size 648 does not match body type 2 (584 "
                                         "bytes)");
    BOOST_TEST(refused(as_v5(3, 584)) == "quote: body size 584 does not match body type 3 (648 "
                                         "bytes)");
}

BOOST_AUTO_TEST_CASE(size_limit) {
    Bytes quote = real_quote();
    quote.resize(tdx::max_quote_size, 0x00);
    BOOST_TEST(tdx::parse_quote(quote).trailing_bytes == tdx::max_quote_size - signature_data_end);
    quote.push_back(0x00);
    BOOST_TEST(refused(quote) == "quote: 65537 bytes exceed the maximum quote size (65536 bytes)");
}

BOOST_AUTO_TEST_SUITE_END()
