#include "ccattest/core/logging.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <iostream>
#include <regex>
#include <sstream>

using ccattest::LogFormat;
using ccattest::LogLevel;
namespace logging = ccattest::logging;

namespace {
// Restores a quiet default sink after each test.
struct QuietAfterwards {
    ~QuietAfterwards() { logging::configure(LogLevel::warning, LogFormat::text, std::clog); }
};
} // namespace

BOOST_AUTO_TEST_SUITE(logging_suite)

BOOST_AUTO_TEST_CASE(text_lines_have_time_level_component_and_message) {
    const QuietAfterwards restore;
    std::ostringstream out;
    logging::configure(LogLevel::info, LogFormat::text, out);
    logging::write(LogLevel::debug, "core", "hidden below the level");
    logging::write(LogLevel::warning, "plugin:snp", "vcek expires soon");
    const std::regex line(
        R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z warning \[plugin:snp\] vcek expires soon\n)");
    BOOST_TEST(std::regex_match(out.str(), line), out.str());
}

BOOST_AUTO_TEST_CASE(json_lines_are_one_object_each_and_escaped) {
    const QuietAfterwards restore;
    std::ostringstream out;
    logging::configure(LogLevel::trace, LogFormat::json, out);
    logging::write(LogLevel::trace, "loader", "quote \" and\nnewline");
    logging::write(LogLevel::error, "core", "second");
    std::istringstream lines(out.str());
    std::string first;
    std::string second;
    std::getline(lines, first);
    std::getline(lines, second);
    const auto a = boost::json::parse(first).as_object();
    BOOST_TEST(a.at("level").as_string() == "trace");
    BOOST_TEST(a.at("component").as_string() == "loader");
    BOOST_TEST(a.at("message").as_string() == "quote \" and\nnewline");
    BOOST_TEST(a.at("ts").as_string().size() == 24u);
    BOOST_TEST(boost::json::parse(second).at("level").as_string() == "error");
}

BOOST_AUTO_TEST_CASE(level_names) {
    BOOST_TEST(logging::level_name(LogLevel::trace) == "trace");
    BOOST_TEST(logging::level_name(LogLevel::warning) == "warning");
}

BOOST_AUTO_TEST_SUITE_END()
