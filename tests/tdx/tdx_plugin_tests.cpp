// libcc_tdx.so end to end: simulator evidence (quotes v4 and v5, every TCB status the collateral
// can grade, a revoked PCK) through the verifier, allow_simulated, and the plugin through the real
// loader (config validation, round trip, binding, inspect).
#include "tdx_support.hpp"

#include "ccattest/core/registry.hpp"
#include "simulator.hpp"

#include <boost/test/unit_test.hpp>

#include <ctime>

namespace {
using namespace tdx_test;
using ccattest::tdx::BodyKind;
using ccattest::tdx::SimulatorConfig;
using ccattest::tdx::TcbStatus;
using ccattest::tdx::Verifier;
using ccattest::tdx::VerifierConfig;

fs::path sim_state() {
    return TDX_SIM_STATE;
}

int64_t now() {
    return static_cast<int64_t>(std::time(nullptr));
}

std::array<uint8_t, 64> report_data(uint8_t fill) {
    std::array<uint8_t, 64> data{};
    data.fill(fill);
    return data;
}

Bytes simulated_token(const SimulatorConfig &config, uint8_t fill = 0x42) {
    return token_of(ccattest::tdx::simulate_evidence(config, report_data(fill), now()));
}

SimulatorConfig sim(uint16_t version = 4, BodyKind body = BodyKind::td10) {
    SimulatorConfig config;
    config.state_dir = sim_state();
    config.quote_version = version;
    config.body = body;
    config.mr_td.fill(0xab);
    return config;
}

const Verifier &trusting() {
    static const Verifier verifier = [] {
        VerifierConfig config;
        config.allow_simulated = true;
        config.simulator_state_dir = sim_state();
        return Verifier(config);
    }();
    return verifier;
}

ccattest::SiteConfig site(boost::json::object config) {
    ccattest::PluginEntry entry;
    entry.origin_file = "site.json";
    entry.origin_pointer = "/plugins/0";
    entry.label = "tdx";
    entry.library = TDX_PLUGIN;
    entry.config = std::move(config);
    ccattest::SiteConfig out;
    out.file = "site.json";
    out.site_name = "test";
    out.plugins = {entry};
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(tdx_simulator_round_trip)

BOOST_AUTO_TEST_CASE(quotes_v4_and_v5_verify_up_to_date) {
    for (const auto &[version, body] :
         {std::pair{uint16_t{4}, BodyKind::td10}, std::pair{uint16_t{5}, BodyKind::td10},
          std::pair{uint16_t{5}, BodyKind::td15}}) {
        const auto data = report_data(0x42);
        const Outcome out = verify(trusting(), simulated_token(sim(version, body)), now(), data);
        BOOST_TEST_REQUIRE(out.status == CCATTEST_OK, out.message);
        const auto &c = out.claims;
        BOOST_TEST(c.at("quote_version").to_number<int64_t>() == version);
        BOOST_TEST(c.at("simulated").as_bool());
        BOOST_TEST(c.at("tcb_status").as_string() == "UpToDate");
        BOOST_TEST(c.at("qe_tcb_status").as_string() == "UpToDate");
        BOOST_TEST(c.at("collateral").at("source").as_string() == "token");
        BOOST_TEST(c.at("chain").at("revocation_checked").as_bool());
        BOOST_TEST(c.at("mr_td").as_string().subview().substr(0, 4) == "abab");
        BOOST_TEST(c.contains("tee_tcb_svn2") == (body == BodyKind::td15));
        BOOST_TEST(c.contains("mr_service_td") == (body == BodyKind::td15));
    }
}

BOOST_AUTO_TEST_CASE(every_status_the_collateral_grades) {
    const std::vector<std::pair<TcbStatus, const char *>> statuses = {
        {TcbStatus::up_to_date, "UpToDate"},
        {TcbStatus::sw_hardening_needed, "SWHardeningNeeded"},
        {TcbStatus::configuration_needed, "ConfigurationNeeded"},
        {TcbStatus::configuration_and_sw_hardening_needed, "ConfigurationAndSWHardeningNeeded"},
        {TcbStatus::out_of_date, "OutOfDate"},
        {TcbStatus::out_of_date_configuration_needed, "OutOfDateConfigurationNeeded"},
    };
    for (const auto &[status, name] : statuses) {
        SimulatorConfig config = sim(5, BodyKind::td15);
        config.tcb_status = status;
        const Outcome out = verify(trusting(), simulated_token(config), now());
        BOOST_TEST_REQUIRE(out.status == CCATTEST_OK, name << ": " << out.message);
        BOOST_TEST(out.claims.at("tcb_status").as_string() == name);
        BOOST_TEST(out.claims.at("advisory_ids").as_array().empty() ==
                   (status == TcbStatus::up_to_date));
    }
}

BOOST_AUTO_TEST_CASE(a_revoked_level_fails) {
    SimulatorConfig config = sim();
    config.tcb_status = TcbStatus::revoked;
    const Outcome out = verify(trusting(), simulated_token(config), now());
    BOOST_TEST(out.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(out.message.find("Revoked") != std::string::npos, out.message);
}

BOOST_AUTO_TEST_CASE(an_out_of_date_qe_makes_the_platform_out_of_date) {
    SimulatorConfig config = sim();
    config.qe_tcb_status = TcbStatus::out_of_date;
    const Outcome out = verify(trusting(), simulated_token(config), now());
    BOOST_TEST_REQUIRE(out.status == CCATTEST_OK, out.message);
    BOOST_TEST(out.claims.at("tcb_status").as_string() == "OutOfDate");
    BOOST_TEST(out.claims.at("qe_tcb_status").as_string() == "OutOfDate");
    BOOST_TEST(out.claims.at("platform_tcb_status").as_string() == "UpToDate");
}

BOOST_AUTO_TEST_CASE(a_revoked_pck_fails) {
    SimulatorConfig config = sim();
    config.revoke_pck = true;
    const Outcome out = verify(trusting(), simulated_token(config), now());
    BOOST_TEST(out.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(out.message.find("PCK certificate chain: ") == 0U, out.message);
    BOOST_TEST(out.message.find("revokes certificate \"SIMULATED Intel SGX PCK Certificate\"") !=
                   std::string::npos,
               out.message);
}

BOOST_AUTO_TEST_CASE(without_collateral_the_status_is_unknown) {
    SimulatorConfig config = sim();
    config.include_collateral = false;
    const Outcome out = verify(trusting(), simulated_token(config), now());
    BOOST_TEST_REQUIRE(out.status == CCATTEST_OK, out.message);
    BOOST_TEST(out.claims.at("tcb_status").as_string() == "unknown");
    BOOST_TEST(!out.claims.at("chain").at("revocation_checked").as_bool());

    VerifierConfig strict;
    strict.allow_simulated = true;
    strict.simulator_state_dir = sim_state();
    strict.require_collateral = true;
    const Outcome refused = verify(Verifier(strict), simulated_token(config), now());
    BOOST_TEST(refused.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(refused.message.find("no PCK CRL of ") == 0U, refused.message);
    BOOST_TEST(refused.message.find("require_collateral is set") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(simulated_evidence_needs_allow_simulated) {
    const Outcome out = verify(Verifier(VerifierConfig{}), simulated_token(sim()), now());
    BOOST_TEST(out.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(out.message ==
               "PCK certificate chain: it ends in certificate \"SIMULATED Intel SGX Root CA\", "
               "which is not a trusted root (Intel's pinned root, or the simulator's with "
               "allow_simulated)");
}

BOOST_AUTO_TEST_CASE(simulated_collateral_does_not_grade_a_real_quote) {
    // The simulator's TCB info signed under its own root, carried with Intel's real quote.
    auto simulated = ccattest::tdx::simulate_evidence(sim(), report_data(1), now());
    ccattest::tdx::Evidence evidence = real_evidence({});
    evidence.collateral = simulated.collateral;
    evidence.collateral.pck_crl.reset();
    evidence.collateral.root_ca_crl.reset();
    const Outcome out = verify(trusting(), token_of(evidence), inside_window);
    BOOST_TEST(out.status != CCATTEST_OK);
    BOOST_TEST(out.message.find("token TCB info") == 0U, out.message);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tdx_plugin)

BOOST_AUTO_TEST_CASE(round_trip_binding_and_inspect_through_the_loader) {
    const ccattest::Registry registry(
        site({{"source", "simulator"},
              {"allow_simulated", true},
              {"simulator",
               {{"state_dir", sim_state().string()}, {"quote_version", 5}, {"debug", true}}}}));
    const auto tdx = registry.find("x-tdx");
    BOOST_REQUIRE_MESSAGE(tdx, registry.plugins().front().reason);
    BOOST_TEST(std::string(tdx->library().api().token_format) == "ccattest-tdx-v1");
    BOOST_TEST(registry.plugins().front().warnings.empty());
    const auto data = report_data(0x77);
    const auto token = tdx->generate(data);
    BOOST_REQUIRE_MESSAGE(token.ok(), token.message);
    const auto claims = tdx->verify(token.output, std::span<const uint8_t, 64>(data), now());
    BOOST_REQUIRE_MESSAGE(claims.ok(), claims.message);
    const auto parsed = boost::json::parse(std::string(claims.output.begin(), claims.output.end()));
    BOOST_TEST(parsed.at("td_attributes").at("debug").as_bool());
    BOOST_TEST(parsed.at("simulated").as_bool());
    const auto quote = ccattest::tdx::decode_token(token.output).quote;
    BOOST_TEST(parsed.at("evidence_digest").as_string() ==
               ccattest::support::to_hex(
                   ccattest::support::sha256(std::span(quote.data(), 48 + 6 + 584))));

    auto other = data;
    other[3] = 0;
    const auto mismatch = tdx->verify(token.output, std::span<const uint8_t, 64>(other), now());
    BOOST_TEST(mismatch.status == CCATTEST_E_BINDING_MISMATCH);

    const auto description = tdx->inspect(token.output);
    BOOST_REQUIRE_MESSAGE(description.ok(), description.message);
    const auto inspected =
        boost::json::parse(std::string(description.output.begin(), description.output.end()));
    BOOST_TEST(!inspected.at("verified").as_bool());
    BOOST_TEST(inspected.at("pck_chain").as_array().size() == 3U);
}

BOOST_AUTO_TEST_CASE(bad_configs_are_refused_with_reasons) {
    const ccattest::Registry registry(site({{"source", "simulator"}}));
    BOOST_TEST(!registry.find("x-tdx"));
    const std::string reason = registry.plugins().front().reason;
    BOOST_TEST(reason.find("source \"simulator\" needs a \"simulator\" block") != std::string::npos,
               reason);
    const ccattest::Registry v4(
        site({{"simulator", {{"state_dir", sim_state().string()}, {"td_report", "1.5"}}}}));
    BOOST_TEST(v4.plugins().front().reason.find("a TD 1.5 report needs quote_version 5") !=
                   std::string::npos,
               v4.plugins().front().reason);
}

BOOST_AUTO_TEST_SUITE_END()
