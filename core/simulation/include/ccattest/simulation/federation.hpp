// The simulated federation behind `ccattest simulate`: one server and its clients, each a real
// CCManager with its own plugins (simulators of the scenario's platforms), policy and state folder,
// exchanging every message as JSON text. It runs the whole flow of DESIGN.md on a scenario and
// records a timeline.
#pragma once

#include "ccattest/core/cc_manager.hpp"

#include <boost/json/value.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ccattest {

struct TimelineEvent {
    int64_t time = 0;  ///< simulated seconds since the start
    std::string phase; ///< bootstrap, registration, deployment, verification, peer, exclusion,
                       ///< scheduling, check
    std::string site;
    std::string message;
};

struct FederationResult {
    std::string job;
    std::string status;                    ///< dispatched, failed, refused, stopped
    std::string reason;                    ///< why, when not dispatched
    std::vector<std::string> participants; ///< clients the job runs on (or ran on)
    int attempts = 0;
    std::vector<TimelineEvent> timeline;
    std::map<std::string, std::string>
        site_state;              ///< site -> accepted / excluded / declined / not deployed
    bool met_expectation = true; ///< when the scenario states one
    std::string expectation_note;

    [[nodiscard]] boost::json::value to_json() const;
};

struct FederationOptions {
    std::filesystem::path plugin_dir;   ///< where the plugins the scenario names are
    std::filesystem::path state_dir;    ///< per-site state and the simulator's keys
    std::filesystem::path scenario_dir; ///< relative policy files resolve here
};

/// Validates a scenario against scenario.schema.json (errors name `origin` and the JSON path).
/// Throws ConfigError.
void validate_scenario(const boost::json::value &scenario, const std::string &origin);

/// Runs a scenario end to end. Throws ConfigError for a bad scenario, std::runtime_error when a
/// site cannot start (its bootstrap fails).
FederationResult run_federation(const boost::json::value &scenario,
                                const FederationOptions &options);

} // namespace ccattest
