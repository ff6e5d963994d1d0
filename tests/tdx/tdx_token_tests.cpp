// The TDX token codec: one spelling per token (ccattest-tdx-v1), and the raw quote and Intel Trust
// Authority JWT forms told apart by their first bytes.
#include "evidence.hpp"
#include "support/refusal.hpp"

#include <ccattest/support/files.hpp>

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <string>

using ccattest::support::Bytes;
using ccattest::tdx::Evidence;
using ccattest::tdx::TokenForm;
using ccattest::test::refusal;

namespace {

Bytes bytes_of(std::string_view text) {
    return {text.begin(), text.end()};
}

// A stand-in quote: the codec only looks at the first two bytes (the version).
Bytes quote_bytes() {
    Bytes quote(700, 0xAB);
    quote[0] = 4;
    quote[1] = 0;
    return quote;
}

Evidence with_collateral(unsigned mask) {
    Evidence evidence;
    evidence.quote = quote_bytes();
    auto &c = evidence.collateral;
    if ((mask & 1U) != 0) {
        c.tcb_info = bytes_of(R"({"tcbInfo":{"id":"TDX"},"signature":"00"})");
    }
    if ((mask & 2U) != 0) {
        c.qe_identity = bytes_of(R"({"enclaveIdentity":{"id":"TD_QE"},"signature":"00"})");
    }
    if ((mask & 4U) != 0) {
        c.tcb_signing_certificate = Bytes{0x30, 0x82, 0x01, 0x02, 0x03};
    }
    if ((mask & 8U) != 0) {
        c.pck_crl = Bytes{0x30, 0x03, 0x02, 0x01, 0x01};
    }
    if ((mask & 16U) != 0) {
        c.root_ca_crl = Bytes{0x30, 0x03, 0x02, 0x01, 0x02};
    }
    return evidence;
}

std::pair<ccattest_status, std::string> decode_refusal(std::string_view text) {
    return refusal([&] {
        (void)ccattest::tdx::decode_token(
            std::span(reinterpret_cast<const uint8_t *>(text.data()), text.size()));
    });
}

Evidence decode(std::string_view text) {
    return ccattest::tdx::decode_token(
        std::span(reinterpret_cast<const uint8_t *>(text.data()), text.size()));
}

// base64 of quote_bytes(), for hand-written token texts.
std::string quote_base64() {
    return ccattest::support::base64_encode(quote_bytes());
}

constexpr const char *canonical_message =
    "token is not in canonical form (whitespace or escapes, which encode_token does not write)";

} // namespace

BOOST_AUTO_TEST_SUITE(tdx_token)

BOOST_AUTO_TEST_CASE(every_collateral_combination_round_trips) {
    for (unsigned mask = 0; mask < 32; ++mask) {
        BOOST_TEST_CONTEXT("collateral mask " << mask) {
            const Evidence original = with_collateral(mask);
            const std::string text = ccattest::tdx::encode_token(original);
            BOOST_TEST((text.find("\"collateral\"") != std::string::npos) == (mask != 0));
            const Evidence decoded = decode(text);
            BOOST_TEST((decoded.form == TokenForm::ccattest));
            BOOST_TEST((decoded.quote == original.quote));
            BOOST_TEST((decoded.collateral.tcb_info == original.collateral.tcb_info));
            BOOST_TEST((decoded.collateral.qe_identity == original.collateral.qe_identity));
            BOOST_TEST((decoded.collateral.tcb_signing_certificate ==
                        original.collateral.tcb_signing_certificate));
            BOOST_TEST((decoded.collateral.pck_crl == original.collateral.pck_crl));
            BOOST_TEST((decoded.collateral.root_ca_crl == original.collateral.root_ca_crl));
            BOOST_TEST(decoded.jwt.empty());
            BOOST_TEST(ccattest::tdx::encode_token(decoded) == text);
        }
    }
}

BOOST_AUTO_TEST_CASE(real_quote_and_collateral_round_trip) {
    const std::filesystem::path vectors = TDX_VECTORS;
    const auto read = [&](const char *name) {
        return ccattest::support::read_file(vectors / name, size_t{1} << 20U);
    };
    Evidence evidence;
    evidence.quote = read("gotdx_quote_v4_spr_e4.dat");
    evidence.collateral.tcb_info = read("gotdx_tcbinfo_fmspc50806f000000.json");
    evidence.collateral.qe_identity = read("gotdx_qe_identity_td_qe.json");
    evidence.collateral.pck_crl = read("gotdx_pck_platform_crl.der");
    evidence.collateral.root_ca_crl = read("gotdx_sgx_root_crl.der");
    const std::string text = ccattest::tdx::encode_token(evidence);
    const Evidence decoded = decode(text);
    BOOST_TEST((decoded.quote == evidence.quote));
    BOOST_TEST((decoded.collateral.tcb_info == evidence.collateral.tcb_info));
    BOOST_TEST((decoded.collateral.root_ca_crl == evidence.collateral.root_ca_crl));
    // The raw quote itself is a token too (it starts 04 00).
    const std::string raw(evidence.quote.begin(), evidence.quote.end());
    BOOST_TEST((decode(raw).form == TokenForm::raw_quote));
}

BOOST_AUTO_TEST_CASE(the_encoding_is_the_documented_text) {
    Evidence evidence;
    evidence.quote = {4, 0, 1};
    evidence.collateral.pck_crl = Bytes{0x30, 0x00};
    BOOST_TEST(ccattest::tdx::encode_token(evidence) ==
               R"({"format":"ccattest-tdx-v1","quote":"BAAB","collateral":{"pck_crl":"MAA="}})");
}

BOOST_AUTO_TEST_CASE(whitespace_is_refused_never_trimmed) {
    const std::string text = ccattest::tdx::encode_token(with_collateral(3));
    const auto leading = decode_refusal(" " + text);
    BOOST_TEST(leading.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(leading.second ==
               "token starts with whitespace; only the exact token text is accepted");
    const auto trailing = decode_refusal(text + "\n");
    BOOST_TEST(trailing.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(trailing.second ==
               "token ends with whitespace; only the exact token text is accepted");
    const auto inside =
        decode_refusal(R"({"format": "ccattest-tdx-v1","quote":")" + quote_base64() + "\"}");
    BOOST_TEST(inside.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(inside.second == canonical_message);
    const auto escaped =
        decode_refusal(R"({"format":"\u0063cattest-tdx-v1","quote":")" + quote_base64() + "\"}");
    BOOST_TEST(escaped.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(escaped.second == canonical_message);
}

BOOST_AUTO_TEST_CASE(member_order_unknown_and_duplicate_members) {
    const std::string quote = quote_base64();
    const auto reordered =
        decode_refusal(R"({"quote":")" + quote + R"(","format":"ccattest-tdx-v1"})");
    BOOST_TEST(reordered.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(reordered.second ==
               "token member \"format\" is out of order (the order is format, ..., collateral)");
    const auto collateral_reordered =
        decode_refusal(R"({"format":"ccattest-tdx-v1","quote":")" + quote +
                       R"(","collateral":{"pck_crl":"MAA=","tcb_info":"e30="}})");
    BOOST_TEST(collateral_reordered.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(collateral_reordered.second == "token \"collateral\" member \"tcb_info\" is out of "
                                              "order (the order is tcb_info, ..., root_ca_crl)");
    const auto unknown =
        decode_refusal(R"({"format":"ccattest-tdx-v1","quote":")" + quote + R"(","extra":1})");
    BOOST_TEST(unknown.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(unknown.second == "token has an unknown member \"extra\"");
    const auto unknown_collateral = decode_refusal(R"({"format":"ccattest-tdx-v1","quote":")" +
                                                   quote + R"(","collateral":{"pck":"MAA="}})");
    BOOST_TEST(unknown_collateral.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(unknown_collateral.second == "token \"collateral\" has an unknown member \"pck\"");
    const auto duplicate = decode_refusal(R"({"format":"ccattest-tdx-v1","quote":")" + quote +
                                          R"(","quote":")" + quote + "\"}");
    BOOST_TEST(duplicate.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(duplicate.second ==
               "token is not a JSON object: line 1, column 982: duplicate member /quote");
}

BOOST_AUTO_TEST_CASE(collateral_values_and_the_empty_collateral_object) {
    const std::string head = R"({"format":"ccattest-tdx-v1","quote":")" + quote_base64() + "\"";
    const auto empty = decode_refusal(head + R"(,"collateral":{}})");
    BOOST_TEST(empty.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(empty.second == "token has an empty \"collateral\" object; a token without "
                               "collateral omits the member");
    const auto pem = decode_refusal(head + R"(,"collateral":{"pck_crl":"LS0tLS1CRUdJTg=="}})");
    BOOST_TEST(pem.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(pem.second ==
               "token collateral \"pck_crl\" is not DER (it does not start with a SEQUENCE)");
    const auto empty_value = decode_refusal(head + R"(,"collateral":{"tcb_info":""}})");
    BOOST_TEST(empty_value.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(empty_value.second == "token collateral \"tcb_info\" is empty");
    const auto number = decode_refusal(head + R"(,"collateral":{"qe_identity":7}})");
    BOOST_TEST(number.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(number.second == "token collateral \"qe_identity\" is not a string");
    const auto not_object = decode_refusal(head + R"(,"collateral":[]})");
    BOOST_TEST(not_object.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(not_object.second == "token \"collateral\" is not an object");
}

BOOST_AUTO_TEST_CASE(base64_must_be_canonical) {
    // "BAB=" decodes to 04 00 with a non-zero unused bit: a second spelling of "BAA=".
    const auto loose = decode_refusal(R"({"format":"ccattest-tdx-v1","quote":"BAB="})");
    BOOST_TEST(loose.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(loose.second == "token quote is not canonical base64");
    const auto unpadded = decode_refusal(R"({"format":"ccattest-tdx-v1","quote":"BAA"})");
    BOOST_TEST(unpadded.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(unpadded.second == "token quote is not base64 (length 3 is not a multiple of 4)");
    BOOST_TEST((decode(R"({"format":"ccattest-tdx-v1","quote":"BAA="})").quote == Bytes{4, 0}));
}

BOOST_AUTO_TEST_CASE(format_quote_size_and_emptiness) {
    const auto format = decode_refusal(R"({"format":"ccattest-snp-v1","quote":"BAA="})");
    BOOST_TEST(format.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(format.second == "token format is not \"ccattest-tdx-v1\"");
    const auto no_quote = decode_refusal(R"({"format":"ccattest-tdx-v1"})");
    BOOST_TEST(no_quote.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(no_quote.second == "token has no \"quote\" string");
    const auto empty_quote = decode_refusal(R"({"format":"ccattest-tdx-v1","quote":""})");
    BOOST_TEST(empty_quote.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(empty_quote.second == "token \"quote\" is empty");
    const auto empty = decode_refusal("");
    BOOST_TEST(empty.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(empty.second == "token is empty");
    const auto array = decode_refusal("[1]");
    BOOST_TEST(array.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(array.second == "token is neither a ccattest-tdx-v1 JSON object, a raw TDX quote "
                               "(version 4 or 5) nor an Intel Trust Authority JWT");

    Evidence big;
    big.quote = Bytes(ccattest::tdx::max_token_size, 0x01);
    big.quote[0] = 4;
    big.quote[1] = 0;
    BOOST_TEST((decode(std::string(big.quote.begin(), big.quote.end())).form ==
                TokenForm::raw_quote)); // exactly the limit
    big.quote.push_back(0);
    const auto oversize = decode_refusal(std::string(big.quote.begin(), big.quote.end()));
    BOOST_TEST(oversize.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(oversize.second == "token is 524289 bytes, more than the 524288 allowed");
}

BOOST_AUTO_TEST_CASE(raw_quotes_of_version_4_and_5) {
    for (const uint8_t version : {uint8_t{4}, uint8_t{5}}) {
        Bytes quote = quote_bytes();
        quote[0] = version;
        const std::string text(quote.begin(), quote.end());
        const Evidence evidence = decode(text);
        BOOST_TEST((evidence.form == TokenForm::raw_quote));
        BOOST_TEST((evidence.quote == quote));
        BOOST_TEST(!evidence.collateral.tcb_info.has_value());
        BOOST_TEST(ccattest::tdx::encode_token(evidence) == text);
    }
    // Version 3 is an SGX quote, and 04 01 no little-endian 4.
    const auto v3 = decode_refusal(std::string("\x03\x00\x02", 3));
    BOOST_TEST(v3.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(v3.second == "token is neither a ccattest-tdx-v1 JSON object, a raw TDX quote "
                            "(version 4 or 5) nor an Intel Trust Authority JWT");
    const auto big_endian = decode_refusal(std::string("\x04\x01\x02", 3));
    BOOST_TEST(big_endian.second == v3.second);
}

BOOST_AUTO_TEST_CASE(intel_trust_authority_jwts) {
    const std::string jwt = "eyJhbGciOiJQUzM4NCJ9.eyJ2ZXIiOiIyLjAuMCJ9.c2lnbmF0dXJl-_0";
    const Evidence evidence = decode(jwt);
    BOOST_TEST((evidence.form == TokenForm::ita_jwt));
    BOOST_TEST(evidence.jwt == jwt);
    BOOST_TEST(evidence.quote.empty());
    BOOST_TEST(ccattest::tdx::encode_token(evidence) == jwt);

    const auto two_parts = decode_refusal("eyJhbGciOiJQUzM4NCJ9.eyJ2ZXIiOiIyLjAuMCJ9");
    BOOST_TEST(two_parts.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(two_parts.second == "token looks like an Intel Trust Authority JWT (\"eyJ...\") but "
                                   "does not have three parts separated by two dots");
    const auto space = decode_refusal("eyJhbGciOiJQUzM4NCJ9.eyJ2ZXIi OiIyLjAuMCJ9.c2ln");
    BOOST_TEST(space.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(space.second == "token looks like an Intel Trust Authority JWT (\"eyJ...\") but "
                               "holds a character outside base64url and '.' at offset 29");
    const auto padded = decode_refusal("eyJhbGciOiJQUzM4NCJ9.eyJ2ZXIiOiIyLjAuMCJ9.c2ln=");
    BOOST_TEST(padded.second == "token looks like an Intel Trust Authority JWT (\"eyJ...\") but "
                                "holds a character outside base64url and '.' at offset 46");
    const auto newline = decode_refusal(jwt + "\n");
    BOOST_TEST(newline.second ==
               "token ends with whitespace; only the exact token text is accepted");
}

BOOST_AUTO_TEST_CASE(form_names) {
    BOOST_TEST(ccattest::tdx::token_form_name(TokenForm::ccattest) == "ccattest-tdx-v1");
    BOOST_TEST(ccattest::tdx::token_form_name(TokenForm::raw_quote) == "raw-quote");
    BOOST_TEST(ccattest::tdx::token_form_name(TokenForm::ita_jwt) == "intel-trust-authority-jwt");
}

BOOST_AUTO_TEST_SUITE_END()
