// Each broken zoo plugin fails exactly the checks it is built to fail (by id); the good ones pass
// all.
#define BOOST_TEST_MODULE conformance
#include <boost/test/unit_test.hpp>

#include <ccattest/conformance.hpp>

#include "support/scratch_dir.hpp"

#include <fstream>
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
