// The conformance checks as Boost.Test cases, for a vendor's own test binary.
#include "ccattest/conformance.hpp"

#include <boost/test/unit_test.hpp>

#include <memory>
#include <mutex>

namespace ccattest::conformance {

void register_boost_tests(const Options &options) {
    // The checks share one session (one load, one token): run them once, on the first test case.
    auto shared = std::make_shared<std::pair<std::once_flag, std::vector<CheckResult>>>();
    auto *suite = BOOST_TEST_SUITE("ccattest_conformance");
    for (size_t index = 0; index < checks().size(); ++index) {
        const std::string name = checks()[index].id;
        suite->add(boost::unit_test::make_test_case(
            [shared, options, index] {
                std::call_once(shared->first, [&] { shared->second = run_all(options); });
                const CheckResult &result = shared->second.at(index);
                BOOST_TEST_MESSAGE(result.id
                                   << " " << result.title << ": " << outcome_name(result.outcome)
                                   << (result.detail.empty() ? "" : " (" + result.detail + ")"));
                BOOST_TEST((result.outcome != Outcome::fail), result.id << ": " << result.detail);
            },
            name, __FILE__, __LINE__));
    }
    boost::unit_test::framework::master_test_suite().add(suite);
}

} // namespace ccattest::conformance
