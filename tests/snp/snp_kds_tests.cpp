// The SNP verifier asking AMD's key distribution service, through the host, for the VCEK of a real
// report whose token carries no certificate: the plugin loaded by the real loader on a site whose
// network settings point at a loopback HTTPS server playing the KDS. Nothing leaves 127.0.0.1.
#include "snp_support.hpp"

#include "ccattest/core/registry.hpp"
#include "support/https_test_server.hpp"
#include "support/scratch_dir.hpp"

#include "evidence.hpp"

#include <ccattest/support/files.hpp>

#include <openssl/x509.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

using namespace snp_test;
using ccattest::PluginEntry;
using ccattest::Registry;
using ccattest::SiteConfig;
using ccattest::test::HttpsTestServer;
using ccattest::test::ScratchDir;

namespace {

// The gosev Milan report (tests/data/snp/README.md): its CHIP_ID as the KDS names it, and its
// REPORTED_TCB (bl 2, tee 0, snp 5, microcode 68) as the query.
struct GosevReport {
    Bytes report = read("gosev_milan_report.bin");
    std::string hwid = ccattest::support::to_hex(std::span(report.data() + 0x1A0, 64));
    std::string vcek_path = "/vcek/v1/Milan/" + hwid;
    std::string vcek_query = "blSPL=02&teeSPL=00&snpSPL=05&ucodeSPL=68";
};

// A loopback KDS and a site that may reach it.
struct Kds {
    ScratchDir scratch;
    HttpsTestServer server;
    GosevReport gosev;
    std::mutex mutex;
    std::vector<std::string> targets; ///< the VCEK requests' targets

    void serve_vcek(const std::string &der_file) {
        const Bytes der = read(der_file);
        server.handle(gosev.vcek_path, [this, body = std::string(der.begin(), der.end())](
                                           const HttpsTestServer::Request &request) {
            const std::lock_guard lock(mutex);
            targets.push_back(request.target);
            return HttpsTestServer::Reply{
                200, body, {{"content-type", "application/x-x509-ca-cert"}}};
        });
    }

    SiteConfig site(bool online, boost::json::object config = {{"product", "milan"}}) {
        PluginEntry entry;
        entry.origin_file = "site.json";
        entry.origin_pointer = "/plugins/0";
        entry.label = "snp";
        entry.library = SNP_PLUGIN;
        // A version-2 report does not state its product line: the config does.
        config["source"] = "none";
        config["kds_url"] = server.url("");
        entry.config = std::move(config);
        SiteConfig out;
        out.file = scratch.path() / "site.json";
        out.site_name = "kds-test";
        out.state_dir = scratch.path() / "state";
        out.network.mode = online ? ccattest::net::NetworkConfig::Mode::online
                                  : ccattest::net::NetworkConfig::Mode::offline;
        out.network.ca_file = server.write_ca_file(scratch.path());
        out.network.allowed_hosts["x-snp"] = {"localhost"};
        out.network.timeout = std::chrono::milliseconds(5000);
        out.network.max_attempts = 2;
        out.network.initial_backoff = std::chrono::milliseconds(10);
        out.plugins = {entry};
        return out;
    }

    std::string vcek_url() const { return server.url(gosev.vcek_path) + "?" + gosev.vcek_query; }
};

ccattest::OperationResult verify_report(const Registry &registry, const Bytes &report) {
    const auto snp = registry.find("x-snp");
    BOOST_TEST_REQUIRE(snp != nullptr, registry.plugins().front().reason);
    return snp->verify(report, std::nullopt, inside_window);
}

} // namespace

BOOST_AUTO_TEST_SUITE(snp_kds)

BOOST_AUTO_TEST_CASE(online_fetches_the_vcek_then_serves_it_from_the_cache) {
    Kds kds;
    kds.serve_vcek("gosev_milan_vcek.der");
    {
        const Registry registry(kds.site(true));
        const auto first = verify_report(registry, kds.gosev.report);
        BOOST_TEST_REQUIRE(first.ok(), first.message);
        const auto claims =
            boost::json::parse(std::string(first.output.begin(), first.output.end()));
        BOOST_TEST(
            claims.at("chain").at("signing_certificate_sha256").as_string() ==
            ccattest::support::to_hex(ccattest::support::sha256(read("gosev_milan_vcek.der"))));
        BOOST_TEST(claims.at("product").as_string() == "milan");
        BOOST_TEST(claims.at("chain").at("revocation_checked").as_bool() == false);
        BOOST_TEST(!claims.at("chain").as_object().contains("crl"));
        BOOST_TEST(kds.server.request_count(kds.gosev.vcek_path) == 1u);
        BOOST_TEST(kds.targets.at(0) == kds.gosev.vcek_path + "?" + kds.gosev.vcek_query);
        // AMD's CRL was asked for too (this server has none: a warning, not a refusal).
        BOOST_TEST(kds.server.request_count("/vcek/v1/Milan/crl") >= 1u);

        const auto second = verify_report(registry, kds.gosev.report);
        BOOST_TEST_REQUIRE(second.ok(), second.message);
        BOOST_TEST(kds.server.request_count(kds.gosev.vcek_path) == 1u); // from the cache
    }
    // Another process of the same site: the cache is on disk.
    const Registry again(kds.site(true));
    const auto third = verify_report(again, kds.gosev.report);
    BOOST_TEST(third.ok(), third.message);
    BOOST_TEST(kds.server.request_count(kds.gosev.vcek_path) == 1u);
}

BOOST_AUTO_TEST_CASE(offline_sites_fetch_nothing_and_say_why) {
    Kds kds;
    kds.serve_vcek("gosev_milan_vcek.der");
    const Registry registry(kds.site(false));
    const auto refused = verify_report(registry, kds.gosev.report);
    BOOST_TEST(refused.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(refused.message == "no VCEK: the token carries none and none was found in "
                                  "certificate_files; AMD KDS: not fetched: network.mode is "
                                  "offline: " +
                                      kds.vcek_url() + " not fetched",
               refused.message);
    BOOST_TEST(kds.server.total_requests() == 0u);
}

BOOST_AUTO_TEST_CASE(a_vcek_the_kds_does_not_have) {
    Kds kds; // no handler: every path answers 404
    const Registry registry(kds.site(true));
    const auto refused = verify_report(registry, kds.gosev.report);
    BOOST_TEST(refused.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(refused.message == "no VCEK: the token carries none and none was found in "
                                  "certificate_files; AMD KDS: " +
                                      kds.vcek_url() + " answered HTTP 404",
               refused.message);
}

BOOST_AUTO_TEST_CASE(a_rate_limit_that_outlasts_the_retries) {
    Kds kds;
    kds.server.handle(kds.gosev.vcek_path, [](const HttpsTestServer::Request &) {
        return HttpsTestServer::Reply{429, "slow down", {{"retry-after", "0"}}};
    });
    const Registry registry(kds.site(true));
    const auto refused = verify_report(registry, kds.gosev.report);
    BOOST_TEST(refused.status == CCATTEST_E_TIMEOUT);
    BOOST_TEST(refused.message == "no VCEK: the token carries none and none was found in "
                                  "certificate_files; AMD KDS: " +
                                      kds.vcek_url() +
                                      " answered HTTP 429 (rate limited or busy) after the "
                                      "host's retries",
               refused.message);
    BOOST_TEST(kds.server.request_count(kds.gosev.vcek_path) == 2u); // network.max_attempts
}

BOOST_AUTO_TEST_CASE(a_fetched_vcek_is_checked_like_one_from_the_token) {
    Kds kds;
    kds.serve_vcek("trustee_test-vcek.der"); // a real Milan VCEK, of another chip
    const Registry registry(kds.site(true));
    const auto refused = verify_report(registry, kds.gosev.report);
    BOOST_TEST(refused.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(refused.message.rfind("CHIP_ID " + kds.gosev.hwid +
                                         " differs from the VCEK's "
                                         "hardware id ",
                                     0) == 0u,
               refused.message);
}

BOOST_AUTO_TEST_CASE(kds_url_must_be_an_http_url) {
    Kds kds;
    SiteConfig bad = kds.site(true);
    bad.plugins.front().config["kds_url"] = "ftp://kds.example/";
    const Registry registry(bad);
    BOOST_TEST(registry.find("x-snp") == nullptr);
    BOOST_TEST(registry.plugins().front().reason ==
               "site.json: /plugins/0/config/kds_url: expected an http(s) URL without query");
}

BOOST_AUTO_TEST_CASE(without_a_product_line_nothing_is_looked_up) {
    Kds kds;
    kds.serve_vcek("gosev_milan_vcek.der");
    const Registry registry(kds.site(true, {}));
    const auto refused = verify_report(registry, kds.gosev.report);
    BOOST_TEST(refused.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(refused.message ==
                   "no VCEK: the token carries none and none was found in certificate_files; the "
                   "product line of a version 2 report is unknown, so no collateral was looked up "
                   "(set \"product\" in the config)",
               refused.message);
    BOOST_TEST(kds.server.total_requests() == 0u);
}

// require_crl: a chain whose CRL is found nowhere (this KDS has none) is refused, not only
// logged, so an attacker who blocks the CRL request cannot hide a revocation.
BOOST_AUTO_TEST_CASE(require_crl_refuses_a_chain_without_a_crl) {
    Kds kds;
    kds.serve_vcek("gosev_milan_vcek.der");
    const Registry registry(kds.site(true, {{"product", "milan"}, {"require_crl", true}}));
    const auto result = verify_report(registry, kds.gosev.report);
    BOOST_TEST(result.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(result.message == "no CRL of ARK-Milan was found (token, certificate_files, "
                                 "collateral_dir, AMD KDS) and require_crl is set: revocation "
                                 "cannot be ruled out",
               result.message);
    BOOST_TEST(kds.server.request_count("/vcek/v1/Milan/crl") == 1u);
}

// The simulator's chain (no AMD-signed CRL can be made in a test): the token carries ARK, ASK and
// VCEK but no CRL, so the verifier asks the KDS for one, checks it and keeps it until nextUpdate.
BOOST_AUTO_TEST_CASE(the_crl_is_fetched_checked_and_kept_until_its_next_update) {
    ccattest::snp::SimulatorConfig simulator;
    simulator.state_dir = sim_state();
    simulator.product = ccattest::snp::Product::milan;
    const std::array<uint8_t, 64> data{};
    const auto made = ccattest::snp::simulate_report(simulator, data);
    const std::string text = ccattest::snp::encode_token(made.evidence);
    const Bytes token(text.begin(), text.end());
    // An ARK's CRL revokes what the ARK signed: the ASK.
    const auto ask = ccattest::support::Certificate::parse(*made.evidence.ask, "ask");
    const long ask_serial = ASN1_INTEGER_get(X509_get_serialNumber(ask.get()));
    const int64_t next_update = 1800000000;
    const boost::json::object config = {{"allow_simulated", true},
                                        {"simulator", {{"state_dir", sim_state().string()}}}};

    for (const bool revoked : {false, true}) {
        Kds kds;
        const Bytes crl =
            make_crl(revoked ? std::vector<long>{ask_serial} : std::vector<long>{}, next_update);
        kds.server.handle("/vcek/v1/Milan/crl", [&](const HttpsTestServer::Request &) {
            return HttpsTestServer::Reply{200, std::string(crl.begin(), crl.end())};
        });
        const Registry registry(kds.site(true, config));
        const auto snp = registry.find("x-snp");
        BOOST_TEST_REQUIRE(snp != nullptr, registry.plugins().front().reason);
        const auto result = snp->verify(token, std::nullopt, inside_window);
        BOOST_TEST(kds.server.request_count("/vcek/v1/Milan/crl") == 1u);
        if (revoked) {
            BOOST_TEST(result.status == CCATTEST_E_VERIFICATION_FAILED);
            BOOST_TEST(result.message == "AMD KDS CRL " + kds.server.url("/vcek/v1/Milan/crl") +
                                             " revokes " + ask.subject_cn(),
                       result.message);
            continue;
        }
        BOOST_TEST_REQUIRE(result.ok(), result.message);
        const auto claims =
            boost::json::parse(std::string(result.output.begin(), result.output.end()));
        BOOST_TEST(claims.at("chain").at("revocation_checked").as_bool() == true);
        BOOST_TEST(claims.at("chain").at("crl").as_string() ==
                   "AMD KDS CRL " + kds.server.url("/vcek/v1/Milan/crl"));
        // The cache holds the CRL exactly as long as the CRL says (cache_validity).
        const auto entries = registry.network()->cache()->list();
        const auto stored = std::find_if(entries.begin(), entries.end(), [](const auto &entry) {
            return entry.url.ends_with("/vcek/v1/Milan/crl");
        });
        BOOST_TEST_REQUIRE((stored != entries.end()));
        BOOST_TEST(stored->fresh_until == next_update);
        const auto again = snp->verify(token, std::nullopt, inside_window);
        BOOST_TEST(again.ok(), again.message);
        BOOST_TEST(kds.server.request_count("/vcek/v1/Milan/crl") == 1u);
    }
}

// The command line: `ccattest verify --online` on a site whose allow-list names the loopback KDS.
BOOST_AUTO_TEST_CASE(cli_verify_online) {
    Kds kds;
    kds.serve_vcek("gosev_milan_vcek.der");
    const boost::json::object site = {
        {"site", {{"name", "kds-cli"}}},
        {"state_dir", (kds.scratch.path() / "state").string()},
        {"network",
         {{"ca_file", kds.server.write_ca_file(kds.scratch.path()).string()},
          {"allowed_hosts", {{"x-snp", {"localhost"}}}}}},
        {"plugins",
         {{{"name", "snp"},
           {"library", SNP_PLUGIN},
           {"config",
            {{"source", "none"}, {"product", "milan"}, {"kds_url", kds.server.url("")}}}}}}};
    const fs::path site_file = kds.scratch.write("site.json", boost::json::serialize(site));
    const std::string command = std::string(CCATTEST_CLI) + " verify -n x-snp -e " +
                                vector("gosev_milan_report.bin").string() +
                                " --online --json --at 1700000000 --config " + site_file.string() +
                                " 2>/dev/null";
    const auto run = [&](bool online) {
        std::string line = command;
        if (!online) {
            line.erase(line.find(" --online"), 9);
        }
        FILE *pipe = ::popen(line.c_str(), "r");
        BOOST_TEST_REQUIRE(pipe != nullptr);
        std::string output;
        std::array<char, 4096> chunk{};
        while (const size_t got = std::fread(chunk.data(), 1, chunk.size(), pipe)) {
            output.append(chunk.data(), got);
        }
        const int status = ::pclose(pipe);
        return std::pair(WEXITSTATUS(status), boost::json::parse(output).as_object());
    };
    // The site's own mode (offline by default): nothing fetched, and the reason says why.
    const auto [refused_status, refused] = run(false);
    BOOST_TEST(refused_status == 1);
    BOOST_TEST(!refused.at("authentic").as_bool());
    const auto message = refused.at("reasons").at(0).at("message").as_string();
    BOOST_TEST(message.find("AMD KDS: not fetched: network.mode is offline") != std::string::npos,
               message);
    BOOST_TEST(kds.server.total_requests() == 0u);
    // --online: fetched from the KDS and accepted.
    const auto [accepted_status, accepted] = run(true);
    BOOST_TEST(accepted_status == 0);
    BOOST_TEST(accepted.at("authentic").as_bool(), boost::json::serialize(accepted));
    BOOST_TEST(kds.server.request_count(kds.gosev.vcek_path) == 1u);
    // --online again: served from the cache, and the log line says so.
    const fs::path log = kds.scratch.path() / "second-online.log";
    const std::string logged =
        command.substr(0, command.rfind(" 2>/dev/null")) + " >/dev/null 2>" + log.string();
    BOOST_TEST(std::system(logged.c_str()) == 0);
    const std::string log_text = ccattest::support::read_text_file(log, 1U << 20U);
    BOOST_TEST(log_text.find("[network] x-snp GET " + kds.vcek_url() + ": cache hit, HTTP 200") !=
                   std::string::npos,
               log_text);
    BOOST_TEST(kds.server.request_count(kds.gosev.vcek_path) == 1u);
    // Offline again: the collateral cache (state_dir/collateral) holds the VCEK now.
    const auto [cached_status, cached] = run(false);
    BOOST_TEST(cached_status == 0);
    BOOST_TEST(cached.at("authentic").as_bool(), boost::json::serialize(cached));
    BOOST_TEST(kds.server.request_count(kds.gosev.vcek_path) == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
