// The TDX verifier asking Intel's PCS, through the host, for the collateral of the real quote
// (tests/data/tdx/README.md) when neither the token nor the configured files hold it: the plugin
// loaded by the real loader on a site whose network settings point at a loopback HTTPS server
// playing the PCS, serving Intel's real documents with the issuer-chain headers PCS sends. Nothing
// leaves 127.0.0.1. A simulated chain never fetches, so every case verifies the real quote at a
// time inside its collateral's windows.
#include "tdx_support.hpp"

#include "ccattest/core/registry.hpp"
#include "support/https_test_server.hpp"
#include "support/scratch_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace {
using namespace tdx_test;
using ccattest::PluginEntry;
using ccattest::Registry;
using ccattest::SiteConfig;
using ccattest::test::HttpsTestServer;
using ccattest::test::ScratchDir;

constexpr const char *tcb_info_path = "/tdx/certification/v4/tcb";
constexpr const char *qe_identity_path = "/tdx/certification/v4/qe/identity";
constexpr const char *pck_crl_path = "/sgx/certification/v4/pckcrl";
constexpr const char *root_crl_path = "/IntelSGXRootCA.der";
constexpr const char *real_fmspc = "50806f000000";
/// The QE identity's nextUpdate, 2023-07-08T07:24:59Z.
constexpr int64_t qe_identity_next_update = 1688801099;

// PCS sends issuer chains URL-encoded: every byte but the unreserved ones as %XX.
std::string percent_encode(const Bytes &bytes) {
    std::string out;
    for (const uint8_t c : bytes) {
        if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            std::string hex = ccattest::support::to_hex(std::span(&c, 1));
            std::transform(hex.begin(), hex.end(), hex.begin(),
                           [](char h) { return static_cast<char>(std::toupper(h)); });
            out.append("%").append(hex);
        }
    }
    return out;
}

std::string text_of(const Bytes &bytes) {
    return {bytes.begin(), bytes.end()};
}

// A loopback PCS and a site that may reach it.
struct Pcs {
    ScratchDir scratch;
    HttpsTestServer server;
    std::string signing_chain = percent_encode(read("gotdx_tcb_signing_chain.pem"));
    std::string crl_issuer_chain = percent_encode(read("gotdx_pck_crl_issuer_chain.pem"));
    std::mutex mutex;
    std::vector<std::string> targets; ///< every request's target, in order

    // Answers `path` with `body` and, when `header` is given, the issuer chain in it.
    void serve(const std::string &path, std::string body, const std::string &header = {},
               const std::string &chain = {}) {
        server.handle(path, [this, body = std::move(body), header,
                             chain](const HttpsTestServer::Request &request) {
            {
                const std::lock_guard lock(mutex);
                targets.push_back(request.target);
            }
            HttpsTestServer::Reply reply{200, body};
            if (!header.empty()) {
                reply.headers.emplace_back(header, chain);
            }
            return reply;
        });
    }

    void serve_tcb_info(std::string body, bool with_chain = true) {
        serve(tcb_info_path, std::move(body), with_chain ? "TCB-Info-Issuer-Chain" : "",
              signing_chain);
    }
    void serve_qe_identity() {
        serve(qe_identity_path, text_of(read("gotdx_qe_identity_td_qe.json")),
              "SGX-Enclave-Identity-Issuer-Chain", signing_chain);
    }
    void serve_crls() {
        serve(pck_crl_path, text_of(read("gotdx_pck_platform_crl.der")), "SGX-PCK-CRL-Issuer-Chain",
              crl_issuer_chain);
        serve(root_crl_path, text_of(read("gotdx_sgx_root_crl.der")));
    }

    [[nodiscard]] std::string url(const std::string &path) const {
        return server.url(path, "127.0.0.1");
    }
    [[nodiscard]] std::string tcb_info_url() const {
        return url(tcb_info_path) + "?fmspc=" + real_fmspc;
    }

    SiteConfig site(bool online, boost::json::object config = {}) {
        PluginEntry entry;
        entry.origin_file = "site.json";
        entry.origin_pointer = "/plugins/0";
        entry.label = "tdx";
        entry.library = TDX_PLUGIN;
        config["source"] = "none";
        config["pcs_url"] = url("");
        config["root_crl_url"] = url(root_crl_path);
        entry.config = std::move(config);
        SiteConfig out;
        out.file = scratch.path() / "site.json";
        out.site_name = "pcs-test";
        out.state_dir = scratch.path() / "state";
        out.network.mode = online ? ccattest::net::NetworkConfig::Mode::online
                                  : ccattest::net::NetworkConfig::Mode::offline;
        out.network.ca_file = server.write_ca_file(scratch.path());
        out.network.allowed_hosts["x-tdx"] = {"127.0.0.1"};
        out.network.timeout = std::chrono::milliseconds(5000);
        out.network.max_attempts = 2;
        out.network.initial_backoff = std::chrono::milliseconds(10);
        out.plugins = {entry};
        return out;
    }
};

// The real quote as a raw quote: it carries no collateral.
Outcome verify_real_quote(const Registry &registry) {
    const auto tdx = registry.find("x-tdx");
    BOOST_TEST_REQUIRE(tdx != nullptr, registry.plugins().front().reason);
    const auto result = tdx->verify(real_quote(), std::nullopt, inside_window);
    Outcome out{result.status, result.message, {}};
    if (result.ok()) {
        out.claims = boost::json::parse(text_of(result.output)).as_object();
    }
    return out;
}

bool starts_with(const std::string &text, const std::string &prefix) {
    return text.rfind(prefix, 0) == 0;
}

} // namespace

BOOST_AUTO_TEST_SUITE(tdx_pcs)

// The TCB info PCS does not have (404) is a plain miss: the quote is authentic, its TCB status
// unknown, while the QE identity and both CRLs found are applied.
BOOST_AUTO_TEST_CASE(qe_identity_and_crls_are_fetched_and_applied) {
    Pcs pcs;
    pcs.serve_qe_identity();
    pcs.serve_crls();
    const Registry registry(pcs.site(true));
    const Outcome first = verify_real_quote(registry);
    BOOST_TEST_REQUIRE(first.status == CCATTEST_OK, first.message);
    BOOST_TEST(first.claims.at("tcb_status").as_string() == "unknown");
    BOOST_TEST(first.claims.at("qe_tcb_status").as_string() == "UpToDate");
    BOOST_TEST(!first.claims.contains("platform_tcb_status"));
    BOOST_TEST(first.claims.at("collateral").at("source").as_string() == "none");
    BOOST_TEST(first.claims.at("collateral").at("qe_identity_source").as_string() == "network");
    BOOST_TEST(first.claims.at("collateral").at("qe_identity_next_update").as_string() ==
               "2023-07-08T07:24:59Z");
    BOOST_TEST(first.claims.at("chain").at("revocation_checked").as_bool());
    BOOST_TEST(pcs.server.request_count(tcb_info_path) == 1U);
    BOOST_TEST(pcs.server.request_count(qe_identity_path) == 1U);
    BOOST_TEST(pcs.server.request_count(pck_crl_path) == 1U);
    BOOST_TEST(pcs.server.request_count(root_crl_path) == 1U);
    {
        const std::lock_guard lock(pcs.mutex);
        BOOST_TEST((std::find(pcs.targets.begin(), pcs.targets.end(),
                              std::string(pck_crl_path) + "?ca=platform&encoding=der") !=
                    pcs.targets.end()));
    }
    // The host's cache keeps the QE identity exactly until its nextUpdate (cache_validity).
    const auto entries = registry.network()->cache()->list();
    const auto stored = std::find_if(entries.begin(), entries.end(), [](const auto &entry) {
        return entry.url.ends_with(qe_identity_path);
    });
    BOOST_TEST_REQUIRE((stored != entries.end()));
    BOOST_TEST(stored->fresh_until == qe_identity_next_update);

    // That nextUpdate (2023) is past by the host's clock, so the cache does not serve the stale
    // document again: it is asked for anew and verified the same way.
    const Outcome second = verify_real_quote(registry);
    BOOST_TEST_REQUIRE(second.status == CCATTEST_OK, second.message);
    BOOST_TEST(second.claims.at("qe_tcb_status").as_string() == "UpToDate");
    BOOST_TEST(second.claims.at("collateral").at("qe_identity_source").as_string() == "network");
    BOOST_TEST(pcs.server.request_count(qe_identity_path) == 2U);
}

// All four documents served: the real outcome of Intel's real collateral for this platform.
BOOST_AUTO_TEST_CASE(all_collateral_fetched_grades_the_platform) {
    Pcs pcs;
    pcs.serve_tcb_info(text_of(read("gotdx_tcbinfo_fmspc50806f000000.json")));
    pcs.serve_qe_identity();
    pcs.serve_crls();
    const Registry registry(pcs.site(true));
    const Outcome out = verify_real_quote(registry);
    BOOST_TEST(out.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(out.message.find("no TCB level matches") != std::string::npos, out.message);
    BOOST_TEST(pcs.server.request_count(tcb_info_path) == 1U);
    const std::lock_guard lock(pcs.mutex);
    BOOST_TEST(
        (std::find(pcs.targets.begin(), pcs.targets.end(),
                   std::string(tcb_info_path) + "?fmspc=" + real_fmspc) != pcs.targets.end()));
}

// Without the issuer-chain header no certificate can vouch for the document.
BOOST_AUTO_TEST_CASE(a_tcb_info_without_its_issuer_chain_is_refused) {
    Pcs pcs;
    pcs.serve_tcb_info(text_of(read("gotdx_tcbinfo_fmspc50806f000000.json")), false);
    pcs.serve_qe_identity();
    pcs.serve_crls();
    const Registry registry(pcs.site(true));
    const Outcome out = verify_real_quote(registry);
    BOOST_TEST(out.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(out.message == "TCB info from " + pcs.tcb_info_url() +
                                  ": its signature does not verify with any TCB-signing "
                                  "certificate found (0 candidates from the token, the "
                                  "configured files and the service)",
               out.message);
}

// A fetched document is checked like one from the token: here, for another platform.
BOOST_AUTO_TEST_CASE(a_fetched_tcb_info_for_another_fmspc_is_refused) {
    Pcs pcs;
    std::string edited = text_of(read("gotdx_tcbinfo_fmspc50806f000000.json"));
    edited.replace(edited.find(real_fmspc), 12, "00906ed50000");
    pcs.serve_tcb_info(edited);
    pcs.serve_qe_identity();
    pcs.serve_crls();
    const Registry registry(pcs.site(true));
    const Outcome out = verify_real_quote(registry);
    BOOST_TEST(out.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(starts_with(out.message, "TCB info from https://127.0.0.1:"), out.message);
    BOOST_TEST(out.message == "TCB info from " + pcs.tcb_info_url() +
                                  " is for FMSPC 00906ed50000, the PCK's is 50806f000000",
               out.message);
}

BOOST_AUTO_TEST_CASE(offline_sites_fetch_nothing) {
    Pcs pcs;
    pcs.serve_tcb_info(text_of(read("gotdx_tcbinfo_fmspc50806f000000.json")));
    pcs.serve_qe_identity();
    pcs.serve_crls();
    const Registry registry(pcs.site(false));
    const Outcome out = verify_real_quote(registry);
    BOOST_TEST_REQUIRE(out.status == CCATTEST_OK, out.message);
    BOOST_TEST(out.claims.at("tcb_status").as_string() == "unknown");
    BOOST_TEST(out.claims.at("qe_tcb_status").as_string() == "unknown");
    BOOST_TEST(out.claims.at("collateral").at("source").as_string() == "none");
    BOOST_TEST(!out.claims.at("chain").at("revocation_checked").as_bool());
    BOOST_TEST(pcs.server.total_requests() == 0U);
}

// require_collateral: a TCB info PCS does not have is a refusal, not an unknown status.
BOOST_AUTO_TEST_CASE(require_collateral_refuses_a_missing_tcb_info) {
    Pcs pcs;
    pcs.serve_qe_identity();
    pcs.serve_crls();
    const Registry registry(pcs.site(true, {{"require_collateral", true}}));
    const Outcome out = verify_real_quote(registry);
    BOOST_TEST(out.status == CCATTEST_E_VERIFICATION_FAILED);
    BOOST_TEST(out.message ==
                   "no TCB info for FMSPC 50806f000000 was found and require_collateral is set (" +
                       pcs.tcb_info_url() + " answered HTTP 404)",
               out.message);
    BOOST_TEST(pcs.server.request_count(tcb_info_path) == 1U);
}

BOOST_AUTO_TEST_SUITE_END()
