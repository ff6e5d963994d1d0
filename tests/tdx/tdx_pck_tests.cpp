// The PCK certificate's SGX extensions: Intel's real PCK leaf (go-tdx-guest's test data) and
// certificates the simulation kit makes with members missing, twice, of the wrong size or out of
// range.
#include "pck.hpp"
#include "support/refusal.hpp"

#include <ccattest/support/files.hpp>
#include <ccattest/support/sim/state.hpp>

#include <boost/test/unit_test.hpp>

#include <openssl/objects.h>

#include <filesystem>
#include <string>
#include <vector>

using ccattest::support::Bytes;
using ccattest::support::Certificate;
using ccattest::test::refusal;
namespace tdx = ccattest::tdx;

namespace {

// A member's OID: the SGX extensions' OID and `suffix` (".4" for FMSPC).
std::string sgx_oid(const std::string &suffix) {
    return tdx::sgx_extensions_oid + suffix;
}

std::vector<Certificate> real_chain() {
    return Certificate::parse_bundle(
        ccattest::support::read_file(
            std::filesystem::path(TDX_VECTORS) / "gotdx_quote_v4_spr_e4_pck_chain.pem", 1U << 20U),
        "PCK chain file");
}

// DER building blocks for the extension values the kit puts into certificates.
Bytes tlv(uint8_t tag, const Bytes &contents) {
    Bytes out{tag};
    if (contents.size() < 0x80) {
        out.push_back(static_cast<uint8_t>(contents.size()));
    } else {
        out.push_back(0x82);
        out.push_back(static_cast<uint8_t>(contents.size() >> 8U));
        out.push_back(static_cast<uint8_t>(contents.size()));
    }
    out.insert(out.end(), contents.begin(), contents.end());
    return out;
}

Bytes sequence(const std::vector<Bytes> &parts) {
    Bytes contents;
    for (const auto &part : parts) {
        contents.insert(contents.end(), part.begin(), part.end());
    }
    return tlv(0x30, contents);
}

Bytes oid(const std::string &dotted) {
    ASN1_OBJECT *object = OBJ_txt2obj(dotted.c_str(), 1);
    BOOST_TEST_REQUIRE(object != nullptr);
    const int size = i2d_ASN1_OBJECT(object, nullptr);
    Bytes out(static_cast<size_t>(size));
    unsigned char *write = out.data();
    (void)i2d_ASN1_OBJECT(object, &write);
    ASN1_OBJECT_free(object);
    return out;
}

Bytes member(const std::string &dotted, const Bytes &value) {
    return sequence({oid(dotted), value});
}

Bytes octets(size_t size, uint8_t first) {
    Bytes value(size);
    for (size_t i = 0; i < size; ++i) {
        value[i] = static_cast<uint8_t>(first + i);
    }
    return ccattest::support::der_encode_octet_string(value);
}

// TCB members: component i has SVN i (component 3 has `component3`), PCESVN `pcesvn`.
std::vector<Bytes> tcb_members(int64_t component3 = 3, int64_t pcesvn = 13) {
    std::vector<Bytes> members;
    for (int i = 1; i <= 16; ++i) {
        members.push_back(member(sgx_oid(".2." + std::to_string(i)),
                                 ccattest::support::der_encode_integer(i == 3 ? component3 : i)));
    }
    members.push_back(member(sgx_oid(".2.17"), ccattest::support::der_encode_integer(pcesvn)));
    members.push_back(member(sgx_oid(".2.18"), octets(16, 0x20)));
    return members;
}

// The required members (.1 to .5), in order; tests remove, repeat or replace some.
std::vector<Bytes> required_members(const std::vector<Bytes> &tcb = tcb_members()) {
    return {member(sgx_oid(".1"), octets(16, 0x10)), member(sgx_oid(".2"), sequence(tcb)),
            member(sgx_oid(".3"), octets(2, 0x01)), member(sgx_oid(".4"), octets(6, 0xA0)),
            member(sgx_oid(".5"), Bytes{0x0A, 0x01, 0x02})};
}

Certificate pck_with(const std::vector<Bytes> &members) {
    static const auto key = ccattest::support::generate_key(ccattest::support::KeyKind::p256);
    ccattest::support::CertificateSpec spec;
    spec.subject = {{"CN", "Test PCK"}};
    spec.issuer = {{"CN", "Test PCK"}};
    spec.not_before = 1600000000;
    spec.not_after = 2000000000;
    spec.subject_key = key.get();
    spec.issuer_key = key.get();
    spec.extensions = {{tdx::sgx_extensions_oid, sequence(members)}};
    return ccattest::support::make_certificate(spec);
}

std::string refused(const Certificate &certificate) {
    const auto [status, message] = refusal([&] { (void)tdx::parse_pck_extensions(certificate); });
    BOOST_TEST(status == CCATTEST_E_MALFORMED);
    return message;
}

} // namespace

BOOST_AUTO_TEST_SUITE(tdx_pck)

BOOST_AUTO_TEST_CASE(real_pck_leaf) {
    const auto chain = real_chain();
    const auto pck = tdx::parse_pck_extensions(chain.at(0));
    BOOST_TEST(ccattest::support::to_hex(pck.fmspc) == "50806f000000");
    BOOST_TEST(ccattest::support::to_hex(pck.pce_id) == "0000");
    BOOST_TEST(ccattest::support::to_hex(pck.tcb_components) == "03030202020100020000000000000000");
    BOOST_TEST(pck.pcesvn == 11);
    BOOST_TEST(ccattest::support::to_hex(pck.cpusvn) == "03030202020100020000000000000000");
    BOOST_TEST(ccattest::support::to_hex(pck.ppid) == "089ddfdb9c0359c82a3bc7719239574e");
    BOOST_TEST(pck.sgx_type == 1);
    BOOST_TEST_REQUIRE(pck.platform_instance_id.has_value());
    BOOST_TEST(ccattest::support::to_hex(*pck.platform_instance_id) ==
               "8c314d17d205dfafcbecbb00fc87eff7");
}

BOOST_AUTO_TEST_CASE(certificate_without_the_extension) {
    const auto chain = real_chain();
    BOOST_TEST(refused(chain.at(1)) == "PCK certificate \"Intel SGX PCK Platform CA\" has no SGX "
                                       "extensions (1.2.840.113741.1.13.1)");
}

BOOST_AUTO_TEST_CASE(simulated_pck_decodes) {
    auto members = required_members();
    members.push_back(member(sgx_oid(".9"), Bytes{0x05, 0x00}));   // unknown member: ignored
    members.push_back(member("1.2.3.4", Bytes{0x01, 0x01, 0xFF})); // not Intel's: ignored
    const auto pck = tdx::parse_pck_extensions(pck_with(members));
    BOOST_TEST(ccattest::support::to_hex(pck.fmspc) == "a0a1a2a3a4a5");
    BOOST_TEST(ccattest::support::to_hex(pck.pce_id) == "0102");
    BOOST_TEST(ccattest::support::to_hex(pck.tcb_components) == "0102030405060708090a0b0c0d0e0f10");
    BOOST_TEST(pck.pcesvn == 13);
    BOOST_TEST(pck.cpusvn[0] == 0x20U);
    BOOST_TEST(pck.ppid.size() == 16U);
    BOOST_TEST(pck.sgx_type == 2);
    BOOST_TEST(!pck.platform_instance_id.has_value());
}

BOOST_AUTO_TEST_CASE(missing_fmspc_is_refused) {
    auto members = required_members();
    members.erase(members.begin() + 3);
    BOOST_TEST(refused(pck_with(members)) == "PCK certificate \"Test PCK\": SGX extension FMSPC "
                                             "(1.2.840.113741.1.13.1.4) is missing");
}

BOOST_AUTO_TEST_CASE(duplicated_member_is_refused) {
    auto members = required_members();
    members.push_back(member(sgx_oid(".3"), octets(2, 0x01)));
    BOOST_TEST(refused(pck_with(members)) == "PCK certificate \"Test PCK\": SGX extension "
                                             "1.2.840.113741.1.13.1.3 appears more than once");
    auto tcb = tcb_members();
    tcb.push_back(tcb.front());
    BOOST_TEST(refused(pck_with(required_members(tcb))) ==
               "PCK certificate \"Test PCK\": SGX extension 1.2.840.113741.1.13.1.2.1 appears "
               "more than once");
}

BOOST_AUTO_TEST_CASE(wrong_sizes_are_refused) {
    auto members = required_members();
    members[3] = member(sgx_oid(".4"), octets(5, 0xA0));
    BOOST_TEST(refused(pck_with(members)) ==
               "PCK certificate \"Test PCK\": SGX extension FMSPC is 5 bytes, expected 6");
    members = required_members();
    members[0] = member(sgx_oid(".1"), octets(15, 0x10));
    BOOST_TEST(refused(pck_with(members)) ==
               "PCK certificate \"Test PCK\": SGX extension PPID is 15 bytes, expected 16");
}

BOOST_AUTO_TEST_CASE(tcb_values_out_of_range_or_missing_are_refused) {
    BOOST_TEST(refused(pck_with(required_members(tcb_members(256)))) ==
               "PCK certificate \"Test PCK\": SGX extension TCB component 3 SVN 256 is outside "
               "0..255");
    BOOST_TEST(refused(pck_with(required_members(tcb_members(-1)))) ==
               "PCK certificate \"Test PCK\": SGX extension TCB component 3 SVN -1 is outside "
               "0..255");
    BOOST_TEST(refused(pck_with(required_members(tcb_members(3, 65536)))) ==
               "PCK certificate \"Test PCK\": SGX extension PCESVN 65536 is outside 0..65535");
    auto tcb = tcb_members();
    tcb.erase(tcb.begin() + 15);
    BOOST_TEST(refused(pck_with(required_members(tcb))) ==
               "PCK certificate \"Test PCK\": SGX extension TCB component 16 SVN "
               "(1.2.840.113741.1.13.1.2.16) is missing");
}

BOOST_AUTO_TEST_CASE(sgx_type_must_be_an_enumerated) {
    auto members = required_members();
    members[4] = member(sgx_oid(".5"), ccattest::support::der_encode_integer(1));
    BOOST_TEST(refused(pck_with(members)) ==
               "PCK certificate \"Test PCK\" SGX extensions, sequence, member: SGX type (offset "
               "12) is INTEGER, expected ENUMERATED");
    members[4] = member(sgx_oid(".5"), Bytes{0x0A, 0x01, 0x80});
    BOOST_TEST(refused(pck_with(members)) ==
               "PCK certificate \"Test PCK\": SGX extension SGX type is not a non-negative "
               "ENUMERATED of at most 15 bits in DER");
}

BOOST_AUTO_TEST_SUITE_END()
