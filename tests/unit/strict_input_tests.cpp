// The support library's strict JSON parser and bounded file reader, and the documents of the core
// that go through them (policy, site config, conf.d).
#include "ccattest/core/config.hpp"
#include "ccattest/core/json_schema.hpp"
#include "ccattest/core/policy.hpp"
#include "support/scratch_dir.hpp"

#include <ccattest/authorizer.hpp>
#include <ccattest/support/files.hpp>
#include <ccattest/support/json.hpp>

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <sys/stat.h>

namespace fs = std::filesystem;
using ccattest::test::ScratchDir;

namespace {

// "accepted" or the sdk::failure message of parse_json.
std::string json_error(const std::string &text,
                       size_t depth = ccattest::support::default_json_depth) {
    try {
        (void)ccattest::support::parse_json(text, depth);
    } catch (const ccattest::sdk::failure &e) {
        BOOST_TEST(e.status() == CCATTEST_E_MALFORMED);
        return e.what();
    }
    return "accepted";
}

std::string file_error(const fs::path &file, size_t limit = 1024) {
    try {
        (void)ccattest::support::read_file(file, limit);
    } catch (const ccattest::sdk::failure &e) {
        BOOST_TEST(e.status() == CCATTEST_E_IO);
        return e.what();
    }
    return "read";
}

std::string config_error(const fs::path &file) {
    try {
        (void)ccattest::load_site_config(file, "/plugins");
    } catch (const ccattest::ConfigError &e) {
        return e.what();
    }
    return "loaded";
}

} // namespace

BOOST_AUTO_TEST_SUITE(strict_input)

BOOST_AUTO_TEST_CASE(duplicate_members_are_refused_with_their_pointer) {
    BOOST_TEST(json_error(R"({"a": 1, "b": {"c": [1, {"d": 2, "d": 3}]}})") ==
               "line 1, column 36: duplicate member /b/c/1/d");
    BOOST_TEST(json_error("{\"a/b~\": {}, \"a/b~\": {}}") ==
               "line 1, column 19: duplicate member /a~1b~0");
    BOOST_TEST(json_error("[{\"x\": 1}, {\"x\": 1}, {\"y\": [], \"y\": 0}]") ==
               "line 1, column 34: duplicate member /2/y");
    // Equal names in different objects, and names equal only after unescaping, are told apart
    // correctly.
    BOOST_TEST(json_error(R"({"a": {"k": 1}, "b": {"k": 1}})") == "accepted");
    BOOST_TEST(json_error(R"({"k": 1, "\u006b": 2})") == "line 1, column 17: duplicate member /k");
}

BOOST_AUTO_TEST_CASE(only_rfc_8259_json_is_accepted) {
    BOOST_TEST(json_error("{\"a\": 1} x")
                   .find("line 1, column 10: invalid JSON: data after the JSON value") == 0u);
    BOOST_TEST(json_error("{\"a\": 1,}").find("invalid JSON") != std::string::npos);
    BOOST_TEST(json_error("// note\n{}").find("invalid JSON") != std::string::npos);
    BOOST_TEST(json_error("\"\xff\"").find("invalid JSON") != std::string::npos); // not UTF-8
    BOOST_TEST(json_error("{\n  \"a\": tru\n}").find("line 2, column") == 0u);
    BOOST_TEST(json_error("[[[1]]]", 3) == "accepted");
    BOOST_TEST(json_error("[[[[1]]]]", 3).find("invalid JSON") != std::string::npos);
    const auto value = ccattest::support::parse_json(R"({"a": [1, "x", null]})");
    BOOST_TEST(value.at("a").as_array().size() == 3u);
}

BOOST_AUTO_TEST_CASE(numbers_that_are_not_finite_are_refused) {
    // Boost.JSON reads 0e309 as NaN and 1e400 as infinity: a policy minimum of NaN never failed.
    BOOST_TEST(json_error(R"({"min": 0e309})") ==
               "line 1, column 14: number out of range (not a finite double)");
    BOOST_TEST(json_error("[1e400]") ==
               "line 1, column 7: number out of range (not a finite double)");
    BOOST_TEST(json_error("[-1e400]").find("not a finite double") != std::string::npos);
    BOOST_TEST(json_error("[1e308, 0.5, -2]") == "accepted");
}

BOOST_AUTO_TEST_CASE(a_long_string_never_reaches_a_pattern) {
    // std::regex recurses per character: a 100 KB claim pointer overflowed the stack.
    const ScratchDir dir;
    const auto policy =
        dir.write("policy.json", R"({"namespaces": {"x-snp": {"rules": [{"claim": "/)" +
                                     std::string(100000, 'a') + R"(", "equals": 1}]}}})");
    try {
        (void)ccattest::Policy::load(policy);
        BOOST_ERROR("a 100 KB claim was accepted");
    } catch (const ccattest::ConfigError &e) {
        BOOST_TEST(std::string(e.what()) ==
                   policy.string() +
                       ": /namespaces/x-snp/rules/0/claim: expected a JSON Pointer such as "
                       "/policy/debug");
    }
    const ccattest::JsonSchema schema(ccattest::support::parse_json(R"({"pattern": "^(a)+$"})"));
    const auto violations = schema.validate(boost::json::string(std::string(5000, 'a')));
    BOOST_REQUIRE(violations.size() == 1u);
    BOOST_TEST(violations[0].message ==
               "expected a string matching ^(a)+$ of at most 4096 bytes, got 5000 bytes");
}

BOOST_AUTO_TEST_CASE(a_policy_cannot_say_one_thing_and_enforce_another) {
    // The attack: a strict x-snp block followed by a lenient one; "last wins" enforced the second.
    const ScratchDir dir;
    const auto policy = dir.write("policy.json", R"({"namespaces": {
  "x-snp": {"rules": [{"claim": "/policy/debug", "equals": false}]},
  "x-snp": {"rules": []}
}})");
    try {
        (void)ccattest::Policy::load(policy);
        BOOST_ERROR("a policy with a duplicate namespace was loaded");
    } catch (const ccattest::ConfigError &e) {
        BOOST_TEST(std::string(e.what()) ==
                   policy.string() + ": line 3, column 9: duplicate member /namespaces/x-snp");
    }
}

BOOST_AUTO_TEST_CASE(site_files_and_drop_ins_refuse_duplicates) {
    const ScratchDir dir;
    const auto site = dir.write("site.json", R"({"site": {"name": "a"}, "site": {"name": "b"}})");
    BOOST_TEST(config_error(site) == site.string() + ": line 1, column 30: duplicate member /site");
    const auto other = dir.write("other/site.json", R"({"site": {"name": "a"}})");
    const auto drop_in = dir.write("other/conf.d/snp.json",
                                   R"({"library": "libcc_snp.so", "critical": false,
                                       "critical": true})");
    BOOST_TEST(config_error(other) ==
               drop_in.string() + ": line 2, column 49: duplicate member /critical");
}

BOOST_AUTO_TEST_CASE(only_bounded_regular_files_are_read) {
    const ScratchDir dir;
    BOOST_TEST(file_error(dir.path() / "absent") ==
               (dir.path() / "absent").string() + ": no such file");
    BOOST_TEST(file_error(dir.path()) == dir.path().string() + ": is a folder, not a regular file");
    BOOST_TEST(file_error("/dev/zero") == "/dev/zero: is a device, not a regular file");
    const auto fifo = dir.path() / "fifo";
    BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    BOOST_TEST(file_error(fifo) == fifo.string() + ": is a FIFO, not a regular file"); // no hang
    const auto big = dir.write("big", std::string(1025, 'x'));
    BOOST_TEST(file_error(big) == big.string() + ": is 1025 bytes, more than the 1024 allowed");
    const auto exact = dir.write("exact", std::string(1024, 'x'));
    BOOST_TEST(file_error(exact) == "read");
    fs::create_symlink(dir.path() / "loop-b", dir.path() / "loop-a");
    fs::create_symlink(dir.path() / "loop-a", dir.path() / "loop-b");
    BOOST_TEST(file_error(dir.path() / "loop-a") ==
               (dir.path() / "loop-a").string() +
                   ": too many levels of symbolic links (a link loop?)");
    BOOST_TEST(ccattest::support::read_text_file(exact, 1024) == std::string(1024, 'x'));
}

BOOST_AUTO_TEST_SUITE_END()
