// The outcome of a call that is expected to throw sdk::failure, for tests that assert the exact
// status and message.
#pragma once

#include <ccattest/authorizer.hpp>

#include <string>
#include <utility>

namespace ccattest::test {

/// Status and message of a call expected to throw sdk::failure ({CCATTEST_OK, "accepted"} when it
/// does not).
template <typename F> std::pair<ccattest_status, std::string> refusal(F &&call) {
    try {
        call();
    } catch (const ccattest::sdk::failure &e) {
        return {e.status(), e.what()};
    }
    return {CCATTEST_OK, "accepted"};
}

} // namespace ccattest::test
