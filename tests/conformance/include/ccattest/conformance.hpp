// The ccattest plugin conformance suite, as a library: black-box checks of one authorizer plugin
// (.so), each with a stable id (tests/conformance/README.md lists them). Used by the
// ccattest-conformance runner and, through register_boost_tests, by a vendor's own Boost.Test
// binary.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ccattest::conformance {

struct Options {
    std::filesystem::path plugin;   ///< the plugin's shared object
    std::string config_json = "{}"; ///< a valid config for create
    bool allow_simulated = false;   ///< the config lets the plugin use its simulator
    /// For plugins that cannot generate here: a valid token and the report data it binds.
    std::optional<std::vector<uint8_t>> token;
    std::optional<std::array<uint8_t, 64>> token_report_data;
    int64_t verification_time = 0; ///< 0: now
};

enum class Outcome { pass, fail, skip };

struct CheckResult {
    std::string id;
    std::string title;
    Outcome outcome = Outcome::skip;
    std::string detail; ///< why it failed or was skipped, or what was observed
};

struct CheckInfo {
    const char *id;
    const char *title;
};

/// Every check, in the order they run.
const std::vector<CheckInfo> &checks();

/// Runs every check against the plugin. Never throws for the plugin's misbehaviour; a crash inside
/// a check ends the process (the runner isolates each run in a child process for that reason).
std::vector<CheckResult> run_all(const Options &options);

/// JUnit XML and JSON reports of results.
std::string junit_xml(const std::vector<CheckResult> &results, const std::string &suite);
std::string json_report(const std::vector<CheckResult> &results, const Options &options);

/// "pass", "fail", "skip".
const char *outcome_name(Outcome outcome);

/// Adds one Boost.Test case per check to the master suite (call from init_unit_test or a global
/// fixture). A check that fails fails its test case with the detail; a skipped one passes with a
/// message.
void register_boost_tests(const Options &options);

} // namespace ccattest::conformance
