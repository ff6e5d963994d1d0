// libcc_snp.so through the real loader: config validation, simulator round trip, binding, inspect,
// and real vectors as raw evidence.
#include "snp_support.hpp"

#include "ccattest/core/registry.hpp"

using namespace snp_test;
using ccattest::PluginEntry;
using ccattest::PluginRecord;
using ccattest::Registry;
using ccattest::SiteConfig;

namespace {

SiteConfig site(boost::json::object config) {
    PluginEntry entry;
    entry.origin_file = "site.json";
    entry.origin_pointer = "/plugins/0";
    entry.label = "snp";
    entry.library = SNP_PLUGIN;
    entry.config = std::move(config);
    SiteConfig out;
    out.file = "site.json";
    out.site_name = "test";
    out.plugins = {entry};
    return out;
}

boost::json::object simulator_config(bool allow, bool debug = false) {
    return {{"source", "simulator"},
            {"allow_simulated", allow},
            {"simulator",
             {{"state_dir", sim_state().string()},
              {"product", "genoa"},
              {"report_version", 5},
              {"debug", debug}}}};
}

} // namespace

BOOST_AUTO_TEST_SUITE(snp_plugin)

BOOST_AUTO_TEST_CASE(self_description) {
    const Registry registry(site({{"source", "none"}}));
    const auto snp = registry.find("x-snp");
    BOOST_REQUIRE_MESSAGE(snp, registry.plugins().front().reason);
    const auto &api = snp->library().api();
    BOOST_TEST(std::string(api.token_format) == "ccattest-snp-v1");
    BOOST_TEST((api.capabilities & CCATTEST_CAP_SOFTWARE_ONLY) == 0u);
    BOOST_TEST(registry.plugins().front().warnings.empty()); // exports only the entry symbol
}

BOOST_AUTO_TEST_CASE(simulator_round_trip_binding_and_inspect) {
    const Registry registry(site(simulator_config(true, true)));
    const auto snp = registry.find("x-snp");
    BOOST_REQUIRE_MESSAGE(snp, registry.plugins().front().reason);
    std::array<uint8_t, 64> data{};
    data.fill(0x77);
    const auto token = snp->generate(data);
    BOOST_REQUIRE_MESSAGE(token.ok(), token.message);
    const auto claims = snp->verify(token.output, std::span<const uint8_t, 64>(data), 1700000000);
    BOOST_REQUIRE_MESSAGE(claims.ok(), claims.message);
    const auto parsed = boost::json::parse(std::string(claims.output.begin(), claims.output.end()));
    BOOST_TEST(parsed.at("simulated").as_bool());
    BOOST_TEST(parsed.at("product").as_string() == "genoa");
    BOOST_TEST(parsed.at("policy").at("debug").as_bool());
    // The replay key of the ABI contract: SHA-256 of the signed report bytes 0x000-0x29F.
    const auto report = ccattest::snp::decode_token(token.output).report;
    BOOST_TEST(
        parsed.at("evidence_digest").as_string() ==
        ccattest::support::to_hex(ccattest::support::sha256(std::span(report.data(), 0x2A0))));

    std::array<uint8_t, 64> other = data;
    other[5] = 0;
    const auto mismatch =
        snp->verify(token.output, std::span<const uint8_t, 64>(other), 1700000000);
    BOOST_TEST(mismatch.status == CCATTEST_E_BINDING_MISMATCH);

    const auto description = snp->inspect(token.output);
    BOOST_REQUIRE_MESSAGE(description.ok(), description.message);
    const auto described =
        boost::json::parse(std::string(description.output.begin(), description.output.end()));
    BOOST_TEST(!described.at("verified").as_bool());
    BOOST_TEST(described.at("certificates").at("vcek").at("subject").as_string() == "SEV-VCEK");
}

BOOST_AUTO_TEST_CASE(simulated_tokens_are_refused_when_not_allowed) {
    std::vector<uint8_t> token;
    std::array<uint8_t, 64> data{};
    {
        const Registry maker(site(simulator_config(true)));
        token = maker.find("x-snp")->generate(data).output;
    }
    const Registry strict(site(simulator_config(false)));
    const auto out =
        strict.find("x-snp")->verify(token, std::span<const uint8_t, 64>(data), 1700000000);
    BOOST_TEST(out.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(out.message.find("VCEK does not chain to the pinned Genoa roots") == 0u,
               out.message);
}

BOOST_AUTO_TEST_CASE(real_vector_as_raw_evidence) {
    const Registry registry(site(
        {{"source", "none"}, {"certificate_files", {vector("gosev_milan_vcek.der").string()}}}));
    const auto snp = registry.find("x-snp");
    BOOST_REQUIRE_MESSAGE(snp, registry.plugins().front().reason);
    const auto report = read("gosev_milan_report.bin");
    const auto ok = snp->verify(report, std::nullopt, inside_window);
    BOOST_TEST(ok.ok(), ok.message);
    const auto expired = snp->verify(report, std::nullopt, after_expiry);
    BOOST_TEST(expired.status == CCATTEST_E_EXPIRED);
}

BOOST_AUTO_TEST_CASE(no_device_names_what_was_probed) {
    const Registry registry(site({{"source", "auto"},
                                  {"configfs_path", "/nonexistent/tsm"},
                                  {"sev_guest_device", "/nonexistent/sev-guest"}}));
    std::array<uint8_t, 64> data{};
    const auto out = registry.find("x-snp")->generate(data);
    BOOST_TEST(out.status == CCATTEST_E_NO_DEVICE);
    BOOST_TEST(out.message ==
               "no SEV-SNP evidence source: probed /nonexistent/tsm (configfs-tsm) and "
               "/nonexistent/sev-guest (sev-guest); this machine is not an SEV-SNP guest");
}

BOOST_AUTO_TEST_CASE(config_errors_name_the_json_path) {
    const Registry bad(site({{"source", "magic"}}));
    BOOST_TEST(bad.plugins().front().reason ==
               "site.json: /plugins/0/config/source: expected one of \"auto\", \"configfs-tsm\", "
               "\"sev-guest\", \"simulator\", \"none\", got \"magic\"");
    const Registry measurement(
        site({{"simulator", {{"state_dir", "state"}, {"measurement", "abc"}}}}));
    BOOST_TEST(measurement.plugins().front().reason ==
               "site.json: /plugins/0/config/simulator/measurement: expected 48 bytes as hex");
    const Registry allow(site({{"allow_simulated", true}}));
    BOOST_TEST(allow.plugins().front().reason ==
               "create failed (config): allow_simulated needs simulator.state_dir: the simulator's "
               "roots live there");
    const Registry sim(site({{"source", "simulator"}}));
    BOOST_TEST(sim.plugins().front().reason == "create failed (config): source \"simulator\" needs "
                                               "a \"simulator\" block with a state_dir");
    const Registry files(site({{"certificate_files", {"/nonexistent/vcek.der"}}}));
    BOOST_TEST(files.plugins().front().reason ==
               "create failed (config): /nonexistent/vcek.der: no such file");
}

BOOST_AUTO_TEST_SUITE_END()
