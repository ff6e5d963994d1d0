// One piece of SNP evidence, one token spelling, one evidence_digest: whitespace, reordered or
// unused members and unrelated CRLs are refused; every encoding of one report (token forms,
// carried certificates, s or n - s) has one digest; certificate files follow one DER/PEM rule.
#include "snp_support.hpp"
#include "support/scratch_dir.hpp"

#include <ccattest/support/bytes.hpp>

#include <openssl/bn.h>
#include <openssl/ec.h>

#include <fstream>
#include <set>

using namespace snp_test;
using ccattest::snp::Evidence;
using ccattest::snp::Product;
using ccattest::snp::SigningKey;
using ccattest::support::Certificate;
using ccattest::support::to_hex;
using ccattest::test::ScratchDir;

namespace {

Bytes token_of(const Evidence &evidence) {
    return bytes_of(ccattest::snp::encode_token(evidence));
}

std::string digest_of(const Outcome &out) {
    BOOST_REQUIRE_MESSAGE(out.status == CCATTEST_OK, out.message);
    return std::string(out.claims.at("evidence_digest").as_string());
}

// SHA-256 of what the AMD secure processor signed, computed here independently of the plugin.
std::string signed_bytes_digest(const Bytes &report) {
    std::array<uint8_t, 32> digest{};
    unsigned int length = 0;
    BOOST_REQUIRE(EVP_Digest(report.data(), 0x2A0, digest.data(), &length, EVP_sha256(), nullptr) ==
                  1);
    return to_hex(digest);
}

// The report with its signature's S (72 bytes little-endian at 0x2E8) replaced by n - S: another
// valid ECDSA signature of the same bytes.
Bytes malleated(Bytes report) {
    std::array<uint8_t, 48> s{};
    std::reverse_copy(report.begin() + 0x2E8, report.begin() + 0x2E8 + 48, s.begin());
    BIGNUM *value = BN_bin2bn(s.data(), static_cast<int>(s.size()), nullptr);
    EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_secp384r1);
    BN_sub(value, EC_GROUP_get0_order(group), value);
    BN_bn2binpad(value, s.data(), static_cast<int>(s.size()));
    BN_free(value);
    EC_GROUP_free(group);
    std::reverse_copy(s.begin(), s.end(), report.begin() + 0x2E8);
    return report;
}

Bytes trust_der(const std::string &name) {
    return Certificate::load(fs::path(SNP_VECTORS) / "../../../config/trust/amd" / name).der();
}

std::string trust_pem(const std::string &name) {
    const auto data = ccattest::support::read_file(
        fs::path(SNP_VECTORS) / "../../../config/trust/amd" / name, 1U << 16U);
    return {data.begin(), data.end()};
}

std::string join(std::initializer_list<std::string_view> parts) {
    std::string out;
    for (const auto part : parts) {
        out.append(part);
    }
    return out;
}

std::string pem_of(const Bytes &der) {
    return snp_test::pem_of(Certificate::parse(der, "pem_of", ccattest::support::Encoding::der));
}

fs::path write(const fs::path &file, const std::string &text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file;
}

fs::path write(const fs::path &file, const Bytes &data) {
    return write(file, std::string(data.begin(), data.end()));
}

// The gosev report's token carrying its VCEK.
Evidence gosev_evidence() {
    Evidence evidence;
    evidence.report = read("gosev_milan_report.bin");
    evidence.vcek = read("gosev_milan_vcek.der");
    return evidence;
}

ccattest::snp::SimulatorConfig simulated(Product product, SigningKey key) {
    ccattest::snp::SimulatorConfig config;
    config.state_dir = sim_state();
    config.product = product;
    config.report_version = 3;
    config.signing_key = key;
    return config;
}

ccattest::snp::Verifier simulated_verifier(std::vector<fs::path> certificate_files = {}) {
    ccattest::snp::VerifierConfig config;
    config.allow_simulated = true;
    config.simulator_state_dir = sim_state();
    config.certificate_files = std::move(certificate_files);
    return ccattest::snp::Verifier(config);
}

std::array<uint8_t, 64> data_of(uint8_t seed) {
    std::array<uint8_t, 64> data{};
    data.fill(seed);
    return data;
}

// Status and message of constructing a verifier that is expected to refuse its config.
std::pair<ccattest_status, std::string> refused_config(std::vector<fs::path> files) {
    return refusal([&] { (void)verifier_with(std::move(files)); });
}

} // namespace

BOOST_AUTO_TEST_SUITE(snp_token_spelling)

BOOST_AUTO_TEST_CASE(whitespace_around_any_token_is_malformed) {
    const auto verifier = verifier_with({vector("gosev_milan_vcek.der")});
    const std::string json = ccattest::snp::encode_token(gosev_evidence());
    const std::string flare = ccattest::support::base64_encode(read("gosev_milan_report.bin"));
    // The exact texts verify...
    BOOST_TEST(verify(verifier, bytes_of(json)).status == CCATTEST_OK);
    BOOST_TEST(verify(verifier, bytes_of(flare)).status == CCATTEST_OK);
    // ...and nothing around them does.
    const std::string starts =
        "token starts with whitespace; only the exact token text is accepted";
    const std::string ends = "token ends with whitespace; only the exact token text is accepted";
    for (const auto &[text, message] :
         std::vector<std::pair<std::string, std::string>>{{" " + json, starts},
                                                          {json + "\n", ends},
                                                          {json + "\r\n", ends},
                                                          {"\t" + json, starts},
                                                          {" " + flare, starts},
                                                          {flare + "\n", ends},
                                                          {"\n" + flare + "\n", starts}}) {
        BOOST_TEST_CONTEXT(text.substr(0, 4) << "..." << text.substr(text.size() - 2)) {
            const auto out = verify(verifier, bytes_of(text));
            BOOST_TEST(out.status == CCATTEST_E_MALFORMED);
            BOOST_TEST(out.message == message);
        }
    }
    // Whitespace inside the JSON text is not the canonical spelling either.
    std::string spaced = json;
    spaced.insert(spaced.find(':') + 1, " ");
    const auto inside = verify(verifier, bytes_of(spaced));
    BOOST_TEST(inside.status == CCATTEST_E_MALFORMED);
    BOOST_TEST(inside.message.find("token is not in canonical form") == 0u, inside.message);
}

BOOST_AUTO_TEST_CASE(reordered_members_are_malformed) {
    const auto verifier = verifier_with({});
    const std::string report = ccattest::support::base64_encode(read("gosev_milan_report.bin"));
    const std::string vcek = ccattest::support::base64_encode(read("gosev_milan_vcek.der"));
    const std::string ark = ccattest::support::base64_encode(trust_der("milan_ark.pem"));
    const std::string canonical = R"({"format":"ccattest-snp-v1","report":")" + report +
                                  R"(","certificates":{"ark":")" + ark + R"(","vcek":")" + vcek +
                                  R"("}})";
    BOOST_TEST(verify(verifier, bytes_of(canonical)).status == CCATTEST_OK);
    for (const std::string &text :
         {join({R"({"report":")", report, R"(","format":"ccattest-snp-v1","certificates":{"ark":")",
                ark, R"(","vcek":")", vcek, R"("}})"}),
          join({R"({"format":"ccattest-snp-v1","certificates":{"ark":")", ark, R"(","vcek":")",
                vcek, R"("},"report":")", report, R"("})"}),
          join({R"({"format":"ccattest-snp-v1","report":")", report,
                R"(","certificates":{"vcek":")", vcek, R"(","ark":")", ark, R"("}})"}),
          // An empty certificates object is never written either.
          join({R"({"format":"ccattest-snp-v1","report":")", report, R"(","certificates":{}})"})}) {
        const auto out = verify(verifier, bytes_of(text));
        BOOST_TEST(out.status == CCATTEST_E_MALFORMED);
        BOOST_TEST(out.message.find("token is not in canonical form (members out of order") == 0u,
                   out.message);
    }
}

BOOST_AUTO_TEST_CASE(a_certificate_the_report_does_not_use_is_malformed) {
    // The gosev report is VCEK-signed: a vlek member, even junk, is refused, naming the slot.
    auto evidence = gosev_evidence();
    evidence.vlek = bytes_of("junk");
    const auto verifier = verifier_with({});
    const auto vlek = verify(verifier, token_of(evidence));
    BOOST_TEST(vlek.status == CCATTEST_E_MALFORMED);
    BOOST_TEST(vlek.message ==
               "token carries a \"vlek\" certificate, but the report is signed with the VCEK "
               "(SIGNING_KEY 0): a certificate the report does not use is refused");
    evidence.vlek = read("gosev_milan_vcek.der"); // a real certificate is no better
    BOOST_TEST(verify(verifier, token_of(evidence)).status == CCATTEST_E_MALFORMED);

    const auto data = data_of(4);
    auto made = ccattest::snp::simulate_report(simulated(Product::genoa, SigningKey::vlek), data);
    const auto sim = simulated_verifier();
    BOOST_TEST(verify(sim, token_of(made.evidence), data).status == CCATTEST_OK);
    made.evidence.vcek = bytes_of("junk");
    const auto vcek = verify(sim, token_of(made.evidence), data);
    BOOST_TEST(vcek.status == CCATTEST_E_MALFORMED);
    BOOST_TEST(vcek.message ==
               "token carries a \"vcek\" certificate, but the report is signed with the VLEK "
               "(SIGNING_KEY 1): a certificate the report does not use is refused");
}

BOOST_AUTO_TEST_CASE(generate_drops_the_unused_slot) {
    auto evidence = gosev_evidence();
    evidence.vlek = bytes_of("a host table may hold both");
    ccattest::snp::drop_unused_certificates(evidence);
    BOOST_TEST(!evidence.vlek.has_value());
    BOOST_TEST((evidence.vcek == read("gosev_milan_vcek.der")));
    const auto verifier = verifier_with({});
    BOOST_TEST(verify(verifier, token_of(evidence)).status == CCATTEST_OK);

    const auto data = data_of(5);
    auto made = ccattest::snp::simulate_report(simulated(Product::milan, SigningKey::vlek), data);
    const auto vlek = made.evidence.vlek;
    made.evidence.vcek = bytes_of("unused");
    ccattest::snp::drop_unused_certificates(made.evidence);
    BOOST_TEST(!made.evidence.vcek.has_value());
    BOOST_TEST((made.evidence.vlek == vlek));
}

BOOST_AUTO_TEST_CASE(token_certificates_are_der_only) {
    auto evidence = gosev_evidence();
    evidence.vcek = bytes_of(pem_of(read("gosev_milan_vcek.der")));
    const auto out = verify(verifier_with({}), token_of(evidence));
    BOOST_TEST(out.status == CCATTEST_E_MALFORMED);
    BOOST_TEST(out.message == "token VCEK is PEM, but only DER is accepted here");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(snp_evidence_digest)

BOOST_AUTO_TEST_CASE(every_encoding_of_one_report_has_one_digest) {
    const Bytes report = read("gosev_milan_report.bin");
    const std::string expected = signed_bytes_digest(report);
    const auto with_file = verifier_with({vector("gosev_milan_vcek.der")});
    const auto bare = verifier_with({});
    const std::string flare = ccattest::support::base64_encode(report);
    Evidence none;
    none.report = report;
    auto full = gosev_evidence();
    full.ark = trust_der("milan_ark.pem");
    full.ask = trust_der("milan_ask.pem");
    const std::vector<std::pair<std::string, Outcome>> forms = {
        {"raw report", verify(with_file, report)},
        {"FLARE base64", verify(with_file, bytes_of(flare))},
        {"ccattest token with the VCEK", verify(bare, token_of(gosev_evidence()))},
        {"ccattest token with ARK, ASK and VCEK", verify(bare, token_of(full))},
        {"ccattest token without certificates", verify(with_file, token_of(none))}};
    for (const auto &[name, out] : forms) {
        BOOST_TEST_CONTEXT(name) {
            BOOST_TEST(digest_of(out) == expected);
        }
    }
    BOOST_TEST(forms[1].second.claims.at("token_form").as_string() == "flare-snp-base64");
    // inspect shows the same digest without verifying anything.
    BOOST_TEST(bare.inspect(token_of(full)).at("evidence_digest").as_string() == expected);
}

BOOST_AUTO_TEST_CASE(ecdsa_malleated_reports_verify_with_the_same_digest) {
    for (const auto &[report_file, vcek_file] : std::vector<std::pair<std::string, std::string>>{
             {"gosev_milan_report.bin", "gosev_milan_vcek.der"},
             {"trustee_test-report.bin", "trustee_test-vcek.der"},
             {"virtee_report_milan.bin", "virtee_vcek_milan.der"}}) {
        BOOST_TEST_CONTEXT(report_file) {
            const auto verifier = verifier_with({vector(vcek_file)});
            const Bytes original = read(report_file);
            const Bytes other = malleated(original);
            // Another byte string (S differs), and AMD's signature verifies on both: high s is
            // not refused, since the firmware does not promise low s.
            BOOST_TEST(!std::equal(original.begin() + 0x2E8, original.begin() + 0x2E8 + 48,
                                   other.begin() + 0x2E8));
            BOOST_TEST(std::equal(original.begin(), original.begin() + 0x2E8, other.begin()));
            const auto a = verify(verifier, original);
            const auto b = verify(verifier, other);
            BOOST_REQUIRE_MESSAGE(b.status == CCATTEST_OK, b.message);
            // One piece of evidence to the replay store.
            BOOST_TEST(digest_of(a) == digest_of(b));
            BOOST_TEST(digest_of(a) == signed_bytes_digest(original));
        }
    }
}

BOOST_AUTO_TEST_CASE(distinct_reports_have_distinct_digests) {
    std::set<std::string> digests;
    digests.insert(digest_of(
        verify(verifier_with({vector("gosev_milan_vcek.der")}), read("gosev_milan_report.bin"))));
    digests.insert(digest_of(
        verify(verifier_with({vector("trustee_test-vcek.der")}), read("trustee_test-report.bin"))));
    digests.insert(digest_of(
        verify(verifier_with({vector("virtee_vcek_milan.der")}), read("virtee_report_milan.bin"))));
    const auto sim = simulated_verifier();
    for (const uint8_t seed : {uint8_t{1}, uint8_t{2}}) {
        const auto data = data_of(seed);
        const auto made =
            ccattest::snp::simulate_report(simulated(Product::milan, SigningKey::vcek), data);
        digests.insert(digest_of(verify(sim, token_of(made.evidence), data)));
    }
    BOOST_TEST(digests.size() == 5u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(snp_crl_relation)

BOOST_AUTO_TEST_CASE(an_unrelated_token_crl_is_refused) {
    const auto data = data_of(6);
    auto made = ccattest::snp::simulate_report(simulated(Product::milan, SigningKey::vcek), data);
    const auto verifier = simulated_verifier();
    made.evidence.crl = make_crl({99}, 2000000000); // this chain's ARK: fine
    BOOST_TEST(verify(verifier, token_of(made.evidence), data).status == CCATTEST_OK);

    // Another product line's ARK, validly signed by it: nothing this chain uses.
    const Bytes genoa = make_crl({99}, 2000000000, "genoa_ark", "genoa_ark");
    made.evidence.crl = genoa;
    const auto other_ark = verify(verifier, token_of(made.evidence), data);
    BOOST_TEST(other_ark.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(other_ark.message ==
               "token CRL is issued by \"SIMULATED ARK-Genoa\", not by SIMULATED ARK-Milan (the "
               "root of this chain): an unrelated CRL is refused");
    // Issued by the chain's ASK (AMD's CRLs come from the ARK).
    made.evidence.crl = make_crl({}, 2000000000, "milan_ask", "milan_ask");
    const auto ask = verify(verifier, token_of(made.evidence), data);
    BOOST_TEST(ask.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(ask.message.find("token CRL is issued by \"SIMULATED SEV-Milan\"") == 0u,
               ask.message);

    // The same CRL in the operator's files is skipped: a site may list several product lines.
    const ScratchDir scratch;
    const auto file = write(scratch.path() / "genoa_crl.der", genoa);
    made.evidence.crl.reset();
    BOOST_TEST(verify(simulated_verifier({file}), token_of(made.evidence), data).status ==
               CCATTEST_OK);
}

BOOST_AUTO_TEST_CASE(token_crl_is_der_only) {
    const auto data = data_of(7);
    auto made = ccattest::snp::simulate_report(simulated(Product::milan, SigningKey::vcek), data);
    const Bytes der = make_crl({}, 2000000000);
    const unsigned char *cursor = der.data();
    X509_CRL *crl = d2i_X509_CRL(nullptr, &cursor, static_cast<long>(der.size()));
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509_CRL(bio, crl);
    char *text = nullptr;
    const long length = BIO_get_mem_data(bio, &text);
    made.evidence.crl = Bytes(text, text + length);
    BIO_free(bio);
    X509_CRL_free(crl);
    const auto out = verify(simulated_verifier(), token_of(made.evidence), data);
    BOOST_TEST(out.status == CCATTEST_E_MALFORMED);
    BOOST_TEST(out.message == "token CRL is PEM, but only DER is accepted here");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(snp_certificate_files)

BOOST_AUTO_TEST_CASE(a_pem_bundle_of_ark_ask_and_vcek_verifies) {
    const ScratchDir scratch;
    const std::string vcek = pem_of(read("gosev_milan_vcek.der"));
    const auto bundle = write(scratch.path() / "chain.pem",
                              trust_pem("milan_ark.pem") + trust_pem("milan_ask.pem") + vcek);
    const auto out = verify(verifier_with({bundle}), read("gosev_milan_report.bin"));
    BOOST_REQUIRE_MESSAGE(out.status == CCATTEST_OK, out.message);
    BOOST_TEST(out.claims.at("chain").at("root").as_string() == "ARK-Milan");

    // The collateral folder takes the same bundle as the VCEK file.
    const auto parsed = ccattest::snp::parse_report(read("gosev_milan_report.bin"));
    const fs::path collateral = scratch.path() / "collateral";
    write(collateral / "milan" / "vcek" / to_hex(parsed.chip_id) /
              (ccattest::snp::tcb_hex(parsed.reported_tcb) + ".pem"),
          "\n" + vcek + trust_pem("milan_ask.pem") + trust_pem("milan_ark.pem"));
    ccattest::snp::VerifierConfig config;
    config.collateral_dir = collateral;
    config.product = Product::milan;
    const ccattest::snp::Verifier from_folder(config);
    const auto flare = ccattest::support::base64_encode(read("gosev_milan_report.bin"));
    const auto folder = verify(from_folder, bytes_of(flare));
    BOOST_REQUIRE_MESSAGE(folder.status == CCATTEST_OK, folder.message);
}

BOOST_AUTO_TEST_CASE(garbage_around_certificate_files_is_refused) {
    const ScratchDir scratch;
    const std::string vcek = pem_of(read("gosev_milan_vcek.der"));
    const auto trailing = write(scratch.path() / "trailing.pem", vcek + "garbage\n");
    const auto a = refused_config({trailing});
    BOOST_TEST(a.first == CCATTEST_E_CONFIG);
    BOOST_TEST(a.second == trailing.string() + ": trailing data after PEM block 1 (8 bytes)");

    const auto leading = write(scratch.path() / "leading.pem", "Certificate:\n" + vcek);
    const auto b = refused_config({leading});
    BOOST_TEST(b.first == CCATTEST_E_CONFIG);
    BOOST_TEST(b.second == leading.string() + ": data before the first PEM block");

    Bytes der = read("gosev_milan_vcek.der");
    der.push_back(0);
    const auto extra = write(scratch.path() / "extra.der", der);
    const auto c = refused_config({extra});
    BOOST_TEST(c.first == CCATTEST_E_CONFIG);
    BOOST_TEST(c.second == extra.string() + ": trailing data after the certificate (1 byte)");

    Bytes crl = make_crl({}, 2000000000);
    crl.push_back(0);
    const auto bad_crl = write(scratch.path() / "crl.der", crl);
    const auto d = refused_config({bad_crl});
    BOOST_TEST(d.first == CCATTEST_E_CONFIG);
    BOOST_TEST(d.second == bad_crl.string() + ": trailing data after the CRL (1 byte)");

    // In the collateral folder the file is refused when it is used.
    const auto parsed = ccattest::snp::parse_report(read("gosev_milan_report.bin"));
    const fs::path collateral = scratch.path() / "collateral";
    const auto file = write(collateral / "milan" / "vcek" / to_hex(parsed.chip_id) /
                                (ccattest::snp::tcb_hex(parsed.reported_tcb) + ".pem"),
                            vcek + "x");
    ccattest::snp::VerifierConfig config;
    config.collateral_dir = collateral;
    config.product = Product::milan;
    const auto out = verify(ccattest::snp::Verifier(config), read("gosev_milan_report.bin"));
    BOOST_TEST(out.status == CCATTEST_E_MALFORMED);
    BOOST_TEST(out.message ==
               "collateral VCEK " + file.string() + ": trailing data after PEM block 1 (1 byte)");
}

BOOST_AUTO_TEST_CASE(an_untrusted_chain_certificate_in_files_is_refused) {
    const ScratchDir scratch;
    (void)ccattest::snp::simulated_roots(sim_state(), Product::milan);
    const auto ark = ccattest::support::read_file(sim_state() / "snp" / "milan_ark.pem", 1U << 16U);
    const auto bundle =
        write(scratch.path() / "bundle.pem",
              std::string(ark.begin(), ark.end()) + pem_of(read("gosev_milan_vcek.der")));
    const auto out = refused_config({bundle});
    BOOST_TEST(out.first == CCATTEST_E_CONFIG);
    BOOST_TEST(out.second == bundle.string() +
                                 ": certificate \"SIMULATED ARK-Milan\" is neither a VCEK/VLEK nor "
                                 "one of the trusted ARK/ASK/ASVK");
    // Trusted once simulated hardware is.
    BOOST_CHECK_NO_THROW(simulated_verifier({bundle}));
}

BOOST_AUTO_TEST_SUITE_END()
