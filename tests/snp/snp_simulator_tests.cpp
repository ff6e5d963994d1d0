// The simulator: every product x report version x signing key round-trips through the verifier when
// simulated hardware is allowed, and never verifies when it is not.
#include "simulator.hpp"
#include "snp_support.hpp"

using namespace snp_test;
using ccattest::snp::Product;
using ccattest::snp::SigningKey;

namespace {

ccattest::snp::SimulatorConfig sim(Product product, uint32_t version, SigningKey key) {
    ccattest::snp::SimulatorConfig config;
    config.state_dir = sim_state();
    config.product = product;
    config.report_version = version;
    config.signing_key = key;
    config.measurement.fill(0xAB);
    if (product == Product::turin) {
        config.tcb.fmc = 3;
    }
    return config;
}

ccattest::snp::Verifier simulated_verifier(bool allow, std::optional<Product> product = {}) {
    ccattest::snp::VerifierConfig config;
    config.allow_simulated = allow;
    config.simulator_state_dir = sim_state();
    config.product = product;
    return ccattest::snp::Verifier(config);
}

Bytes token_of(const ccattest::snp::Evidence &evidence) {
    const std::string text = ccattest::snp::encode_token(evidence);
    return {text.begin(), text.end()};
}

std::array<uint8_t, 64> data_of(uint8_t seed) {
    std::array<uint8_t, 64> data{};
    for (size_t i = 0; i < data.size(); ++i) {
        data[i] = static_cast<uint8_t>(size_t{seed} * 7 + i);
    }
    return data;
}

} // namespace

BOOST_AUTO_TEST_SUITE(snp_simulator)

BOOST_AUTO_TEST_CASE(every_product_version_and_key_round_trips) {
    for (const Product product : {Product::milan, Product::genoa, Product::turin}) {
        for (const uint32_t version : {2U, 3U, 5U}) {
            for (const SigningKey key : {SigningKey::vcek, SigningKey::vlek}) {
                BOOST_TEST_CONTEXT(ccattest::snp::product_name(product)
                                   << " v" << version << " "
                                   << ccattest::snp::signing_key_name(key)) {
                    const auto data = data_of(static_cast<uint8_t>(version));
                    const auto made =
                        ccattest::snp::simulate_report(sim(product, version, key), data);
                    // Version 2 reports do not state the product: the verifier is told, as for
                    // hardware.
                    const auto verifier = simulated_verifier(
                        true, version == 2 ? std::optional(product) : std::nullopt);
                    const auto out = verify(verifier, token_of(made.evidence), data, 1700000000);
                    BOOST_REQUIRE_MESSAGE(out.status == CCATTEST_OK, out.message);
                    const auto &c = out.claims;
                    BOOST_TEST(c.at("product").as_string() == ccattest::snp::product_name(product));
                    BOOST_TEST(c.at("version").to_number<int64_t>() == version);
                    BOOST_TEST(c.at("signing_key").as_string() ==
                               ccattest::snp::signing_key_name(key));
                    BOOST_TEST(c.at("simulated").as_bool());
                    std::string measurement;
                    for (int i = 0; i < 48; ++i) {
                        measurement += "ab";
                    }
                    BOOST_TEST(c.at("measurement").as_string() == measurement);
                    BOOST_TEST(c.contains("cpuid") == (version >= 3));
                    BOOST_TEST(c.contains("launch_mit_vector") == (version == 5));
                    BOOST_TEST(c.at("reported_tcb").as_object().contains("fmc") ==
                               (product == Product::turin));
                    BOOST_TEST(c.at("chain").at("root").as_string() ==
                               "SIMULATED ARK-" +
                                   std::string(ccattest::snp::product_title(product)));
                    // The certificate table the simulator returns holds the same certificates.
                    ccattest::snp::Evidence from_table;
                    ccattest::snp::read_certificate_table(made.certificate_table, from_table);
                    BOOST_TEST((from_table.vcek == made.evidence.vcek));
                    BOOST_TEST((from_table.vlek == made.evidence.vlek));
                    BOOST_TEST((from_table.ark == made.evidence.ark));
                }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(simulated_evidence_is_refused_unless_allowed) {
    const auto data = data_of(1);
    const auto made =
        ccattest::snp::simulate_report(sim(Product::milan, 3, SigningKey::vcek), data);
    const auto verifier = simulated_verifier(false);
    const auto out = verify(verifier, token_of(made.evidence), data);
    BOOST_TEST(out.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(out.message.find("VCEK does not chain to the pinned Milan roots") == 0u,
               out.message);
    const auto vlek =
        ccattest::snp::simulate_report(sim(Product::genoa, 5, SigningKey::vlek), data);
    BOOST_TEST(verify(verifier, token_of(vlek.evidence), data)
                   .message.find("VLEK does not chain to the pinned Genoa roots") == 0u);
}

BOOST_AUTO_TEST_CASE(policy_vmpl_and_host_data_are_reported) {
    auto config = sim(Product::genoa, 3, SigningKey::vcek);
    config.policy |= 1ULL << 19U; // debug
    config.vmpl = 2;
    config.host_data.fill(0x11);
    const auto data = data_of(2);
    const auto made = ccattest::snp::simulate_report(config, data);
    const auto out = verify(simulated_verifier(true), token_of(made.evidence), data);
    BOOST_REQUIRE_MESSAGE(out.status == CCATTEST_OK, out.message);
    BOOST_TEST(out.claims.at("policy").at("debug").as_bool());
    BOOST_TEST(out.claims.at("vmpl").to_number<int64_t>() == 2);
    BOOST_TEST(out.claims.at("host_data").as_string() == std::string(64, '1'));
}

BOOST_AUTO_TEST_CASE(tampered_simulated_tokens_fail) {
    const auto data = data_of(3);
    auto made = ccattest::snp::simulate_report(sim(Product::turin, 5, SigningKey::vcek), data);
    const auto verifier = simulated_verifier(true);
    made.evidence.report[0x90] ^= 1; // MEASUREMENT
    const auto out = verify(verifier, token_of(made.evidence), data);
    BOOST_TEST(out.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(out.message == "report signature does not verify with the VCEK");
    made.evidence.report[0x90] ^= 1;
    made.evidence.report[0x180 + 3] ^= 1; // Turin SNP SPL byte
    BOOST_TEST(verify(verifier, token_of(made.evidence), data).message ==
               "REPORTED_TCB snp 23 differs from the VCEK's 22");
}

BOOST_AUTO_TEST_CASE(unsupported_simulator_settings) {
    auto config = sim(Product::milan, 4, SigningKey::vcek);
    BOOST_CHECK_EXCEPTION(ccattest::snp::simulate_report(config, data_of(0)),
                          ccattest::sdk::failure, [](const ccattest::sdk::failure &e) {
                              return std::string(e.what()) ==
                                     "the simulator makes report versions 2, 3 and 5, not 4";
                          });
}

BOOST_AUTO_TEST_SUITE_END()

// ---- CRLs: signed by the (simulated) ARK, checked against the ASK and the VCEK
// -------------------

BOOST_AUTO_TEST_SUITE(snp_crl)

BOOST_AUTO_TEST_CASE(crl_from_the_ark_revokes_the_ask) {
    const auto data = data_of(9);
    auto made = ccattest::snp::simulate_report(sim(Product::milan, 3, SigningKey::vcek), data);
    const auto verifier = simulated_verifier(true);
    made.evidence.crl = make_crl({99}, 2000000000); // revokes something else
    BOOST_TEST(verify(verifier, token_of(made.evidence), data).status == CCATTEST_OK);
    made.evidence.crl = make_crl({2}, 2000000000); // the simulated ASK's serial
    const auto revoked = verify(verifier, token_of(made.evidence), data);
    BOOST_TEST(revoked.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(revoked.message == "token CRL revokes SIMULATED SEV-Milan");
    made.evidence.crl = make_crl({}, 1650000000); // nextUpdate before the verification time
    const auto stale = verify(verifier, token_of(made.evidence), data);
    BOOST_TEST(stale.status == CCATTEST_E_EXPIRED);
    BOOST_TEST(stale.message ==
               "token CRL: CRL from SIMULATED ARK-Milan expired at 2022-04-15T05:20:00Z");
    // Names the ARK as issuer but is signed by the ASK: a forgery, refused.
    made.evidence.crl = make_crl({}, 2000000000, "milan_ask");
    const auto forged = verify(verifier, token_of(made.evidence), data);
    BOOST_TEST(forged.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(forged.message == "token CRL: CRL is not signed by SIMULATED ARK-Milan");
}

BOOST_AUTO_TEST_SUITE_END()
