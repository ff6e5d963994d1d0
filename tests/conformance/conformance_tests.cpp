// Each broken zoo plugin fails exactly the checks it is built to fail (by id); the good ones pass
// all.
#define BOOST_TEST_MODULE conformance
#include <boost/test/unit_test.hpp>

#include <ccattest/conformance.hpp>

#include "support/scratch_dir.hpp"

#include <fstream>
#include <map>
#include <set>
#include <sstream>

using ccattest::conformance::Outcome;

namespace {

std::set<std::string> failing(const std::string &variant) {
    ccattest::conformance::Options options;
    options.plugin = std::string(ZOO_DIR) + "/libzoo_" + variant + ".so";
    std::set<std::string> ids;
    for (const auto &result : ccattest::conformance::run_all(options)) {
        if (result.outcome == Outcome::fail) {
            ids.insert(result.id);
            BOOST_TEST_MESSAGE(variant << " fails " << result.id << ": " << result.detail);
        }
    }
    return ids;
}

using Ids = std::set<std::string>;

} // namespace

BOOST_AUTO_TEST_CASE(zoo_plugins_fail_exactly_their_checks) {
    BOOST_TEST(failing("good") == Ids{}, boost::test_tools::per_element());
    BOOST_TEST(failing("no_entry") == (Ids{"CC-LOAD-1", "CC-ABI-1"}),
               boost::test_tools::per_element());
    BOOST_TEST(failing("wrong_major") == (Ids{"CC-ABI-2"}), boost::test_tools::per_element());
    BOOST_TEST(failing("newer_minor") == Ids{}, boost::test_tools::per_element());
    BOOST_TEST(failing("newer_minor_strict") == (Ids{"CC-ABI-2"}),
               boost::test_tools::per_element());
    BOOST_TEST(failing("null_slot") == (Ids{"CC-ABI-4"}), boost::test_tools::per_element());
    BOOST_TEST(failing("small_struct") == (Ids{"CC-ABI-3"}), boost::test_tools::per_element());
    BOOST_TEST(failing("large_struct") == Ids{}, boost::test_tools::per_element());
    BOOST_TEST(failing("entry_error") == (Ids{"CC-ABI-2"}), boost::test_tools::per_element());
    BOOST_TEST(failing("create_fails") == (Ids{"CC-LIFE-1"}), boost::test_tools::per_element());
    BOOST_TEST(failing("bad_namespace") == (Ids{"CC-DESC-1"}), boost::test_tools::per_element());
    BOOST_TEST(failing("duplicate_namespace") == Ids{}, boost::test_tools::per_element());
    BOOST_TEST(failing("extra_exports") == (Ids{"CC-ABI-1"}), boost::test_tools::per_element());
    BOOST_TEST(failing("serialize") == Ids{}, boost::test_tools::per_element());
    BOOST_TEST(failing("no_evidence_digest") == (Ids{"CC-CLAIMS-1"}),
               boost::test_tools::per_element());
    // ABI 1.1: inspect2 that agrees with inspect passes; one that disagrees, a 1.0 table with a
    // 1.1 slot set, and a 1.1 table with the 1.0 layout fail exactly their check.
    BOOST_TEST(failing("inspect") == Ids{}, boost::test_tools::per_element());
    BOOST_TEST(failing("inspect2_differs") == (Ids{"CC-ABI11-3"}),
               boost::test_tools::per_element());
    BOOST_TEST(failing("inspect_declares_1_0") == (Ids{"CC-ABI-5"}),
               boost::test_tools::per_element());
    BOOST_TEST(failing("short_1_1") == (Ids{"CC-ABI-3"}), boost::test_tools::per_element());
    BOOST_TEST(failing("fetch_ignores_size") == (Ids{"CC-ABI11-1"}),
               boost::test_tools::per_element());
}

namespace {

// Every result of one run, by id.
std::map<std::string, ccattest::conformance::CheckResult>
results_of(const std::string &plugin, const std::string &config = "{}") {
    ccattest::conformance::Options options;
    options.plugin = plugin;
    options.config_json = config;
    std::map<std::string, ccattest::conformance::CheckResult> out;
    for (auto &result : ccattest::conformance::run_all(options)) {
        out[result.id] = result;
    }
    return out;
}

std::string zoo_plugin(const std::string &variant) {
    return std::string(ZOO_DIR) + "/libzoo_" + variant + ".so";
}

} // namespace

BOOST_AUTO_TEST_CASE(abi_1_1_checks_report_what_they_saw) {
    auto results = results_of(zoo_plugin("inspect"));
    BOOST_TEST(results["CC-ABI11-1"].detail ==
               "with a 1.0 host: create ok, generate ok, verify ok, inspect ok");
    BOOST_TEST(results["CC-ABI11-2"].detail ==
               "0 fetch call(s): create ok, generate ok, verify ok, inspect ok, inspect2 ok");
    BOOST_TEST(results["CC-ABI11-3"].detail == "inspect2 and inspect agree");
    BOOST_TEST((results["CC-ABI11-3"].outcome == Outcome::pass));

    results = results_of(zoo_plugin("inspect2_differs"));
    BOOST_TEST(results["CC-ABI11-3"].detail ==
               "inspect and inspect2 describe a valid token differently");
    results = results_of(zoo_plugin("inspect_declares_1_0"));
    BOOST_TEST(results["CC-ABI-5"].detail == "byte 120 beyond the ABI 1.0 table is not zero");
    BOOST_TEST((results["CC-ABI11-3"].outcome == Outcome::skip));
    BOOST_TEST(results["CC-ABI11-3"].detail ==
               "the plugin declares ABI 1.0: inspect2 is not part of it");
    results = results_of(zoo_plugin("short_1_1"));
    BOOST_TEST(results["CC-ABI-3"].detail ==
               "struct_size 120 is smaller than the 128 bytes ABI 1.1 requires");
    results = results_of(zoo_plugin("fetch_ignores_size"));
    BOOST_TEST(results["CC-ABI11-1"].detail ==
               "with a 1.0 host: called the network service although the host table's "
               "struct_size (56) does not cover it");
    BOOST_TEST(results["CC-ABI11-2"].detail ==
               "1 fetch call(s): create ok, generate ok, verify ok");
    results = results_of(zoo_plugin("good"));
    BOOST_TEST(results["CC-ABI11-3"].detail == "the plugin does not implement inspect2");
}

BOOST_AUTO_TEST_CASE(a_1_0_binary_passes_the_suite) {
    // The plugin built from the frozen 1.0 header (tests/abi/compat/plugin_1_0.c).
    const auto results = results_of(COMPAT_PLUGIN_1_0);
    for (const auto &[id, result] : results) {
        BOOST_TEST((result.outcome != Outcome::fail), id << ": " << result.detail);
    }
    BOOST_TEST(results.at("CC-ABI11-1").detail ==
               "with a 1.0 host: create ok, generate ok, verify ok, inspect ok");
    BOOST_TEST(results.at("CC-ABI11-3").detail ==
               "the plugin declares ABI 1.0: inspect2 is not part of it");
}

BOOST_AUTO_TEST_CASE(a_plugin_that_fetches_fails_cleanly_with_a_failing_service) {
    // The fetch fixture (tests/abi/compat/plugin_fetch.c) with a collateral URL: offline with a
    // 1.0 host and the suite's own host (no service), a clear error with the failing service.
    const std::string url = "http://127.0.0.1:9/collateral";
    const auto results = results_of(COMPAT_PLUGIN_FETCH, R"({"collateral_url":")" + url + "\"}");
    for (const auto &[id, result] : results) {
        BOOST_TEST((result.outcome != Outcome::fail), id << ": " << result.detail);
    }
    BOOST_TEST(results.at("CC-ABI11-1").detail ==
               "with a 1.0 host: create ok, generate ok, verify ok");
    BOOST_TEST(
        results.at("CC-ABI11-2").detail ==
        "1 fetch call(s): create ok, generate ok, verify gave io (8): compat fetch: fetching " +
            url + " failed (io): conformance host: every fetch fails (io)");
}

BOOST_AUTO_TEST_CASE(runner_reports_and_exit_status) {
    const ccattest::test::ScratchDir scratch;
    const std::string reports = (scratch.path() / "runner").string();
    const std::string command = std::string(RUNNER) + " --plugin " + ZOO_DIR +
                                "/libzoo_null_slot.so --junit " + reports + ".xml --json " +
                                reports + ".json > " + reports + ".txt";
    const int status = std::system(command.c_str());
    BOOST_TEST(WEXITSTATUS(status) == 1);
    std::stringstream text;
    text << std::ifstream(reports + ".txt").rdbuf();
    BOOST_TEST(text.str().find("fail  CC-ABI-4  every mandatory field and slot is present\n        "
                               "mandatory verify missing") != std::string::npos,
               text.str());
    std::stringstream junit;
    junit << std::ifstream(reports + ".xml").rdbuf();
    BOOST_TEST(junit.str().find("<failure message=\"mandatory verify missing\"/>") !=
               std::string::npos);
    std::stringstream json;
    json << std::ifstream(reports + ".json").rdbuf();
    BOOST_TEST(json.str().find("\"passed\":false") != std::string::npos);

    const std::string good = std::string(RUNNER) + " --plugin " + EXAMPLE_PLUGIN + " --config " +
                             EXAMPLE_CONFIG + " > /dev/null";
    BOOST_TEST(WEXITSTATUS(std::system(good.c_str())) == 0);
    BOOST_TEST(WEXITSTATUS(std::system((std::string(RUNNER) + " --bogus 2> /dev/null").c_str())) ==
               2);
}
