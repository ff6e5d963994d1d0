// plugins/common's X.509 encoding rule (DER: one object, nothing around it; PEM: blocks with only
// whitespace around them, every block used), on the SEV-SNP vectors. The ECDSA forms (low s) are
// tested in tests/support_lib/signature_tests.cpp.
#include "snp_support.hpp"

using namespace snp_test;
using ccattest::support::Certificate;
using ccattest::support::Crl;
using ccattest::support::Encoding;

namespace {

std::string pem_of_crl(const Bytes &der) {
    const unsigned char *cursor = der.data();
    X509_CRL *crl = d2i_X509_CRL(nullptr, &cursor, static_cast<long>(der.size()));
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509_CRL(bio, crl);
    char *data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(length));
    BIO_free(bio);
    X509_CRL_free(crl);
    return out;
}

std::string trust_pem(const std::string &name) {
    const auto data = ccattest::support::read_file(
        fs::path(SNP_VECTORS) / "../../../config/trust/amd" / name, 1U << 16U);
    return {data.begin(), data.end()};
}

} // namespace

BOOST_AUTO_TEST_SUITE(common_x509_encoding)

BOOST_AUTO_TEST_CASE(der_is_exactly_one_certificate) {
    const Bytes der = read("gosev_milan_vcek.der");
    const auto certificate = Certificate::parse(der, "vcek");
    BOOST_TEST(certificate.subject_cn() == "SEV-VCEK");
    BOOST_TEST(Certificate::parse(der, "vcek", Encoding::der).sha256() == certificate.sha256());

    Bytes longer = der;
    longer.push_back(0);
    const auto one = refusal([&] { (void)Certificate::parse(longer, "vcek"); });
    BOOST_TEST(one.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(one.second == "vcek: trailing data after the certificate (1 byte)");
    longer.insert(longer.end(), {'a', 'b'});
    BOOST_TEST(refusal([&] { (void)Certificate::parse(longer, "vcek"); }).second ==
               "vcek: trailing data after the certificate (3 bytes)");

    const Bytes junk = bytes_of("not a certificate");
    const auto garbage = refusal([&] { (void)Certificate::parse(junk, "junk"); });
    BOOST_TEST(garbage.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(garbage.second.find("junk is not an X.509 certificate") == 0u, garbage.second);
}

BOOST_AUTO_TEST_CASE(pem_allows_only_whitespace_around_its_blocks) {
    const auto vcek = Certificate::parse(read("gosev_milan_vcek.der"), "vcek");
    const std::string pem = pem_of(vcek);
    BOOST_TEST(Certificate::parse(bytes_of(pem), "vcek").sha256() == vcek.sha256());
    BOOST_TEST(Certificate::parse(bytes_of("\n \r\n" + pem + "\n\n"), "vcek").sha256() ==
               vcek.sha256());

    const auto trailing = refusal([&] { (void)Certificate::parse(bytes_of(pem + "junk"), "f"); });
    BOOST_TEST(trailing.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(trailing.second == "f: trailing data after PEM block 1 (4 bytes)");
    const auto leading =
        refusal([&] { (void)Certificate::parse(bytes_of("Subject: SEV-VCEK\n" + pem), "f"); });
    BOOST_TEST(leading.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(leading.second == "f: data before the first PEM block");
    // DER inside the PEM block follows the DER rule: one more byte is trailing data.
    Bytes der = vcek.der();
    der.push_back(0);
    const std::string padded = "-----BEGIN CERTIFICATE-----\n" +
                               ccattest::support::base64_encode(der) +
                               "\n-----END CERTIFICATE-----\n";
    BOOST_TEST(refusal([&] { (void)Certificate::parse(bytes_of(padded), "f"); }).second ==
               "f, PEM block 1: trailing data after the certificate (1 byte)");
    // Evidence formats take DER only.
    const auto der_only =
        refusal([&] { (void)Certificate::parse(bytes_of(pem), "token VCEK", Encoding::der); });
    BOOST_TEST(der_only.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(der_only.second == "token VCEK is PEM, but only DER is accepted here");
}

BOOST_AUTO_TEST_CASE(a_pem_bundle_is_used_whole) {
    const auto vcek = Certificate::parse(read("gosev_milan_vcek.der"), "vcek");
    const std::string bundle =
        trust_pem("milan_ark.pem") + trust_pem("milan_ask.pem") + pem_of(vcek);
    const auto all = Certificate::parse_bundle(bytes_of(bundle), "bundle");
    BOOST_REQUIRE_EQUAL(all.size(), 3u);
    BOOST_TEST(all[0].subject_cn() == "ARK-Milan");
    BOOST_TEST(all[1].subject_cn() == "SEV-Milan");
    BOOST_TEST(all[2].sha256() == vcek.sha256());
    const auto many = refusal([&] { (void)Certificate::parse(bytes_of(bundle), "bundle"); });
    BOOST_TEST(many.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(many.second == "bundle holds 3 certificates; expected exactly one");
    BOOST_TEST(refusal([&] {
                   (void)Certificate::parse_bundle(bytes_of(bundle + "-----END"), "bundle");
               }).second == "bundle: trailing data after PEM block 3 (8 bytes)");
}

BOOST_AUTO_TEST_CASE(crls_follow_the_same_rule) {
    const Bytes der = make_crl({7}, 2000000000);
    const auto crl = Crl::parse(der, "crl");
    BOOST_TEST(crl.issuer_cn() == "SIMULATED ARK-Milan");
    Bytes longer = der;
    longer.push_back(0);
    const auto tail = refusal([&] { (void)Crl::parse(longer, "crl"); });
    BOOST_TEST(tail.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(tail.second == "crl: trailing data after the CRL (1 byte)");
    // A file that may hold either kind names the real problem, not "not an X.509 CRL".
    const auto mixed = refusal([&] { (void)ccattest::support::parse_x509_objects(longer, "f"); });
    BOOST_TEST(mixed.first == CCATTEST_E_MALFORMED);
    BOOST_TEST(mixed.second == "f: trailing data after the CRL (1 byte)");

    const auto vcek = Certificate::parse(read("gosev_milan_vcek.der"), "vcek");
    const std::string both = pem_of(vcek) + "\n" + pem_of_crl(der);
    const auto objects = ccattest::support::parse_x509_objects(bytes_of(both), "f");
    BOOST_TEST(objects.certificates.size() == 1u);
    BOOST_TEST(objects.crls.size() == 1u);
    BOOST_TEST(refusal([&] { (void)Certificate::parse_bundle(bytes_of(both), "f"); }).second ==
               "f, PEM block 2 is \"X509 CRL\", expected \"CERTIFICATE\"");
    BOOST_TEST(refusal([&] {
                   (void)Crl::parse(bytes_of(pem_of_crl(der)), "crl", Encoding::der);
               }).second == "crl is PEM, but only DER is accepted here");
}

BOOST_AUTO_TEST_SUITE_END()
