// CCManager appraisal branches with real plugin instances (x-snp on the simulator), and every
// shipped scenario through the simulated federation.
#include "ccattest/core/cc_manager.hpp"
#include "ccattest/core/config.hpp"
#include "ccattest/simulation/federation.hpp"
#include "support/scratch_dir.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <fstream>

namespace fs = std::filesystem;
namespace json = boost::json;
using ccattest::CcInfo;
using ccattest::CCManager;
using ccattest::test::ScratchDir;

namespace {

struct Federation {
    ScratchDir state;
    int64_t now = 1800000000;

    static constexpr const char *default_policy = R"({
            "required_namespaces": {"server": ["x-snp"], "client": ["x-snp"]},
            "namespaces": {"x-snp": {"token_expiration": 600, "rules": [
                {"claim": "/simulated", "equals": true}, {"claim": "/policy/debug", "equals": false}]}}})";

    std::unique_ptr<CCManager> site(const std::string &name, const std::string &role,
                                    bool debug = false, const fs::path &state_dir = {},
                                    const char *policy_text = default_policy,
                                    bool verify_only = false) {
        ccattest::PluginEntry entry;
        entry.origin_file = "test";
        entry.label = "snp";
        entry.library = "libcc_snp.so";
        entry.critical = true;
        entry.verify_only = verify_only;
        entry.config = {
            {"source", "simulator"},
            {"allow_simulated", true},
            {"simulator",
             {{"state_dir", SIM_STATE}, {"debug", debug}, {"measurement", std::string(96, 'a')}}}};
        ccattest::SiteConfig config;
        config.file = "test";
        config.site_name = name;
        config.plugin_dir = PLUGIN_DIR;
        config.plugins = {entry};
        ccattest::ManagerSettings settings;
        settings.site = name;
        settings.role = role;
        settings.state_dir = state_dir.empty() ? state.path() / name : state_dir;
        const auto policy = ccattest::Policy::parse(json::parse(policy_text), "test policy");
        return std::make_unique<CCManager>(std::make_shared<ccattest::Registry>(config), policy,
                                           settings, [this] { return now; });
    }
};

std::string reasons(const ccattest::Verdict &verdict) {
    std::string out;
    for (const auto &r : verdict.reasons) {
        out += r.message + "\n";
    }
    return out;
}

// Each reason's machine-readable part: "code namespace status", blanks left out.
std::vector<std::string> codes(const ccattest::Verdict &verdict) {
    std::vector<std::string> out;
    for (const auto &r : verdict.reasons) {
        std::string line = r.code;
        for (const auto *part : {&r.namespace_id, &r.status}) {
            if (!part->empty()) {
                line += " " + *part;
            }
        }
        out.push_back(line);
    }
    return out;
}

using Codes = std::vector<std::string>;

} // namespace

BOOST_AUTO_TEST_SUITE(cc_manager)

BOOST_AUTO_TEST_CASE(accepted_evidence_and_the_wire_format) {
    Federation f;
    auto server = f.site("server", "server");
    auto client = f.site("site-1", "client");
    const auto challenge = ccattest::new_challenge();
    const auto sent =
        CcInfo::from_json(json::parse(json::serialize(client->fresh_info(challenge).to_json())));
    const auto verdict = server->appraise(sent, "site-1", "client", challenge, false);
    BOOST_TEST(verdict.accepted, reasons(verdict));
    BOOST_TEST(verdict.claims.at("x-snp").at("simulated").as_bool());
    BOOST_CHECK_THROW(CcInfo::from_json(json::parse(R"({"site": "x"})")),
                      ccattest::MalformedEvidence);
}

BOOST_AUTO_TEST_CASE(a_client_failing_the_policy) {
    Federation f;
    auto server = f.site("server", "server");
    auto debug = f.site("site-2", "client", true);
    const auto challenge = ccattest::new_challenge();
    const auto verdict =
        server->appraise(debug->fresh_info(challenge), "site-2", "client", challenge, false);
    BOOST_TEST(!verdict.accepted);
    BOOST_TEST(verdict.authentic);
    BOOST_TEST(reasons(verdict) ==
               "site-2: x-snp: /policy/debug equals false: expected false, got true\n");
    BOOST_TEST(codes(verdict) == Codes{"policy x-snp"});
    BOOST_TEST(json::serialize(verdict.reasons.front().to_json()) ==
               R"({"code":"policy","namespace":"x-snp","message":"site-2: x-snp: /policy/debug )"
               R"(equals false: expected false, got true"})");
}

BOOST_AUTO_TEST_CASE(tokens_presented_under_another_identity_or_challenge) {
    Federation f;
    auto server = f.site("server", "server");
    auto client = f.site("site-1", "client");
    const auto challenge = ccattest::new_challenge();
    auto info = client->fresh_info(challenge);
    info.site = "site-2"; // site-2 replays site-1's tokens as its own
    const auto stolen = server->appraise(info, "site-2", "client", challenge, false);
    BOOST_TEST(!stolen.accepted);
    BOOST_TEST(
        reasons(stolen) ==
        "site-2: x-snp: binding_mismatch: REPORT_DATA differs from the expected report data\n");
    BOOST_TEST(codes(stolen) == Codes{"plugin_refused x-snp binding_mismatch"});
    const auto named =
        server->appraise(client->fresh_info(challenge), "site-2", "client", challenge, false);
    BOOST_TEST(reasons(named).find(
                   "site-2: evidence names site \"site-1\" but the sender is \"site-2\"\n") == 0u);
    const auto old = server->appraise(client->fresh_info(ccattest::new_challenge()), "site-1",
                                      "client", challenge, false);
    BOOST_TEST(reasons(old) ==
               "site-1: evidence is bound to another challenge than the one issued\n");
    BOOST_TEST(codes(old) == Codes{"challenge_mismatch"});
    BOOST_TEST(!old.authentic);
    BOOST_TEST(codes(named).front() == "identity_mismatch");
}

BOOST_AUTO_TEST_CASE(registration_replay_is_refused_after_a_restart) {
    Federation f;
    const fs::path server_state = f.state.path() / "server-state";
    auto client = f.site("site-1", "client");
    const auto info = client->registration_info();
    {
        auto server = f.site("server", "server", false, server_state);
        BOOST_TEST(server->appraise(info, "site-1", "client", std::nullopt, true).accepted);
        const auto again = server->appraise(info, "site-1", "client", std::nullopt, true);
        BOOST_TEST(reasons(again) == "site-1: x-snp: evidence was presented before (replay)\n");
    }
    auto restarted = f.site("server", "server", false, server_state);
    const auto replayed = restarted->appraise(info, "site-1", "client", std::nullopt, true);
    BOOST_TEST(!replayed.authentic);
    BOOST_TEST(reasons(replayed) == "site-1: x-snp: evidence was presented before (replay)\n");
    BOOST_TEST(codes(replayed) == Codes{"replay x-snp"});
}

BOOST_AUTO_TEST_CASE(a_rewritten_issue_time_breaks_the_binding) {
    // The attack: re-write a captured CC info's issued_at to "now - token_expiration + 1" before
    // each presentation, so the age check passes and the replay record expires at once.
    Federation f;
    const fs::path server_state = f.state.path() / "server-state";
    auto server = f.site("server", "server", false, server_state);
    auto client = f.site("site-1", "client");
    const auto info = client->registration_info();
    BOOST_TEST(server->appraise(info, "site-1", "client", std::nullopt, true).accepted);
    f.now += 500;
    auto rewritten = info;
    rewritten.issued_at = f.now - 600 + 1;
    BOOST_TEST(
        reasons(server->appraise(rewritten, "site-1", "client", std::nullopt, true)) ==
        "site-1: x-snp: binding_mismatch: REPORT_DATA differs from the expected report data\n");
    // The genuine one stays refused for its whole acceptance window (600 s + 300 s of skew).
    BOOST_TEST(reasons(server->appraise(info, "site-1", "client", std::nullopt, true)) ==
               "site-1: x-snp: evidence was presented before (replay)\n");
}

BOOST_AUTO_TEST_CASE(a_record_outlives_the_last_second_of_the_window) {
    // Issued 300 s ahead of the verifier's clock (the skew allowed) and presented again when its
    // age is exactly token_expiration (600 s): still a replay.
    Federation f;
    const fs::path server_state = f.state.path() / "server-state";
    auto server = f.site("server", "server", false, server_state);
    auto client = f.site("site-1", "client");
    const int64_t start = f.now;
    f.now = start + 300;
    const auto info = client->registration_info();
    f.now = start;
    BOOST_TEST(server->appraise(info, "site-1", "client", std::nullopt, true).accepted);
    f.now = start + 300 + 600;
    BOOST_TEST(reasons(server->appraise(info, "site-1", "client", std::nullopt, true)) ==
               "site-1: x-snp: evidence was presented before (replay)\n");
    f.now += 1;
    BOOST_TEST(reasons(server->appraise(info, "site-1", "client", std::nullopt, true)) ==
               "site-1: x-snp: token issued 601 s ago is older than token_expiration 600 s\n");
}

BOOST_AUTO_TEST_CASE(rejected_evidence_is_never_recorded) {
    // Evidence the policy refuses cannot fill the store (and block other sites).
    Federation f;
    const fs::path server_state = f.state.path() / "server-state";
    auto server = f.site("server", "server", false, server_state);
    auto debug = f.site("site-2", "client", true);
    const auto info = debug->registration_info();
    for (int i = 0; i < 2; ++i) {
        BOOST_TEST(reasons(server->appraise(info, "site-2", "client", std::nullopt, true)) ==
                   "site-2: x-snp: /policy/debug equals false: expected false, got true\n");
    }
    BOOST_TEST(ccattest::ReplayStore(server_state / "replay.log").size() == 0u);
}

BOOST_AUTO_TEST_CASE(issue_times_out_of_range_are_malformed_and_never_overflow) {
    Federation f;
    auto server = f.site("server", "server");
    auto client = f.site("site-1", "client");
    auto info = client->registration_info();
    auto text = json::serialize(info.to_json());
    const auto at = text.find("\"issued_at\":");
    const auto end = text.find_first_of(",}", at);
    auto with_time = [&](const std::string &value) {
        return std::string(text).replace(at, end - at, "\"issued_at\":" + value);
    };
    for (const std::string value : {"-9223372036854775808", "-1", "253402300800"}) {
        try {
            (void)CcInfo::from_text(with_time(value), "peer");
            BOOST_ERROR("issued_at " + value + " was accepted");
        } catch (const ccattest::MalformedEvidence &e) {
            BOOST_TEST(std::string(e.what()) ==
                       "peer: cc info: issued_at " + value + " is outside 0..253402300799");
        }
    }
    info.issued_at = INT64_MIN; // the struct path too: checked arithmetic, no signed overflow
    const auto verdict = server->appraise(info, "site-1", "client", std::nullopt, false);
    BOOST_TEST(!verdict.authentic);
    BOOST_TEST(reasons(verdict) ==
               "site-1: issue time -9223372036854775808 is out of range\n"
               "site-1: x-snp: issue time -9223372036854775808 is out of range\n");
}

BOOST_AUTO_TEST_CASE(cc_info_has_exactly_one_spelling_of_its_members) {
    Federation f;
    auto client = f.site("site-1", "client");
    const auto text = json::serialize(client->registration_info().to_json());
    auto error_of = [](const std::string &document) {
        try {
            (void)CcInfo::from_text(document, "peer");
        } catch (const ccattest::MalformedEvidence &e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    BOOST_TEST(error_of(text) == "accepted");
    BOOST_TEST(error_of(R"({"site":"a","site":"b"})") ==
               "peer: line 1, column 18: duplicate member /site");
    BOOST_TEST(error_of("{\"extra\":1," + text.substr(1)) ==
               "peer: cc info: unknown member \"extra\"");
    auto upper = text;
    const auto challenge = upper.find("\"challenge\":\"") + 13;
    std::transform(upper.begin() + static_cast<long>(challenge),
                   upper.begin() + static_cast<long>(challenge) + 64,
                   upper.begin() + static_cast<long>(challenge),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    BOOST_TEST(error_of(upper) == "peer: cc info: challenge is not 64 lower-case hex digits");
}

BOOST_AUTO_TEST_CASE(a_respelled_token_is_the_same_evidence) {
    // The replay key is the plugin's evidence_digest, not the token's bytes: the SNP token with
    // fewer carried certificates is another spelling of the same report.
    Federation f;
    auto server = f.site("server", "server", false, f.state.path() / "server-state");
    auto client = f.site("site-1", "client");
    const auto info = client->registration_info();
    BOOST_TEST(server->appraise(info, "site-1", "client", std::nullopt, true).accepted);
    const auto &token = info.tokens.at("x-snp");
    auto document = json::parse(std::string(token.begin(), token.end())).as_object();
    json::object fewer; // the same order without the ARK (object::erase would reorder)
    for (const auto &member : document.at("certificates").as_object()) {
        if (member.key() != "ark") {
            fewer.emplace(member.key(), member.value());
        }
    }
    BOOST_REQUIRE(fewer.size() + 1 == document.at("certificates").as_object().size());
    document["certificates"] = std::move(fewer);
    const auto respelled_text = json::serialize(document);
    auto respelled = info;
    respelled.tokens["x-snp"].assign(respelled_text.begin(), respelled_text.end());
    BOOST_TEST(respelled.tokens["x-snp"] != token);
    BOOST_TEST(reasons(server->appraise(respelled, "site-1", "client", std::nullopt, true)) ==
               "site-1: x-snp: evidence was presented before (replay)\n");
}

BOOST_AUTO_TEST_CASE(expired_tokens_are_refreshed_when_sent_and_rejected_when_received) {
    Federation f;
    auto server = f.site("server", "server");
    auto client = f.site("site-1", "client");
    const auto first = client->registration_info();
    f.now += 601; // past token_expiration (600 s)
    const auto stale = server->appraise(first, "site-1", "client", std::nullopt, false);
    BOOST_TEST(reasons(stale) ==
               "site-1: x-snp: token issued 601 s ago is older than token_expiration 600 s\n");
    const auto refreshed = client->registration_info();
    BOOST_TEST(refreshed.issued_at == f.now);
    BOOST_TEST(server->appraise(refreshed, "site-1", "client", std::nullopt, false).accepted);
}

BOOST_AUTO_TEST_CASE(a_mixed_federation_policy_needs_one_of_its_namespaces) {
    constexpr const char *mixed = R"({
        "required_one_of": {"client": ["x-snp", "x-tdx"]},
        "namespaces": {"x-snp": {"rules": [{"claim": "/simulated", "equals": true}]},
                       "x-tdx": {"rules": [{"claim": "/simulated", "equals": true}]}}})";
    Federation f;
    auto server = f.site("server", "server", false, {}, mixed);
    auto client = f.site("site-1", "client");
    const auto challenge = ccattest::new_challenge();
    const auto info = client->fresh_info(challenge);
    BOOST_TEST(server->appraise(info, "site-1", "client", challenge, false).accepted);
    auto none = info;
    none.tokens.clear();
    BOOST_TEST(reasons(server->appraise(none, "site-1", "client", challenge, false)) ==
               "site-1: presents none of the namespaces its role must present one of: x-snp, "
               "x-tdx\n");
    // The list must name namespaces that have rules.
    BOOST_CHECK_THROW(
        (void)ccattest::Policy::parse(json::parse(R"({"required_one_of": {"client": ["x-tdx"]},
                                          "namespaces": {"x-snp": {"rules": []}}})"),
                                      "policy.json"),
        ccattest::ConfigError);
}

BOOST_AUTO_TEST_CASE(a_verify_only_plugin_generates_no_token_but_verifies) {
    Federation f;
    auto verifier = f.site("server", "server", false, {}, Federation::default_policy, true);
    BOOST_TEST(verifier->registration_info().tokens.empty());
    auto client = f.site("site-1", "client");
    const auto challenge = ccattest::new_challenge();
    BOOST_TEST(
        verifier->appraise(client->fresh_info(challenge), "site-1", "client", challenge, false)
            .accepted);
}

BOOST_AUTO_TEST_CASE(missing_unknown_and_tampered_tokens) {
    Federation f;
    auto server = f.site("server", "server");
    auto client = f.site("site-1", "client");
    const auto challenge = ccattest::new_challenge();
    auto info = client->fresh_info(challenge);
    auto missing = info;
    missing.tokens.clear();
    BOOST_TEST(reasons(server->appraise(missing, "site-1", "client", challenge, false)) ==
               "site-1: required namespace x-snp is missing\n");
    BOOST_TEST(codes(server->appraise(missing, "site-1", "client", challenge, false)) ==
               Codes{"missing_namespace x-snp"});
    auto unknown = info;
    unknown.tokens["x-tdx"] = {1, 2, 3};
    BOOST_TEST(reasons(server->appraise(unknown, "site-1", "client", challenge, false)) ==
               "site-1: x-tdx: namespace not in this site's policy\n");
    BOOST_TEST(codes(server->appraise(unknown, "site-1", "client", challenge, false)) ==
               Codes{"unknown_namespace x-tdx"});
    auto tampered = info;
    tampered.tokens["x-snp"][60] ^= 1;
    const auto verdict = server->appraise(tampered, "site-1", "client", challenge, false);
    BOOST_TEST(!verdict.authentic);
    BOOST_TEST(reasons(verdict).find("site-1: x-snp: malformed: ") == 0u, reasons(verdict));
    BOOST_TEST(codes(verdict) == Codes{"plugin_refused x-snp malformed"});
}

// One appraisal that cannot finish (here its replay store was replaced by a folder) refuses that
// site alone; the batch's other verdicts come back.
BOOST_AUTO_TEST_CASE(a_failing_appraisal_refuses_its_site_and_keeps_the_batch) {
    Federation f;
    const fs::path server_state = f.state.path() / "server-state";
    auto server = f.site("server", "server", false, server_state);
    auto client = f.site("site-1", "client");
    const auto challenge = ccattest::new_challenge();
    fs::remove(server_state / "replay.log");
    fs::create_directories(server_state / "replay.log");
    std::vector<CCManager::Submission> batch(2);
    batch[0] = {client->fresh_info(challenge), "site-1", "client", challenge, false};
    batch[1] = {client->registration_info(), "site-1", "client", std::nullopt, true};
    const auto verdicts = server->appraise_all(batch, 2);
    BOOST_REQUIRE(verdicts.size() == 2U);
    BOOST_TEST(verdicts[0].accepted, reasons(verdicts[0]));
    BOOST_TEST(!verdicts[1].accepted);
    BOOST_TEST(!verdicts[1].authentic);
    BOOST_TEST(verdicts[1].site == "site-1");
    BOOST_TEST(codes(verdicts[1]) == Codes{"appraisal_failed"});
    BOOST_TEST(reasons(verdicts[1]).find("site-1: appraisal could not finish: ") == 0U,
               reasons(verdicts[1]));
    BOOST_TEST(reasons(verdicts[1]).find("is not a regular file (a folder)") != std::string::npos,
               reasons(verdicts[1]));
}

BOOST_AUTO_TEST_CASE(a_corrupted_replay_store_stops_the_site_with_a_clear_error) {
    Federation f;
    const fs::path state = f.state.path() / "broken";
    fs::create_directories(state);
    std::ofstream(state / "replay.log") << "ccattest-replay-v2\ngarbage\nmore\n";
    try {
        (void)f.site("server", "server", false, state);
        BOOST_ERROR("a corrupted replay store was accepted");
    } catch (const ccattest::ReplayStoreError &e) {
        BOOST_TEST(std::string(e.what()).find((state / "replay.log").string() +
                                              ":2: malformed record or checksum mismatch") == 0u);
    }
}

BOOST_AUTO_TEST_CASE(bootstrap_fails_when_an_issuer_cannot_generate) {
    ScratchDir state;
    ccattest::PluginEntry entry;
    entry.origin_file = "test";
    entry.label = "snp";
    entry.library = "libcc_snp.so";
    entry.config = {{"source", "auto"},
                    {"configfs_path", "/nonexistent"},
                    {"sev_guest_device", "/nonexistent"}};
    ccattest::SiteConfig config;
    config.file = "test";
    config.site_name = "bare";
    config.plugin_dir = PLUGIN_DIR;
    config.plugins = {entry};
    ccattest::ManagerSettings settings;
    settings.site = "bare";
    settings.state_dir = state.path();
    CCManager manager(std::make_shared<ccattest::Registry>(config),
                      ccattest::Policy::parse(json::parse(R"({"namespaces": {}})"), "p"), settings,
                      [] { return int64_t{0}; });
    try {
        manager.bootstrap();
        BOOST_ERROR("bootstrap succeeded without a device");
    } catch (const std::runtime_error &e) {
        BOOST_TEST(std::string(e.what()).find("bare: issuer x-snp cannot generate a token: "
                                              "no_device: no SEV-SNP evidence source") == 0u,
                   e.what());
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(scenarios)

BOOST_AUTO_TEST_CASE(every_shipped_scenario_meets_its_expectation) {
    std::vector<fs::path> files = {fs::path(SCENARIOS) / "default-scenario.json"};
    for (const auto &entry : fs::directory_iterator(fs::path(SCENARIOS) / "scenarios")) {
        const std::string name = entry.path().filename().string();
        if (name.find("policy") == std::string::npos) {
            files.push_back(entry.path());
        }
    }
    BOOST_TEST(files.size() >= 11u);
    for (const auto &file : files) {
        BOOST_TEST_CONTEXT(file.filename().string()) {
            ccattest::FederationOptions options;
            options.plugin_dir = PLUGIN_DIR;
            options.state_dir = SIM_STATE;
            options.scenario_dir = file.parent_path();
            const auto result = ccattest::run_federation(ccattest::read_json_file(file), options);
            BOOST_TEST(result.met_expectation,
                       result.expectation_note << ": " << json::serialize(result.to_json()));
            BOOST_TEST(!result.expectation_note.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(bad_scenarios_name_the_path) {
    try {
        ccattest::validate_scenario(
            json::parse(
                R"({"server": {"name": "s"}, "clients": [], "job": {"name": "j", "deploy_to": ["a"]}})"),
            "s.json");
        BOOST_ERROR("accepted");
    } catch (const ccattest::ConfigError &e) {
        BOOST_TEST(e.problems().at(0) == "s.json: /clients: expected at least 1 items, got 0");
    }
}

BOOST_AUTO_TEST_SUITE_END()
