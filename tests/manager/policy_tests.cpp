#include "ccattest/core/config.hpp"
#include "ccattest/core/policy.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

using ccattest::ConfigError;
using ccattest::Policy;
namespace json = boost::json;

namespace {

Policy policy_of(const char *text) {
    return Policy::parse(json::parse(text), "policy.json");
}

std::vector<std::string> messages(const Policy &policy, const char *claims) {
    std::vector<std::string> out;
    for (const auto &f :
         policy.appraise("site-a", "x-snp", json::parse(claims).as_object()).failures) {
        out.push_back(f.message());
    }
    return out;
}

std::vector<std::string> config_errors(const char *text) {
    try {
        (void)policy_of(text);
    } catch (const ConfigError &e) {
        return e.problems();
    }
    return {};
}

using Lines = std::vector<std::string>;

const char *rules = R"({"namespaces": {"x-snp": {"rules": [
    {"claim": "/policy/debug", "equals": false, "why": "no debugging"},
    {"claim": "/measurement", "one_of": ["aa", "bb"]},
    {"claim": "/guest_svn", "min": 2},
    {"claim": "/vmpl", "max": 0},
    {"claim": "/reported_tcb", "min_tcb": {"bootloader": 3, "snp": 8}},
    {"claim": "/policy/raw", "bits_clear": 524288},
    {"claim": "/policy/raw", "bits_set": 131072}
]}}})";

} // namespace

BOOST_AUTO_TEST_SUITE(policy)

// The expected messages are long literals split across lines, which clang-tidy mistakes for a
// missing comma. NOLINTBEGIN(bugprone-suspicious-missing-comma)
BOOST_AUTO_TEST_CASE(every_operator_passes_and_fails_with_an_explanation) {
    const Policy policy = policy_of(rules);
    BOOST_TEST(messages(policy, R"({"policy": {"debug": false, "raw": 196608}, "measurement": "bb",
        "guest_svn": 2, "vmpl": 0, "reported_tcb": {"bootloader": 3, "tee": 0, "snp": 9}})")
                   .empty());
    BOOST_TEST(messages(policy, R"({"policy": {"debug": true, "raw": 720896}, "measurement": "cc",
        "guest_svn": 1, "vmpl": 1, "reported_tcb": {"bootloader": 2, "snp": 8}})") ==
                   (Lines{"site-a: x-snp: /policy/debug equals false: expected false, got true (no "
                          "debugging)",
                          "site-a: x-snp: /measurement one_of [\"aa\",\"bb\"]: expected one of "
                          "[\"aa\",\"bb\"], got \"cc\"",
                          "site-a: x-snp: /guest_svn min 2: expected >= 2, got 1",
                          "site-a: x-snp: /vmpl max 0: expected <= 0, got 1",
                          "site-a: x-snp: /reported_tcb min_tcb {\"bootloader\":3,\"snp\":8}: "
                          "expected bootloader >= 3, got bootloader 2",
                          "site-a: x-snp: /policy/raw bits_clear 524288: expected bits_clear "
                          "524288, got 720896"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(fail_closed_on_absent_claims_and_type_mismatches) {
    const Policy policy = policy_of(rules);
    const auto out = messages(policy, R"({"policy": {"debug": "no", "raw": "x"}, "guest_svn": "2",
        "vmpl": 0, "reported_tcb": 5})");
    BOOST_TEST(
        out == (Lines{"site-a: x-snp: /policy/debug equals false: expected false, got \"no\" "
                      "(another type) (no debugging)",
                      "site-a: x-snp: /measurement one_of [\"aa\",\"bb\"]: expected "
                      "[\"aa\",\"bb\"], got no such claim",
                      "site-a: x-snp: /guest_svn min 2: expected >= 2, got \"2\" (not a number)",
                      "site-a: x-snp: /reported_tcb min_tcb {\"bootloader\":3,\"snp\":8}: expected "
                      "a TCB at least {\"bootloader\":3,\"snp\":8}, got 5 (not an object)",
                      "site-a: x-snp: /policy/raw bits_clear 524288: expected bits_clear 524288, "
                      "got \"x\" (not an integer)",
                      "site-a: x-snp: /policy/raw bits_set 131072: expected bits_set 131072, got "
                      "\"x\" (not an integer)"}),
        boost::test_tools::per_element());
}

// 64-bit claims compare exactly: through double, 2^53 + 1 would equal 2^53 and a claim above
// INT64_MAX would not convert at all.
BOOST_AUTO_TEST_CASE(integers_compare_exactly_beyond_double_precision) {
    const Policy policy = policy_of(R"({"namespaces": {"x-snp": {"rules": [
        {"claim": "/word", "equals": 9007199254740993},
        {"claim": "/huge", "min": 18446744073709551615},
        {"claim": "/negative", "max": -9223372036854775808},
        {"claim": "/ratio", "one_of": [1.5, 2]},
        {"claim": "/tcb", "min_tcb": {"snp": 8}}
    ]}}})");
    BOOST_TEST(messages(policy, R"({"word": 9007199254740993, "huge": 18446744073709551615,
        "negative": -9223372036854775808, "ratio": 2.0, "tcb": {"snp": 18446744073709551615}})")
                   .empty());
    BOOST_TEST(messages(policy, R"({"word": 9007199254740992, "huge": 18446744073709551614,
        "negative": -9223372036854775807, "ratio": 1.4999999999999998, "tcb": {"snp": 7}})") ==
               (Lines{"site-a: x-snp: /word equals 9007199254740993: expected 9007199254740993, "
                      "got 9007199254740992",
                      "site-a: x-snp: /huge min 18446744073709551615: expected >= "
                      "18446744073709551615, got 18446744073709551614",
                      "site-a: x-snp: /negative max -9223372036854775808: expected <= "
                      "-9223372036854775808, got -9223372036854775807",
                      "site-a: x-snp: /ratio one_of [1.5E0,2]: expected one of [1.5E0,2], got "
                      "1.4999999999999998E0",
                      "site-a: x-snp: /tcb min_tcb {\"snp\":8}: expected snp >= 8, got snp 7"}));
}

// NOLINTEND(bugprone-suspicious-missing-comma)

BOOST_AUTO_TEST_CASE(unknown_namespaces_are_refused) {
    const Policy policy = policy_of(rules);
    const auto result = policy.appraise("site-a", "x-tdx", json::object{});
    BOOST_TEST(!result.accepted);
    BOOST_TEST(
        result.failures.at(0).message() ==
        "site-a: x-tdx: namespace not in this policy (this site's policy has no rules for it)");
}

BOOST_AUTO_TEST_CASE(required_namespaces_exemptions_and_expiration) {
    const Policy policy =
        policy_of(R"({"required_namespaces": {"client": ["x-snp"]}, "exempt_sites": ["old"],
        "namespaces": {"x-snp": {"token_expiration": 60, "rules": []}}})");
    BOOST_TEST(policy.required_namespaces("new", "client") == Lines{"x-snp"},
               boost::test_tools::per_element());
    BOOST_TEST(policy.required_namespaces("old", "client").empty());
    BOOST_TEST(policy.required_namespaces("new", "server").empty());
    BOOST_TEST(*policy.token_expiration("x-snp") == 60);
    BOOST_TEST(!policy.token_expiration("x-tdx").has_value());
}

BOOST_AUTO_TEST_CASE(malformed_policies_name_file_and_path) {
    BOOST_TEST(config_errors(
                   R"({"namespaces": {"x-snp": {"rules": [{"claim": "debug", "equals": 1}]}}})") ==
                   (Lines{"policy.json: /namespaces/x-snp/rules/0/claim: expected a JSON Pointer "
                          "such as /policy/debug"}),
               boost::test_tools::per_element());
    BOOST_TEST(
        config_errors(
            R"({"namespaces": {"x-snp": {"rules": [{"claim": "/a", "equals": 1, "min": 0}]}}})") ==
            (Lines{"policy.json: /namespaces/x-snp/rules/0: a rule needs exactly one of equals, "
                   "one_of, min, max, min_tcb, bits_clear, bits_set"}),
        boost::test_tools::per_element());
    BOOST_TEST(
        config_errors(R"({"required_namespaces": {"client": ["x-tdx"]}, "namespaces": {}})") ==
            (Lines{"policy.json: /required_namespaces/client: requires x-tdx, which has no rules "
                   "under /namespaces"}),
        boost::test_tools::per_element());
    // Replay records are kept for one day at most: a longer token lifetime could outlive them.
    BOOST_TEST(
        config_errors(R"({"namespaces": {"x-snp": {"token_expiration": 86401, "rules": []}}})") ==
            (Lines{"policy.json: /namespaces/x-snp/token_expiration: expected a number <= 86400, "
                   "got 86401"}),
        boost::test_tools::per_element());
    BOOST_TEST(config_errors(R"({"namespaces": {}, "strict": true})") ==
                   (Lines{"policy.json: /strict: unknown key"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(shipped_policies_load) {
    BOOST_CHECK_NO_THROW((void)Policy::load(std::string(POLICIES) + "/snp-production.json"));
    BOOST_CHECK_NO_THROW((void)Policy::load(std::string(POLICIES) + "/snp-simulator-demo.json"));
    BOOST_CHECK_NO_THROW((void)Policy::load(std::string(POLICIES) + "/tdx-production.json"));
    BOOST_CHECK_NO_THROW((void)Policy::load(std::string(POLICIES) + "/tdx-simulator-demo.json"));
    BOOST_CHECK_NO_THROW((void)Policy::load(std::string(POLICIES) + "/mixed-simulator-demo.json"));
}

BOOST_AUTO_TEST_SUITE_END()
