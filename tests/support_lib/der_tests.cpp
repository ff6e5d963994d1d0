// The DER walker, on a structure made by `openssl asn1parse -genconf`, a vendor extension of an
// openssl-made certificate, and malformed encodings.
#include "support_test.hpp"

#include <ccattest/support/der.hpp>

using namespace support_test;
using ccattest::support::DerReader;
namespace der_tag = ccattest::support::der_tag;

namespace {

// SEQUENCE { OID, INTEGER 42, OCTET STRING 00ff10, IA5String "fixture", UTF8String }.
void walk_vendor_sequence(DerReader &outer, const std::string &label) {
    DerReader vendor = outer.enter("vendor");
    outer.expect_end("vendor");
    BOOST_TEST(vendor.oid("id") == "1.2.840.113549.1.1.11");
    BOOST_TEST(vendor.integer("version") == 42);
    const auto digest = vendor.octet_string("digest");
    BOOST_TEST(ccattest::support::to_hex(digest) == "00ff10");
    BOOST_TEST(vendor.ia5_string("name") == "fixture");
    BOOST_TEST(vendor.utf8_string("label") == label);
    BOOST_TEST(vendor.at_end());
}

std::pair<ccattest_status, std::string> refusal_of(const Bytes &der,
                                                   const std::function<void(DerReader &)> &read) {
    return refusal([&] {
        DerReader reader(der, "test value");
        read(reader);
    });
}

} // namespace

BOOST_AUTO_TEST_SUITE(support_der)

BOOST_AUTO_TEST_CASE(walks_an_openssl_made_structure) {
    const Bytes der = fixture("vendor.der"); // a reader does not own its bytes
    DerReader outer(der, "vendor.der");
    walk_vendor_sequence(outer, "caf\xC3\xA9");
}

BOOST_AUTO_TEST_CASE(walks_a_vendor_extension_of_an_openssl_made_certificate) {
    const auto leaf = ccattest::support::Certificate::parse(fixture("leaf.pem"), "leaf.pem");
    const auto value = leaf.extension("1.3.6.1.4.1.99999.1");
    BOOST_REQUIRE(value.has_value());
    DerReader outer(*value, "leaf extension");
    walk_vendor_sequence(outer, "leaf label");
}

BOOST_AUTO_TEST_CASE(long_form_lengths_and_optional_members) {
    Bytes der = {0x30, 0x81, 0x85, 0x04, 0x81, 0x80};
    der.resize(der.size() + 0x80, 0x5A);
    der.push_back(0x05);
    der.push_back(0x00); // NULL: brings the SEQUENCE to 0x85 bytes
    DerReader outer(der, "long");
    DerReader inner = outer.enter("outer");
    BOOST_TEST(!inner.optional(der_tag::context(0), "[0]").has_value());
    BOOST_TEST(inner.octet_string("data").size() == 0x80u);
    BOOST_TEST(inner.peek_tag("null") == der_tag::null);
    const auto null = inner.next("null");
    BOOST_TEST(null.contents.empty());
    BOOST_TEST(null.encoded.size() == 2u);
    inner.expect_end("null");
}

BOOST_AUTO_TEST_CASE(negative_and_wide_integers) {
    BOOST_TEST(ccattest::support::der_integer(Bytes{0x02, 0x01, 0xFF}, "x") == -1);
    BOOST_TEST(ccattest::support::der_integer(Bytes{0x02, 0x02, 0x00, 0x80}, "x") == 128);
    const Bytes wide = {0x02, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0};
    const auto refused = refusal_of(wide, [](DerReader &r) { (void)r.integer("SPL"); });
    BOOST_TEST(refused.second == "test value: SPL (offset 0) is an INTEGER of 9 bytes, more than "
                                 "64 bits");
    DerReader reader(wide, "wide");
    BOOST_TEST(reader.integer_bytes("big").size() == 9u);
}

BOOST_AUTO_TEST_CASE(refuses_malformed_encodings_naming_the_field) {
    const std::vector<std::pair<Bytes, std::string>> cases = {
        {{}, "test value: field (offset 0) is missing: no bytes left"},
        {{0x02}, "test value: field (offset 0) is truncated: 1 byte left"},
        {{0x30, 0x80, 0x00, 0x00},
         "test value: field (offset 0) has an indefinite length, which "
         "DER forbids"},
        {{0x04, 0x81, 0x05, 1, 2, 3, 4, 5},
         "test value: field (offset 0) has a non-minimal length encoding, which DER forbids"},
        {{0x04, 0x82, 0x00, 0x80},
         "test value: field (offset 0) has a non-minimal length encoding, which DER forbids"},
        {{0x04, 0x85, 1, 1, 1, 1, 1},
         "test value: field (offset 0) has a 5-byte length field (at most 4)"},
        {{0x04, 0x84, 0x7F, 0xFF, 0xFF, 0xFF},
         "test value: field (offset 0) (OCTET STRING) claims 2147483647 bytes, 0 left"},
        {{0x04, 0x03, 1, 2}, "test value: field (offset 0) (OCTET STRING) claims 3 bytes, 2 left"},
        {{0x1F, 0x81, 0x00},
         "test value: field (offset 0) has a high tag number, which no "
         "supported structure uses"},
    };
    for (const auto &[der, message] : cases) {
        const auto refused = refusal_of(der, [](DerReader &r) { (void)r.next("field"); });
        BOOST_TEST(refused.first == CCATTEST_E_MALFORMED);
        BOOST_TEST(refused.second == message);
    }
}

BOOST_AUTO_TEST_CASE(refuses_values_that_break_their_type) {
    const auto check = [](const Bytes &der, const std::function<void(DerReader &)> &read,
                          const std::string &message) {
        const auto refused = refusal_of(der, read);
        BOOST_TEST(refused.first == CCATTEST_E_MALFORMED);
        BOOST_TEST(refused.second == message);
    };
    check(
        {0x04, 0x00}, [](DerReader &r) { (void)r.integer("version"); },
        "test value: version (offset 0) is OCTET STRING, expected INTEGER");
    check(
        {0x02, 0x02, 0x00, 0x01}, [](DerReader &r) { (void)r.integer("version"); },
        "test value: version (offset 0) is an INTEGER with a redundant leading byte");
    check(
        {0x02, 0x00}, [](DerReader &r) { (void)r.integer("version"); },
        "test value: version (offset 0) is an empty INTEGER");
    check(
        {0x06, 0x02, 0x2A, 0x86}, [](DerReader &r) { (void)r.oid("id"); },
        "test value: id (offset 0) is an OID cut inside a sub-identifier");
    check(
        {0x06, 0x02, 0x2A, 0x80}, [](DerReader &r) { (void)r.oid("id"); },
        "test value: id (offset 0) is an OID with a padded sub-identifier");
    check(
        {0x16, 0x01, 0xC3}, [](DerReader &r) { (void)r.ia5_string("name"); },
        "test value: name (offset 0) is an IA5String with a non-ASCII byte");
    check(
        {0x0C, 0x02, 0xC0, 0x80}, [](DerReader &r) { (void)r.utf8_string("label"); },
        "test value: label (offset 0) is a UTF8String that is not valid UTF-8");
    check(
        {0x01, 0x01, 0x01}, [](DerReader &r) { (void)r.boolean("critical"); },
        "test value: critical (offset 0) is not a DER BOOLEAN (one byte, 00 or FF)");
    check(
        {0x30, 0x03, 0x02, 0x01, 0x01, 0x00},
        [](DerReader &r) {
            (void)r.enter("outer");
            r.expect_end("outer");
        },
        "test value: 1 byte after outer");
    check(
        {0x30, 0x03, 0x02, 0x01}, [](DerReader &r) { (void)r.enter("outer"); },
        "test value: outer (offset 0) (SEQUENCE) claims 3 bytes, 2 left");
    // Inside a nested walker, messages name the path.
    check(
        {0x30, 0x03, 0x04, 0x01, 0x00},
        [](DerReader &r) {
            DerReader inner = r.enter("tcb");
            (void)inner.integer("svn");
        },
        "test value, tcb: svn (offset 0) is OCTET STRING, expected INTEGER");
    const auto single = refusal([] {
        (void)ccattest::support::der_integer(Bytes{0x02, 0x01, 0x01, 0x00}, "SPL");
    });
    BOOST_TEST(single.second == "SPL is not a DER INTEGER (value: 1 byte after INTEGER)");
}

BOOST_AUTO_TEST_CASE(oids_decode_every_arc) {
    // 2.999.3 (first sub-identifier 1079 = 0x88 0x37) and 0.0.
    const Bytes large = {0x06, 0x03, 0x88, 0x37, 0x03};
    DerReader reader(large, "oid");
    BOOST_TEST(reader.oid("id") == "2.999.3");
    const Bytes small = {0x06, 0x01, 0x00};
    DerReader zero(small, "oid");
    BOOST_TEST(zero.oid("id") == "0.0");
}

BOOST_AUTO_TEST_SUITE_END()
