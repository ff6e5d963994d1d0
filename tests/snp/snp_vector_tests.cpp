// Real reports from real Milan hardware: each verifies with exactly the facts its source asserts,
// and every kind of damage is rejected with the right status and reason.
#include "snp_support.hpp"

#include <ccattest/support/bytes.hpp>

using namespace snp_test;
using ccattest::snp::Product;
using ccattest::support::to_hex;

namespace {

std::string hex_of(const boost::json::object &claims, const char *key) {
    return std::string(claims.at(key).as_string());
}

void check_tcb(const boost::json::object &claims, int bl, int tee, int snp, int ucode) {
    const auto &tcb = claims.at("reported_tcb").as_object();
    BOOST_TEST(tcb.at("bootloader").to_number<int64_t>() == bl);
    BOOST_TEST(tcb.at("tee").to_number<int64_t>() == tee);
    BOOST_TEST(tcb.at("snp").to_number<int64_t>() == snp);
    BOOST_TEST(tcb.at("microcode").to_number<int64_t>() == ucode);
    BOOST_TEST(!tcb.contains("fmc"));
}

Bytes flipped(Bytes data, size_t offset, uint8_t mask = 0x01) {
    data.at(offset) ^= mask;
    return data;
}

} // namespace

BOOST_AUTO_TEST_SUITE(snp_vectors)

BOOST_AUTO_TEST_CASE(go_sev_guest_milan_report) {
    const auto verifier = verifier_with({vector("gosev_milan_vcek.der")});
    const auto out = verify(verifier, read("gosev_milan_report.bin"));
    BOOST_REQUIRE_MESSAGE(out.status == CCATTEST_OK, out.message);
    const auto &c = out.claims;
    BOOST_TEST(c.at("product").as_string() == "milan");
    BOOST_TEST(c.at("version").to_number<int64_t>() == 2);
    BOOST_TEST(hex_of(c, "report_data") == "0102030405" + std::string(118, '0'));
    BOOST_TEST(hex_of(c, "measurement").substr(0, 8) == "b07af962");
    BOOST_TEST(hex_of(c, "measurement").substr(92) == "2b01");
    check_tcb(c, 2, 0, 5, 68);
    BOOST_TEST(hex_of(c, "chip_id").substr(0, 8) == "3ac3fe21");
    BOOST_TEST(hex_of(c, "chip_id").substr(122) == "006b5d");
    BOOST_TEST(c.at("current_major").to_number<int64_t>() == 1);
    BOOST_TEST(c.at("current_minor").to_number<int64_t>() == 49);
    BOOST_TEST(c.at("current_build").to_number<int64_t>() == 3);
    BOOST_TEST(c.at("policy").at("raw").to_number<int64_t>() == 0xb0000);
    BOOST_TEST(c.at("policy").at("debug").as_bool());
    BOOST_TEST(c.at("policy").at("smt").as_bool());
    BOOST_TEST(!c.at("policy").at("migrate_ma").as_bool());
    BOOST_TEST(c.at("signing_key").as_string() == "vcek");
    BOOST_TEST(!c.at("simulated").as_bool());
    BOOST_TEST(c.at("chain").at("root").as_string() == "ARK-Milan");
    BOOST_TEST(!c.contains("cpuid"));
}

BOOST_AUTO_TEST_CASE(trustee_report) {
    const auto verifier = verifier_with({vector("trustee_test-vcek.der")});
    const auto out = verify(verifier, read("trustee_test-report.bin"));
    BOOST_REQUIRE_MESSAGE(out.status == CCATTEST_OK, out.message);
    const auto &c = out.claims;
    BOOST_TEST(c.at("version").to_number<int64_t>() == 2);
    BOOST_TEST(c.at("guest_svn").to_number<int64_t>() == 4);
    BOOST_TEST(c.at("policy").at("raw").to_number<int64_t>() == 0x3001f);
    BOOST_TEST(c.at("policy").at("abi_minor").to_number<int64_t>() == 0x1f);
    check_tcb(c, 3, 0, 8, 115);
    BOOST_TEST(hex_of(c, "chip_id").substr(0, 8) == "c38427a3");
    BOOST_TEST(hex_of(c, "chip_id").substr(122) == "77524e");
    BOOST_TEST(hex_of(c, "measurement").substr(0, 8) == "a1f39304");
    BOOST_TEST(hex_of(c, "measurement").substr(92) == "d38c");
}

BOOST_AUTO_TEST_CASE(virtee_report) {
    const auto verifier = verifier_with({vector("virtee_vcek_milan.der")});
    const auto out = verify(verifier, read("virtee_report_milan.bin"));
    BOOST_REQUIRE_MESSAGE(out.status == CCATTEST_OK, out.message);
    const auto &c = out.claims;
    BOOST_TEST(c.at("version").to_number<int64_t>() == 2);
    BOOST_TEST(c.at("policy").at("raw").to_number<int64_t>() == 0x30000);
    check_tcb(c, 3, 0, 8, 115);
    BOOST_TEST(hex_of(c, "chip_id").substr(0, 8) == "d49554ec");
    BOOST_TEST(hex_of(c, "chip_id").substr(124) == "1eb6");
    BOOST_TEST(hex_of(c, "report_data").substr(0, 8) == "d447b55d");
    BOOST_TEST(hex_of(c, "report_data").substr(124) == "ebfd");
    BOOST_TEST(hex_of(c, "measurement").substr(0, 8) == "7a1e5c26");
    BOOST_TEST(hex_of(c, "measurement").substr(92) == "841f");
    BOOST_TEST(c.at("current_major").to_number<int64_t>() == 1);
    BOOST_TEST(c.at("current_minor").to_number<int64_t>() == 52);
    BOOST_TEST(c.at("current_build").to_number<int64_t>() == 4);
}

BOOST_AUTO_TEST_CASE(expired_vcek_is_reported_as_expired) {
    const auto verifier = verifier_with({vector("gosev_milan_vcek.der")});
    const auto out = verify(verifier, read("gosev_milan_report.bin"), {}, after_expiry);
    BOOST_TEST(out.status == CCATTEST_E_EXPIRED);
    BOOST_TEST(
        out.message.find("VCEK chain: certificate \"SEV-VCEK\" (valid 2022-09-24T00:55:28Z to "
                         "2029-09-24T00:55:28Z) is not valid at 2031-01-01T00:00:00Z: "
                         "certificate has expired") == 0u,
        out.message);
    // Before the VCEK existed, too.
    BOOST_TEST(verify(verifier, read("gosev_milan_report.bin"), {}, 1600000000).status ==
               CCATTEST_E_EXPIRED);
}

BOOST_AUTO_TEST_CASE(named_flips_fail_as_their_sources_say) {
    const auto trustee = verifier_with({vector("trustee_test-vcek.der")});
    const auto report = read("trustee_test-report.bin");
    const auto sig = verify(trustee, flipped(report, 42));
    BOOST_TEST(sig.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(sig.message == "report signature does not verify with the VCEK");
    const auto tcb = verify(trustee, flipped(report, 0x180));
    BOOST_TEST(tcb.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(tcb.message == "REPORTED_TCB bootloader 2 differs from the VCEK's 3");

    const auto virtee = verifier_with({vector("virtee_vcek_milan.der")});
    const auto bit7 = verify(virtee, flipped(read("virtee_report_milan.bin"), 21, 0x80));
    BOOST_TEST(bit7.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(bit7.message == "report signature does not verify with the VCEK");
}

BOOST_AUTO_TEST_CASE(a_flip_in_every_field_region_is_rejected) {
    const auto verifier = verifier_with({vector("gosev_milan_vcek.der")});
    const auto report = read("gosev_milan_report.bin");
    // One offset inside every field and reserved range of the report.
    const std::vector<size_t> offsets = {
        0x00,  0x04,  0x08,  0x0A,  0x10,  0x20,  0x30,  0x34,  0x38,  0x40,  0x48,
        0x4C,  0x50,  0x90,  0xC0,  0xE0,  0x110, 0x140, 0x160, 0x180, 0x181, 0x186,
        0x187, 0x188, 0x19F, 0x1A0, 0x1DF, 0x1E0, 0x1E8, 0x1EB, 0x1EC, 0x1EF, 0x1F0,
        0x1F8, 0x29F, 0x2A0, 0x2D0, 0x2E8, 0x2E9, 0x318, 0x330, 0x49F};
    for (const size_t offset : offsets) {
        BOOST_TEST_CONTEXT("offset 0x" << std::hex << offset) {
            const auto out = verify(verifier, flipped(report, offset));
            BOOST_TEST(out.status != CCATTEST_OK);
            BOOST_TEST(!out.message.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(reserved_and_version_errors_name_the_field) {
    const auto verifier = verifier_with({vector("gosev_milan_vcek.der")});
    const auto report = read("gosev_milan_report.bin");
    BOOST_TEST(verify(verifier, flipped(report, 0x4C)).message ==
               "reserved bytes 0x04C..0x04F are not zero (report version 2)");
    BOOST_TEST(verify(verifier, flipped(report, 0x188)).message ==
               "reserved bytes 0x188..0x19F are not zero (report version 2)");
    BOOST_TEST(verify(verifier, flipped(report, 0x2D0)).message == "SIGNATURE R exceeds 384 bits");
    for (const uint8_t version : {uint8_t{0}, uint8_t{1}, uint8_t{6}}) {
        auto changed = report;
        changed[0] = version;
        const auto out = verify(verifier, changed);
        BOOST_TEST(out.status == CCATTEST_E_MALFORMED);
        BOOST_TEST(out.message ==
                   "report version " + std::to_string(version) + " is not supported (2 to 5)");
    }
    auto algo = report;
    algo[0x34] = 2;
    BOOST_TEST(verify(verifier, algo).message ==
               "SIGNATURE_ALGO 2 is not 1 (ECDSA P-384 with SHA-384)");
    auto key = report;
    key[0x48] = 2U << 2U;
    BOOST_TEST(verify(verifier, key).message == "KEY_INFO SIGNING_KEY 2 is reserved");
}

BOOST_AUTO_TEST_CASE(truncated_and_oversized_reports) {
    const auto verifier = verifier_with({vector("gosev_milan_vcek.der")});
    auto report = read("gosev_milan_report.bin");
    auto shorter = report;
    shorter.pop_back();
    const auto a = verify(verifier, shorter);
    BOOST_TEST(a.status == CCATTEST_E_MALFORMED);
    BOOST_TEST(a.message == "report is 1183 bytes, expected 1184");
    report.push_back(0);
    const auto b = verify(verifier, report);
    BOOST_TEST(b.status == CCATTEST_E_MALFORMED);
    BOOST_TEST(b.message == "report is 1185 bytes, expected 1184");
    const Bytes huge(16U << 20U, 'A');
    const auto h = verify(verifier, huge);
    BOOST_TEST(h.status == CCATTEST_E_MALFORMED);
    BOOST_TEST(h.message == "token is 16777216 bytes, more than the 262144 allowed");
}

BOOST_AUTO_TEST_CASE(report_data_binding) {
    const auto verifier = verifier_with({vector("gosev_milan_vcek.der")});
    const auto report = read("gosev_milan_report.bin");
    std::array<uint8_t, 64> expected{1, 2, 3, 4, 5};
    BOOST_TEST(verify(verifier, report, expected).status == CCATTEST_OK);
    expected[63] = 1;
    const auto out = verify(verifier, report, expected);
    BOOST_TEST(out.status == CCATTEST_E_BINDING_MISMATCH);
    BOOST_TEST(out.message == "REPORT_DATA differs from the expected report data");
}

BOOST_AUTO_TEST_CASE(wrong_vcek_and_chip_id_mismatch) {
    // The trustee VCEK is for another chip: its hardware id differs from the go-sev-guest CHIP_ID.
    const auto verifier = verifier_with({vector("trustee_test-vcek.der")});
    const auto out = verify(verifier, read("gosev_milan_report.bin"));
    BOOST_TEST(out.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(out.message.find("CHIP_ID 3ac3fe21") == 0u, out.message);
    BOOST_TEST(out.message.find(" differs from the VCEK's hardware id c38427a3") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(hand_made_vceks_parse_but_never_chain) {
    for (const char *name :
         {"trustee_test-vcek-invalid-legacy.der", "trustee_test-vcek-invalid-new.der"}) {
        BOOST_TEST_CONTEXT(name) {
            const auto certificate = ccattest::support::Certificate::load(vector(name));
            // Their extensions still parse: the hwID in either encoding, the SPLs.
            const auto hw = certificate.extension("1.3.6.1.4.1.3704.1.4");
            BOOST_REQUIRE(hw.has_value());
            BOOST_TEST((hw->size() == 64 ||
                        ccattest::support::der_octet_string(*hw, "hwID").size() == 64));
            BOOST_TEST(ccattest::support::der_integer(
                           *certificate.extension("1.3.6.1.4.1.3704.1.3.8"), "ucode") >= 0);
            const auto verifier = verifier_with({vector(name)});
            const auto out = verify(verifier, read("trustee_test-report.bin"));
            BOOST_TEST(out.status == CCATTEST_E_VERIFICATION_FAILED);
            BOOST_TEST(
                out.message.find("VCEK does not chain to the pinned Milan roots: certificate "
                                 "chain does not verify at certificate \"SEV-VCEK\"") == 0u,
                out.message);
        }
    }
    const auto legacy =
        ccattest::support::Certificate::load(vector("trustee_test-vcek-invalid-legacy.der"));
    BOOST_TEST(ccattest::support::der_integer(*legacy.extension("1.3.6.1.4.1.3704.1.3.8"),
                                              "ucode") == 169);
    BOOST_TEST(ccattest::support::der_integer(*legacy.extension("1.3.6.1.4.1.3704.1.3.3"), "snp") ==
               10);
    const auto fresh =
        ccattest::support::Certificate::load(vector("trustee_test-vcek-invalid-new.der"));
    BOOST_TEST(
        ccattest::support::der_integer(*fresh.extension("1.3.6.1.4.1.3704.1.3.8"), "ucode") == 30);
}

BOOST_AUTO_TEST_CASE(wrong_product_roots) {
    // A Milan report declared Genoa: the certificate names Milan, so the product claim is refused.
    const auto verifier = verifier_with({vector("gosev_milan_vcek.der")}, Product::genoa);
    const auto out = verify(verifier, read("gosev_milan_report.bin"));
    BOOST_TEST(out.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(out.message == "the signing certificate is for Milan but the config says Genoa");
}

BOOST_AUTO_TEST_CASE(vcek_presented_for_a_vlek_signed_report) {
    const auto verifier = verifier_with({vector("gosev_milan_vcek.der")});
    auto report = read("gosev_milan_report.bin");
    report[0x48] = 1U << 2U; // SIGNING_KEY = VLEK
    const auto out = verify(verifier, report);
    BOOST_TEST(out.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(out.message == "report is signed with a VLEK but the certificate is a VCEK");
}

BOOST_AUTO_TEST_CASE(no_certificate_anywhere) {
    const auto verifier = verifier_with({});
    const auto out = verify(verifier, read("gosev_milan_report.bin"));
    BOOST_TEST(out.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(out.message ==
               "no VCEK: the token carries none and none was found in certificate_files");
}

BOOST_AUTO_TEST_CASE(flare_base64_token_and_collateral_folder) {
    // NVIDIA FLARE's token is base64 of the report; the VCEK then comes from the collateral folder.
    const auto report = read("gosev_milan_report.bin");
    const auto parsed = ccattest::snp::parse_report(report);
    const fs::path collateral = fs::temp_directory_path() / "ccattest-snp-collateral";
    fs::remove_all(collateral);
    const fs::path folder = collateral / "milan" / "vcek" / to_hex(parsed.chip_id);
    fs::create_directories(folder);
    char tcb[17];
    (void)std::snprintf(tcb, sizeof tcb, "%016llx",
                        static_cast<unsigned long long>(parsed.reported_tcb));
    fs::copy_file(vector("gosev_milan_vcek.der"), folder / (std::string(tcb) + ".der"));
    ccattest::snp::VerifierConfig config;
    config.collateral_dir = collateral;
    config.product = Product::milan;
    const ccattest::snp::Verifier verifier(config);
    const std::string flare = ccattest::support::base64_encode(report);
    const auto out = verify(verifier, Bytes(flare.begin(), flare.end()));
    fs::remove_all(collateral);
    BOOST_REQUIRE_MESSAGE(out.status == CCATTEST_OK, out.message);
    BOOST_TEST(out.claims.at("token_form").as_string() == "flare-snp-base64");
}

BOOST_AUTO_TEST_CASE(ccattest_token_carrying_the_vcek) {
    ccattest::snp::Evidence evidence;
    evidence.report = read("gosev_milan_report.bin");
    evidence.vcek = read("gosev_milan_vcek.der");
    const std::string token = ccattest::snp::encode_token(evidence);
    const auto verifier = verifier_with({});
    const auto out = verify(verifier, Bytes(token.begin(), token.end()));
    BOOST_REQUIRE_MESSAGE(out.status == CCATTEST_OK, out.message);
    BOOST_TEST(out.claims.at("token_form").as_string() == "ccattest-snp-v1");
    // Warm: the chain is cached, the result identical.
    const auto again = verify(verifier, Bytes(token.begin(), token.end()));
    BOOST_TEST(again.status == CCATTEST_OK);
    BOOST_TEST(again.claims == out.claims);
}

BOOST_AUTO_TEST_CASE(pinned_roots_cannot_be_replaced) {
    const fs::path trust = fs::temp_directory_path() / "ccattest-snp-trust";
    fs::remove_all(trust);
    fs::create_directories(trust);
    for (const char *p : {"milan", "genoa", "turin"}) {
        for (const char *k : {"ark", "ask", "asvk"}) {
            const std::string file = std::string(p) + "_" + k + ".pem";
            fs::copy_file(fs::path(SNP_VECTORS) / "../../../config/trust/amd" / file, trust / file);
        }
    }
    ccattest::snp::VerifierConfig config;
    config.trust_dir = trust;
    BOOST_CHECK_NO_THROW(ccattest::snp::Verifier{config});
    // Swap the Milan ARK for the Genoa ARK: refused, naming the file and both digests.
    fs::copy_file(trust / "genoa_ark.pem", trust / "milan_ark.pem",
                  fs::copy_options::overwrite_existing);
    try {
        ccattest::snp::Verifier refused(config);
        BOOST_ERROR("a replaced root was accepted");
    } catch (const ccattest::sdk::failure &e) {
        BOOST_TEST(e.status() == CCATTEST_E_CONFIG);
        BOOST_TEST(
            std::string(e.what()) ==
            "trust roots: " + (trust / "milan_ark.pem").string() +
                " has SHA-256 4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1, "
                "not the pinned 69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd");
    }
    fs::remove_all(trust);
}

BOOST_AUTO_TEST_SUITE_END()
