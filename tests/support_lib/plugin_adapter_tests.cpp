// support::PluginAdapter: the ABI edge it builds from a class (table, negotiation, argument checks,
// config parsing, guards, outputs in host memory), called through the table as a host would.
#include "fake_host.hpp"

#include <ccattest/support/plugin_adapter.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using ccattest::sdk::failure;
using ccattest::support::Host;
using ccattest::support::PluginAdapter;
using ccattest::support::PluginDescription;
using ccattest::support::ReportData;
using ccattest::support::VerifyRequest;
using support_test::FakeHost;

namespace {

// Every operation, each output kind: bytes (generate), JSON (verify), text (inspect).
class Echo {
public:
    static constexpr PluginDescription description{
        .name = "echo",
        .vendor = "tests",
        .version = "0.0.1",
        .namespace_id = "x-echo",
        .token_format = "echo-v1",
        .evidence_format = "none",
        .description = nullptr,
        .capabilities = CCATTEST_CAP_GENERATE | CCATTEST_CAP_VERIFY | CCATTEST_CAP_SOFTWARE_ONLY,
        .config_schema = R"({"type": "object"})",
    };
    static std::unique_ptr<Echo> create(const boost::json::object &config, const Host &host) {
        auto echo = std::make_unique<Echo>();
        echo->label_ = std::string(config.at("label").as_string()); // missing: a shape error
        echo->can_fetch_ = host.can_fetch();
        host.log(CCATTEST_LOG_INFO, "echo created");
        return echo;
    }
    [[nodiscard]] std::vector<uint8_t> generate(ReportData report_data) const {
        return {report_data.begin(), report_data.end()};
    }
    [[nodiscard]] boost::json::object verify(const VerifyRequest &request) const {
        if (request.token.size() == 1) {
            throw std::runtime_error("one byte is a bug");
        }
        if (request.token.size() != CCATTEST_REPORT_DATA_SIZE) {
            throw failure(CCATTEST_E_MALFORMED, "token is not 64 bytes");
        }
        return {{"label", label_},
                {"can_fetch", can_fetch_},
                {"expected", request.expected_report_data.size()},
                {"time", request.verification_time}};
    }
    [[nodiscard]] std::string inspect(std::span<const uint8_t> token) const {
        return "{\"bytes\":" + std::to_string(token.size()) + "}";
    }

private:
    std::string label_;
    bool can_fetch_ = false;
};

// Verify only, without inspect: the other slots stay NULL.
class VerifyOnly {
public:
    static constexpr PluginDescription description{
        .name = "verify only",
        .vendor = "tests",
        .version = "0.0.1",
        .namespace_id = "x-verify-only",
        .token_format = "t",
        .evidence_format = "e",
        .description = "d",
        .capabilities = CCATTEST_CAP_VERIFY,
        .config_schema = "{}",
    };
    static std::unique_ptr<VerifyOnly> create(const boost::json::object &, const Host &) {
        return std::make_unique<VerifyOnly>();
    }
    [[nodiscard]] boost::json::value verify(const VerifyRequest &) const { return {{"ok", true}}; }
};

template <typename Plugin> const ccattest_plugin_api &load(const FakeHost &host) {
    const ccattest_plugin_api *api = nullptr;
    std::array<char, 256> message{};
    const auto status =
        PluginAdapter<Plugin>::entry(&host.api, &api, message.data(), message.size());
    BOOST_TEST_REQUIRE(status == CCATTEST_OK, message.data());
    return *api;
}

struct Created {
    ccattest_status status;
    std::string message;
    ccattest_instance *instance;
};

Created create(const ccattest_plugin_api &api, const std::string &config) {
    std::array<char, 256> message{};
    ccattest_instance *instance = nullptr;
    const auto status =
        api.create(config.c_str(), config.size(), &instance, message.data(), message.size());
    return {status, message.data(), instance};
}

// An output buffer freed with the fake host's free (malloc).
std::string take(ccattest_buffer &buffer) {
    std::string text(reinterpret_cast<const char *>(buffer.data), buffer.size);
    std::free(buffer.data);
    buffer = {nullptr, 0};
    return text;
}

} // namespace

BOOST_AUTO_TEST_SUITE(plugin_adapter)

BOOST_AUTO_TEST_CASE(table_is_the_description_with_the_slots_the_class_has) {
    static const FakeHost host; // static: the adapter keeps the host (R9)
    const auto &echo = load<Echo>(host);
    BOOST_TEST(echo.struct_size == sizeof(ccattest_plugin_api));
    BOOST_TEST(echo.abi_major == 1u);
    BOOST_TEST(echo.abi_minor == 1u);
    BOOST_TEST(std::string(echo.namespace_id) == "x-echo");
    BOOST_TEST(std::string(echo.config_schema) == R"({"type": "object"})");
    BOOST_TEST(echo.description == nullptr);
    BOOST_TEST(echo.capabilities ==
               (CCATTEST_CAP_GENERATE | CCATTEST_CAP_VERIFY | CCATTEST_CAP_SOFTWARE_ONLY));
    BOOST_TEST((echo.generate != nullptr && echo.verify != nullptr));
    BOOST_TEST((echo.inspect != nullptr && echo.inspect2 != nullptr)); // both, from one inspect

    const auto &only = load<VerifyOnly>(host);
    BOOST_TEST((only.generate == nullptr && only.inspect == nullptr && only.inspect2 == nullptr));
    BOOST_TEST(only.verify != nullptr);
}

BOOST_AUTO_TEST_CASE(negotiation_and_the_fetch_service_by_host_version) {
    static FakeHost old_host(0); // ABI 1.0: no fetch slot to read
    const auto &api = load<Echo>(old_host);
    auto made = create(api, R"({"label": "a"})");
    BOOST_TEST_REQUIRE(made.status == CCATTEST_OK, made.message);
    std::array<uint8_t, 64> token{};
    ccattest_verify_args args{sizeof(args), 0, token.data(), token.size(), nullptr, 42};
    ccattest_buffer out{};
    BOOST_TEST(api.verify(made.instance, &args, &out, nullptr, 0) == CCATTEST_OK);
    BOOST_TEST(take(out) == R"({"label":"a","can_fetch":false,"expected":0,"time":42})");
    api.destroy(made.instance);
    BOOST_TEST(old_host.logs == std::vector<std::string>{"echo created"});

    static const FakeHost new_host(1);
    made = create(load<Echo>(new_host), R"({"label": "b"})");
    args.expected_report_data = token.data();
    BOOST_TEST(api.verify(made.instance, &args, &out, nullptr, 0) == CCATTEST_OK);
    BOOST_TEST(take(out) == R"({"label":"b","can_fetch":true,"expected":64,"time":42})");
    api.destroy(made.instance);

    static FakeHost other_major;
    other_major.api.abi_major = 2;
    const ccattest_plugin_api *refused = &api;
    std::array<char, 128> message{};
    BOOST_TEST(PluginAdapter<Echo>::entry(&other_major.api, &refused, message.data(),
                                          message.size()) == CCATTEST_E_VERSION_MISMATCH);
    BOOST_TEST(refused == nullptr);
    BOOST_TEST(std::string(message.data()) == "plugin speaks ABI 1.0-1.1, host offers ABI 2.0-2.1");
}

BOOST_AUTO_TEST_CASE(config_errors_are_config_errors) {
    static const FakeHost host; // static: the adapter keeps the host (R9)
    const auto &api = load<Echo>(host);
    const auto bad = create(api, R"({"label": "a", "label": "b"})");
    BOOST_TEST(bad.status == CCATTEST_E_CONFIG);
    BOOST_TEST(bad.message.rfind("config: ", 0) == 0u, bad.message);
    BOOST_TEST(bad.message.find("duplicate") != std::string::npos, bad.message);
    BOOST_TEST(bad.instance == nullptr);
    const auto array = create(api, "[1]");
    BOOST_TEST(array.status == CCATTEST_E_CONFIG);
    BOOST_TEST(array.message == "config is not a JSON object");
    const auto shape = create(api, R"({"label": 7})"); // as_string on a number
    BOOST_TEST(shape.status == CCATTEST_E_CONFIG);
    BOOST_TEST(shape.message.rfind("config: ", 0) == 0u, shape.message);
    const auto missing = create(api, "{}");
    BOOST_TEST(missing.status == CCATTEST_E_CONFIG);
    BOOST_TEST(missing.message.rfind("config: ", 0) == 0u, missing.message);
    std::array<char, 64> message{};
    BOOST_TEST(api.create(nullptr, 0, nullptr, message.data(), message.size()) ==
               CCATTEST_E_INVALID_ARGUMENT);
    BOOST_TEST(std::string(message.data()) == "config_json and out_instance must not be NULL");
}

BOOST_AUTO_TEST_CASE(operations_check_arguments_guard_and_hand_over) {
    static const FakeHost host; // static: the adapter keeps the host (R9)
    const auto &api = load<Echo>(host);
    const auto made = create(api, R"({"label": "x"})");
    BOOST_TEST_REQUIRE(made.status == CCATTEST_OK, made.message);
    std::array<uint8_t, 64> data{};
    data.fill(0x5A);
    const ccattest_generate_args generate{sizeof(generate), 0, data.data()};
    ccattest_buffer out{};
    std::array<char, 128> message{};
    BOOST_TEST(api.generate(made.instance, &generate, &out, message.data(), message.size()) ==
               CCATTEST_OK);
    BOOST_TEST(take(out) == std::string(64, 'Z'));
    const ccattest_generate_args no_data{sizeof(no_data), 0, nullptr};
    BOOST_TEST(api.generate(made.instance, &no_data, &out, message.data(), message.size()) ==
               CCATTEST_E_INVALID_ARGUMENT);
    BOOST_TEST(std::string(message.data()) ==
               "instance, args, report_data and the output buffer are required");

    const std::array<uint8_t, 3> short_token{1, 2, 3};
    ccattest_verify_args verify{sizeof(verify),     0,       short_token.data(),
                                short_token.size(), nullptr, 0};
    BOOST_TEST(api.verify(made.instance, &verify, &out, message.data(), message.size()) ==
               CCATTEST_E_MALFORMED);
    BOOST_TEST(std::string(message.data()) == "token is not 64 bytes");
    BOOST_TEST((out.data == nullptr && out.size == 0u));
    verify.token_size = 1; // the class throws something that is not a failure: a bug, contained
    BOOST_TEST(api.verify(made.instance, &verify, &out, message.data(), message.size()) ==
               CCATTEST_E_INTERNAL);
    BOOST_TEST(std::string(message.data()) == "internal error: one byte is a bug");
    verify.struct_size = 8;
    BOOST_TEST(api.verify(made.instance, &verify, &out, message.data(), message.size()) ==
               CCATTEST_E_INVALID_ARGUMENT);

    BOOST_TEST(api.inspect(made.instance, short_token.data(), short_token.size(), &out,
                           message.data(), message.size()) == CCATTEST_OK);
    BOOST_TEST(take(out) == R"({"bytes":3})");
    ccattest_inspect_args inspect{sizeof(inspect), 0, short_token.data(), short_token.size()};
    BOOST_TEST(api.inspect2(made.instance, &inspect, &out, message.data(), message.size()) ==
               CCATTEST_OK);
    BOOST_TEST(take(out) == R"({"bytes":3})");
    inspect.struct_size = 4;
    BOOST_TEST(api.inspect2(made.instance, &inspect, &out, message.data(), message.size()) ==
               CCATTEST_E_INVALID_ARGUMENT);
    BOOST_TEST(std::string(message.data()) ==
               "inspect arguments are missing or too small for ABI 1.1");
    BOOST_TEST(api.inspect(made.instance, nullptr, 0, &out, message.data(), message.size()) ==
               CCATTEST_E_INVALID_ARGUMENT);
    api.destroy(made.instance);
    api.destroy(nullptr); // ignored (authorizer.h)
}

BOOST_AUTO_TEST_SUITE_END()
