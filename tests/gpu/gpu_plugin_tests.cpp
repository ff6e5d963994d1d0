// libcc_gpu.so through the real loader: config errors refused at load with their reasons, the real
// H100 report verified with its chain and nonce, the binding checked, inspect, and the simulator's
// round trip (generate, verify) with allow_simulated, and RIMs fetched online from NVIDIA's RIM
// service (played by the loopback server).
#include "ccattest/core/registry.hpp"
#include "evidence.hpp"
#include "rim.hpp"
#include "simulator.hpp"
#include "spdm.hpp"
#include "support/https_test_server.hpp"
#include "support/scratch_dir.hpp"

#include <ccattest/support/bytes.hpp>
#include <ccattest/support/crypto.hpp>
#include <ccattest/support/files.hpp>
#include <ccattest/support/ocsp.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <array>
#include <ctime>
#include <filesystem>
#include <map>

namespace {
namespace fs = std::filesystem;
namespace json = boost::json;
using ccattest::support::Bytes;

fs::path vectors() {
    return GPU_VECTORS;
}
constexpr int64_t june_2025 = 1748736000; // 2025-06-01T00:00:00Z

ccattest::SiteConfig site(json::object config) {
    ccattest::PluginEntry entry;
    entry.origin_file = "site.json";
    entry.origin_pointer = "/plugins/0";
    entry.label = "gpu";
    entry.library = GPU_PLUGIN;
    entry.config = std::move(config);
    ccattest::SiteConfig out;
    out.file = "site.json";
    out.site_name = "test";
    out.plugins = {entry};
    return out;
}

// A site whose GPU plugin may reach the loopback server (its CA trusted) through the host.
ccattest::SiteConfig online_site(json::object config, const ccattest::test::HttpsTestServer &server,
                                 const ccattest::test::ScratchDir &scratch) {
    ccattest::SiteConfig out = site(std::move(config));
    out.state_dir = scratch.path() / "state";
    out.network.mode = ccattest::net::NetworkConfig::Mode::online;
    out.network.ca_file = server.write_ca_file(scratch.path());
    out.network.allowed_hosts["x-nv-gpu"] = {"127.0.0.1"};
    out.network.timeout = std::chrono::milliseconds(5000);
    return out;
}

std::string load_failure(json::object config) {
    const ccattest::Registry registry(site(std::move(config)));
    BOOST_TEST(!registry.find("x-nv-gpu"));
    return registry.plugins().front().reason;
}

json::value output_json(const ccattest::OperationResult &result) {
    return json::parse(std::string(result.output.begin(), result.output.end()));
}

std::array<uint8_t, 64> h100_report_data() {
    std::array<uint8_t, 64> data{};
    const Bytes nonce = ccattest::support::from_hex(
        "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb", "nonce");
    std::copy(nonce.begin(), nonce.end(), data.begin());
    return data;
}

} // namespace

BOOST_AUTO_TEST_SUITE(gpu_plugin)

BOOST_AUTO_TEST_CASE(bad_configs_are_refused_with_reasons) {
    std::string reason = load_failure({{"source", "simulator"}});
    BOOST_TEST(reason.find("source \"simulator\" needs a \"simulator\" block") != std::string::npos,
               reason);
    reason = load_failure({{"allow_simulated", true}});
    BOOST_TEST(reason.find("allow_simulated needs a \"simulator\" block") != std::string::npos,
               reason);
    reason =
        load_failure({{"certificate_files", json::array{(vectors() / "absent.pem").string()}}});
    BOOST_TEST(reason.find("certificate_files: ") != std::string::npos, reason);
    BOOST_TEST(reason.find("absent.pem") != std::string::npos, reason);
    reason = load_failure({{"rim_files", json::array{(vectors() / "README.md").string()}}});
    BOOST_TEST(reason.find("rim_files: ") != std::string::npos, reason);
    reason = load_failure(
        {{"simulator", {{"state_dir", GPU_SIM_STATE}, {"kind", "switch"}, {"arch", "hopper"}}}});
    BOOST_TEST(reason.find("a switch is ls10, not hopper") != std::string::npos, reason);
    reason = load_failure({{"simulator", {{"state_dir", GPU_SIM_STATE}, {"mismatch_device", 3}}}});
    BOOST_TEST(reason.find("mismatch_device 3 is beyond device_count 1") != std::string::npos,
               reason);
    reason = load_failure({{"ocsp_url", "ftp://example"}});
    BOOST_TEST(reason.find("ocsp_url") != std::string::npos, reason);
}

BOOST_AUTO_TEST_CASE(the_real_h100_report_verifies_through_the_loader) {
    const ccattest::Registry registry(
        site({{"source", "none"},
              {"certificate_files",
               json::array{(vectors() / "nvtrust_hopper_cert_chain.pem").string()}}}));
    const auto gpu = registry.find("x-nv-gpu");
    BOOST_REQUIRE_MESSAGE(gpu, registry.plugins().front().reason);
    BOOST_TEST(std::string(gpu->library().api().token_format) == "ccattest-gpu-v1");
    const Bytes report =
        ccattest::support::read_file(vectors() / "nvtrust_hopper_report.bin", size_t{1} << 20U);
    const auto data = h100_report_data();
    const auto claims = gpu->verify(report, std::span<const uint8_t, 64>(data), june_2025);
    BOOST_REQUIRE_MESSAGE(claims.ok(), claims.message);
    const json::value parsed = output_json(claims);
    BOOST_TEST(parsed.at("all_verified").as_bool());
    BOOST_TEST(parsed.at("devices").at(0).at("driver_version").as_string() == "550.90.07");

    auto other = data;
    other[0] ^= 1U;
    const auto mismatch = gpu->verify(report, std::span<const uint8_t, 64>(other), june_2025);
    BOOST_TEST(mismatch.status == CCATTEST_E_BINDING_MISMATCH);
    BOOST_TEST(mismatch.message.find("SPDM request nonce 931d8dd0") != std::string::npos,
               mismatch.message);

    const auto description = gpu->inspect(report);
    BOOST_REQUIRE_MESSAGE(description.ok(), description.message);
    BOOST_TEST(!output_json(description).at("verified").as_bool());
}

BOOST_AUTO_TEST_CASE(simulated_round_trip_through_the_loader) {
    const ccattest::Registry registry(
        site({{"source", "simulator"},
              {"allow_simulated", true},
              {"simulator", {{"state_dir", GPU_SIM_STATE}, {"device_count", 2}}}}));
    const auto gpu = registry.find("x-nv-gpu");
    BOOST_REQUIRE_MESSAGE(gpu, registry.plugins().front().reason);
    std::array<uint8_t, 64> data{};
    data.fill(0x5a);
    const auto token = gpu->generate(data);
    BOOST_REQUIRE_MESSAGE(token.ok(), token.message);
    const auto now = static_cast<int64_t>(std::time(nullptr));
    const auto claims = gpu->verify(token.output, std::span<const uint8_t, 64>(data), now);
    BOOST_REQUIRE_MESSAGE(claims.ok(), claims.message);
    const json::value parsed = output_json(claims);
    BOOST_TEST(parsed.at("simulated").as_bool());
    BOOST_TEST(parsed.at("device_count").to_number<int64_t>() == 2);
    BOOST_TEST(parsed.at("all_verified").as_bool());
    BOOST_TEST(parsed.at("devices").at(1).at("measurements").as_string() == "success");
}

// NVIDIA's RIM service played by the loopback server: the verifier asks it, through the host, for
// the RIMs a token does not carry, and reads its JSON answer ({"id", "rim": base64, "sha256"}).
BOOST_AUTO_TEST_CASE(rims_are_fetched_from_the_rim_service) {
    using ccattest::test::HttpsTestServer;
    namespace gpu = ccattest::gpu;
    namespace support = ccattest::support;
    const ccattest::test::ScratchDir scratch;
    HttpsTestServer server;
    gpu::SimulatorConfig sim;
    sim.state_dir = GPU_SIM_STATE;
    const auto now = static_cast<int64_t>(std::time(nullptr));
    std::array<uint8_t, 32> nonce{};
    const gpu::SpdmReport report =
        gpu::parse_spdm_report(gpu::simulate_evidence(sim, nonce, now).devices.front().report);
    const auto &data = report.opaque_data;
    const std::vector<std::string> ids{gpu::driver_rim_id(false, "GH100", *data.driver_version),
                                       gpu::vbios_rim_id(false, *data.project, *data.project_sku,
                                                         *data.chip_sku, *data.vbios_version)};
    const std::vector<Bytes> rims = gpu::simulated_rims(sim, now);
    for (const auto &xml : rims) {
        const bool vbios = gpu::parse_rim(xml, "RIM").edition == "VBIOS";
        const std::string &id = ids.at(vbios ? 1 : 0);
        const json::object answer{{"id", id},
                                  {"rim", support::base64_encode(xml)},
                                  {"sha256", support::to_hex(support::sha256(xml))},
                                  {"rim_format", "SWID"}};
        server.handle("/v1/rim/" + id, [body = json::serialize(answer)](const auto &) {
            return HttpsTestServer::Reply{200, body};
        });
    }
    const ccattest::SiteConfig config = online_site(
        {{"source", "simulator"},
         {"allow_simulated", true},
         {"check_ocsp", false},
         {"rim_service_url", server.url("/v1/rim/", "127.0.0.1")},
         {"simulator",
          {{"state_dir", GPU_SIM_STATE}, {"include_rims", false}, {"include_ocsp", false}}}},
        server, scratch);
    const ccattest::Registry registry(config);
    const auto gpu_plugin = registry.find("x-nv-gpu");
    BOOST_REQUIRE_MESSAGE(gpu_plugin, registry.plugins().front().reason);
    std::array<uint8_t, 64> report_data{};
    const auto token = gpu_plugin->generate(report_data);
    BOOST_REQUIRE_MESSAGE(token.ok(), token.message);
    const auto claims =
        gpu_plugin->verify(token.output, std::span<const uint8_t, 64>(report_data), now);
    BOOST_REQUIRE_MESSAGE(claims.ok(), claims.message);
    const json::value device = output_json(claims).at("devices").at(0);
    BOOST_TEST(device.at("measurements").as_string() == "success", device);
    BOOST_TEST(device.at("rim").at("driver").at("source").as_string() == "network");
    BOOST_TEST(device.at("rim").at("vbios").at("id").as_string() == ids.at(1));
    BOOST_TEST(server.request_count("/v1/rim/" + ids.at(0)) == 1U);
}

// NVIDIA's OCSP responder played by the loopback server: the verifier POSTs one request per
// certificate of the device and RIM chains (to ocsp_url, which overrides each certificate's AIA)
// and grades the answers; a responder that is down leaves revocation not checked.
namespace {

struct OcspRound {
    std::string status;      ///< the device chain's summary
    std::string leaf_status; ///< the device leaf's own status
    bool all_verified = false;
    size_t requests = 0;
};

// One verification through the host with the simulated token's answers left out; the responder
// answers `leaf_status` for the device leaf and good for every other certificate, or is stopped
// before the verification.
OcspRound ocsp_round(ccattest::support::OcspStatus leaf_status, bool responder_down = false) {
    using ccattest::test::HttpsTestServer;
    namespace gpu = ccattest::gpu;
    namespace support = ccattest::support;
    const ccattest::test::ScratchDir scratch;
    HttpsTestServer server;
    const auto now = static_cast<int64_t>(std::time(nullptr));
    const ccattest::SiteConfig config =
        online_site({{"source", "simulator"},
                     {"allow_simulated", true},
                     {"ocsp_url", server.url("/ocsp", "127.0.0.1")},
                     {"simulator", {{"state_dir", GPU_SIM_STATE}, {"include_ocsp", false}}}},
                    server, scratch);
    const ccattest::Registry registry(config);
    const auto gpu_plugin = registry.find("x-nv-gpu");
    BOOST_REQUIRE_MESSAGE(gpu_plugin, registry.plugins().front().reason);
    std::array<uint8_t, 64> report_data{};
    const auto token = gpu_plugin->generate(report_data);
    BOOST_REQUIRE_MESSAGE(token.ok(), token.message);

    // Every certificate the verifier will ask about, with its issuer: the device chain from the
    // token and each carried RIM's signing chain.
    const gpu::Evidence evidence = gpu::decode_token(token.output);
    std::vector<std::vector<support::Certificate>> chains;
    std::vector<support::Certificate> device_chain;
    for (const auto &der : evidence.devices.front().certificates) {
        device_chain.push_back(support::Certificate::parse(der, "device certificate"));
    }
    chains.push_back(device_chain);
    for (const auto &xml : evidence.rims) {
        chains.push_back(gpu::parse_rim(xml, "RIM").signing_chain);
    }
    std::map<std::string, Bytes> answers; // request body -> answer
    for (size_t c = 0; c < chains.size(); ++c) {
        const auto &chain = chains[c];
        for (size_t i = 0; i + 1 < chain.size(); ++i) {
            const bool leaf = c == 0 && i == 0; // the device chain comes first
            const Bytes request = support::ocsp_request(chain[i], chain[i + 1]);
            answers[std::string(request.begin(), request.end())] = gpu::simulated_ocsp_response(
                GPU_SIM_STATE, chain[i], leaf ? leaf_status : support::OcspStatus::good, now);
        }
    }
    server.handle("/ocsp", [&answers](const HttpsTestServer::Request &request) {
        const auto found = answers.find(request.body);
        if (request.method != "POST" || found == answers.end()) {
            return HttpsTestServer::Reply{404, "no such certificate"};
        }
        return HttpsTestServer::Reply{200,
                                      std::string(found->second.begin(), found->second.end()),
                                      {{"content-type", "application/ocsp-response"}}};
    });

    if (responder_down) {
        server.stop(); // connections refused
    }
    const auto claims =
        gpu_plugin->verify(token.output, std::span<const uint8_t, 64>(report_data), now);
    BOOST_REQUIRE_MESSAGE(claims.ok(), claims.message);
    const json::value parsed = output_json(claims);
    const json::value &ocsp = parsed.at("devices").at(0).at("ocsp");
    return {std::string(ocsp.at("status").as_string()),
            std::string(ocsp.at("certificates").at(0).at("status").as_string()),
            parsed.at("all_verified").as_bool(), server.request_count("/ocsp")};
}

} // namespace

BOOST_AUTO_TEST_CASE(ocsp_answers_are_fetched_from_the_responder) {
    using ccattest::support::OcspStatus;
    const OcspRound good = ocsp_round(OcspStatus::good);
    BOOST_TEST(good.status == "good");
    BOOST_TEST(good.all_verified);
    BOOST_TEST(good.requests >= 4U); // the device chain's four, and the RIM chains'

    const OcspRound revoked = ocsp_round(OcspStatus::revoked);
    BOOST_TEST(revoked.status == "revoked");
    BOOST_TEST(revoked.leaf_status == "revoked");
    BOOST_TEST(!revoked.all_verified);

    const OcspRound hold = ocsp_round(OcspStatus::certificate_hold);
    BOOST_TEST(hold.status == "certificate_hold");
    BOOST_TEST(!hold.all_verified);

    const OcspRound down = ocsp_round(OcspStatus::revoked, true);
    BOOST_TEST(down.status == "not_checked");
    BOOST_TEST(down.leaf_status == "not_checked");
    BOOST_TEST(down.all_verified); // unknown revocation is policy's call, not a failed device
    BOOST_TEST(down.requests == 0U);
}

BOOST_AUTO_TEST_SUITE_END()
