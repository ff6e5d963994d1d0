// The byte cursor and the project's one hex, base64 and base64url (the core uses them too).
#include "support_test.hpp"

#include <ccattest/support/bytes.hpp>

using namespace support_test;
using ccattest::support::ByteCursor;
using ccattest::support::ByteReader;

BOOST_AUTO_TEST_SUITE(support_bytes)

BOOST_AUTO_TEST_CASE(percent_decoding) {
    using ccattest::support::percent_decode;
    BOOST_TEST(percent_decode("%2D%2D%2dBEGIN%20CERTIFICATE+x", "chain") ==
               "---BEGIN CERTIFICATE+x");
    BOOST_TEST(percent_decode("", "chain").empty());
    for (const char *bad : {"%", "%2", "%zz", "ab%2"}) {
        const auto refused = refusal([&] { (void)percent_decode(bad, "chain"); });
        BOOST_TEST(refused.first == CCATTEST_E_MALFORMED, bad);
        BOOST_TEST(refused.second.find("chain: \"%\" at offset ") == 0U, refused.second);
    }
}

BOOST_AUTO_TEST_CASE(cursor_reads_length_prefixed_records) {
    // type 0x0001 (LE), length 3 (BE, as SPDM and TDX mix), body, then a trailing u32 LE.
    const Bytes data = {0x01, 0x00, 0x00, 0x03, 0xAA, 0xBB, 0xCC, 0x78, 0x56, 0x34, 0x12};
    ByteCursor cursor(data, "record");
    BOOST_TEST(cursor.u16_le("type") == 1);
    const uint16_t length = cursor.u16_be("length");
    BOOST_TEST(length == 3);
    ByteCursor body = cursor.sub(length, "body");
    BOOST_TEST(body.what() == "record, body");
    BOOST_TEST(body.u8("first") == 0xAA);
    BOOST_TEST(body.remaining() == 2u);
    const auto refused = refusal([&] { (void)body.u32_le("tail"); });
    BOOST_TEST(refused.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(refused.second == "record, body: tail at offset 1 needs 4 bytes, 2 left");
    BOOST_TEST(cursor.position() == 7u);
    BOOST_TEST(cursor.u32_le("crc") == 0x12345678u);
    BOOST_TEST(cursor.at_end());
    cursor.expect_end("crc");
}

BOOST_AUTO_TEST_CASE(cursor_refuses_lengths_past_the_end_and_leftovers) {
    const Bytes data = {0x00, 0x10, 0x01, 0x02};
    ByteCursor cursor(data, "quote signature data");
    const uint16_t length = cursor.u16_be("certification data size");
    const auto refused = refusal([&] { (void)cursor.take(length, "certification data"); });
    BOOST_TEST(refused.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(refused.second ==
               "quote signature data: certification data at offset 2 needs 16 bytes, 2 left");
    BOOST_TEST(cursor.position() == 2u); // a refused read consumes nothing
    const auto huge = refusal([&] { cursor.skip(SIZE_MAX, "padding"); });
    BOOST_TEST(huge.first == CCATTEST_E_MALFORMED);
    const auto left = refusal([&] { cursor.expect_end("header"); });
    BOOST_TEST(left.second == "quote signature data: 2 bytes after header");
    BOOST_TEST(cursor.rest().size() == 2u);
    BOOST_TEST(cursor.at_end());
}

BOOST_AUTO_TEST_CASE(fixed_reader_names_the_field) {
    const Bytes data(8, 0);
    const ByteReader reader(data);
    const auto refused = refusal([&] { (void)reader.u64(4, "TCB"); });
    BOOST_TEST(refused.second == "TCB at offset 4 (8 bytes) lies outside the 8-byte input");
}

BOOST_AUTO_TEST_CASE(hex_round_trip_and_rejects) {
    const Bytes bytes = {0x00, 0x7f, 0xff, 0xa5};
    BOOST_TEST(ccattest::support::to_hex(bytes) == "007fffa5");
    BOOST_TEST(*ccattest::support::parse_hex("007FFFA5") == bytes,
               boost::test_tools::per_element());
    BOOST_TEST(!ccattest::support::parse_hex("abc").has_value());
    BOOST_TEST(!ccattest::support::parse_hex("zz").has_value());
    BOOST_TEST(ccattest::support::parse_hex("")->empty());
    const auto refused = refusal([] { (void)ccattest::support::from_hex("0g", "chip id"); });
    BOOST_TEST(refused.first == CCATTEST_E_INVALID_ARGUMENT);
    BOOST_TEST(refused.second == "chip id is not an even number of hex digits");
}

BOOST_AUTO_TEST_CASE(base64_is_canonical_only) {
    const Bytes bytes = bytes_of("foob");
    BOOST_TEST(ccattest::support::base64_encode(bytes) == "Zm9vYg==");
    BOOST_TEST(*ccattest::support::parse_base64("Zm9vYg==") == bytes,
               boost::test_tools::per_element());
    BOOST_TEST(!ccattest::support::parse_base64("Zm9vYh==")); // same bytes, non-zero padding bits
    BOOST_TEST(!ccattest::support::parse_base64("Zm9vYg="));
    BOOST_TEST(!ccattest::support::parse_base64("Zm9v!g=="));
    BOOST_TEST(!ccattest::support::parse_base64(" Zm9vYg=")); // whitespace OpenSSL would skip
    BOOST_TEST(!ccattest::support::parse_base64("Zm9vYg-_")); // base64url is another alphabet
    BOOST_TEST(ccattest::support::parse_base64("")->empty());
    const auto length = refusal([] { (void)ccattest::support::base64_decode("abc", "token"); });
    BOOST_TEST(length.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(length.second == "token is not base64 (length 3 is not a multiple of 4)");
    const auto bits = refusal([] { (void)ccattest::support::base64_decode("Zm9vYh==", "token"); });
    BOOST_TEST(bits.second == "token is not canonical base64");
}

BOOST_AUTO_TEST_CASE(base64url_has_no_padding_and_one_spelling) {
    const Bytes bytes = {0xfb, 0xff, 0xbf, 0x66};
    BOOST_TEST(ccattest::support::base64url_encode(bytes) == "-_-_Zg");
    BOOST_TEST(ccattest::support::base64url_decode("-_-_Zg", "part") == bytes,
               boost::test_tools::per_element());
    BOOST_TEST(ccattest::support::base64url_decode("", "part").empty());
    const auto padded = refusal([] { (void)ccattest::support::base64url_decode("Zg==", "part"); });
    BOOST_TEST(padded.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(padded.second == "part is not unpadded base64url: character '=' at position 2");
    const auto standard =
        refusal([] { (void)ccattest::support::base64url_decode("+/+/Zg", "part"); });
    BOOST_TEST(standard.second == "part is not unpadded base64url: character '+' at position 0");
    const auto space = refusal([] { (void)ccattest::support::base64url_decode("Zg\n", "part"); });
    BOOST_TEST(space.second == "part is not unpadded base64url: character code 10 at position 2");
    const auto lone = refusal([] { (void)ccattest::support::base64url_decode("Zm9vY", "part"); });
    BOOST_TEST(lone.second == "part is not base64url (length 5 leaves a lone character)");
    const auto bits = refusal([] { (void)ccattest::support::base64url_decode("Zh", "part"); });
    BOOST_TEST(bits.second == "part is not canonical base64url (unused bits are not zero)");
}

BOOST_AUTO_TEST_SUITE_END()
