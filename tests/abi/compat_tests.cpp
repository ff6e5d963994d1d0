// ABI compatibility through the real loader: a plugin binary built from the frozen 1.0 header loads
// into this 1.1 host, negotiates 1.0 and works; a 1.1 plugin sees the network service only when
// the host offers one, works offline without it, and reports a failing service as a clear error.
#define BOOST_TEST_MODULE abi_compat
#include <boost/test/unit_test.hpp>

#include "ccattest/core/logging.hpp"
#include "ccattest/core/network.hpp"
#include "ccattest/core/plugin_library.hpp"

#include <boost/asio.hpp>
#include <boost/json.hpp>

#include <array>
#include <atomic>
#include <memory>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>

namespace json = boost::json;
using ccattest::Authorizer;
using ccattest::PluginLibrary;

namespace {

constexpr const char *plugin_1_0 = COMPAT_PLUGIN_1_0;
constexpr const char *plugin_fetch = COMPAT_PLUGIN_FETCH;

std::shared_ptr<PluginLibrary> open(const char *path,
                                    std::shared_ptr<ccattest::net::FetchService> network = {}) {
    PluginLibrary::Options options{"compat", path, std::nullopt};
    options.network = std::move(network);
    return PluginLibrary::open(std::move(options));
}

std::unique_ptr<Authorizer> instance(std::shared_ptr<PluginLibrary> library,
                                     const json::object &config = {}) {
    return std::make_unique<Authorizer>(std::move(library), config, "compat.json",
                                        "/plugins/compat");
}

json::object claims_of(const ccattest::OperationResult &result) {
    return json::parse(std::string(result.output.begin(), result.output.end())).as_object();
}

std::array<uint8_t, 64> report_data(uint8_t seed) {
    std::array<uint8_t, 64> data{};
    for (size_t i = 0; i < data.size(); ++i) {
        data[i] = static_cast<uint8_t>(seed + i);
    }
    return data;
}

std::span<const uint8_t, 64> expect(const std::array<uint8_t, 64> &data) {
    return std::span<const uint8_t, 64>(data);
}

// Captures the log for the lifetime of the object.
class CapturedLog {
public:
    CapturedLog() {
        ccattest::logging::configure(ccattest::LogLevel::info, ccattest::LogFormat::text, text_);
    }
    ~CapturedLog() {
        ccattest::logging::configure(ccattest::LogLevel::warning, ccattest::LogFormat::text,
                                     std::clog);
    }
    CapturedLog(const CapturedLog &) = delete;
    CapturedLog &operator=(const CapturedLog &) = delete;
    [[nodiscard]] std::string str() const { return text_.str(); }

private:
    std::ostringstream text_;
};

// A loopback HTTP server answering every request with one fixed 200 response; counts requests.
// Bounded: it serves at most `limit` connections, each read with a deadline, then stops.
class LoopbackServer {
public:
    explicit LoopbackServer(std::string body, int limit = 4)
        : acceptor_(context_, {boost::asio::ip::make_address("127.0.0.1"), 0}),
          port_(acceptor_.local_endpoint().port()), body_(std::move(body)) {
        thread_ = std::thread([this, limit] { serve(limit); });
    }
    ~LoopbackServer() {
        stopping_ = true;
        boost::system::error_code ignored;
        // Wakes a blocked accept with a connection of our own.
        boost::asio::ip::tcp::socket poke(context_);
        poke.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ignored);
        thread_.join();
    }
    LoopbackServer(const LoopbackServer &) = delete;
    LoopbackServer &operator=(const LoopbackServer &) = delete;

    [[nodiscard]] std::string url(const std::string &path) const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }
    [[nodiscard]] int requests() const { return requests_.load(); }

private:
    void serve(int limit) {
        for (int served = 0; served < limit && !stopping_; ++served) {
            boost::system::error_code ec;
            boost::asio::ip::tcp::socket socket(context_);
            acceptor_.accept(socket, ec);
            if (ec || stopping_) {
                return;
            }
            // Reads the request head (GET has no body), bounded by a receive timeout.
            const timeval deadline{5, 0};
            ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &deadline,
                         sizeof deadline);
            std::string head;
            std::array<char, 1024> chunk{};
            while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536) {
                const size_t n = socket.read_some(boost::asio::buffer(chunk), ec);
                if (ec) {
                    break;
                }
                head.append(chunk.data(), n);
            }
            if (head.find("\r\n\r\n") == std::string::npos) {
                continue;
            }
            ++requests_;
            const std::string response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                         "Cache-Control: max-age=60\r\nContent-Length: " +
                                         std::to_string(body_.size()) +
                                         "\r\nConnection: close\r\n\r\n" + body_;
            boost::asio::write(socket, boost::asio::buffer(response), ec);
        }
    }

    boost::asio::io_context context_;
    boost::asio::ip::tcp::acceptor acceptor_;
    uint16_t port_; // read once: the serving thread owns the acceptor afterwards
    std::string body_;
    std::atomic<bool> stopping_{false};
    std::atomic<int> requests_{0};
    std::thread thread_;
};

} // namespace

BOOST_AUTO_TEST_CASE(a_1_0_binary_loads_and_negotiates_1_0) {
    const auto library = open(plugin_1_0);
    BOOST_TEST(library->negotiated_minor() == 0);
    const auto &api = library->api();
    BOOST_TEST(api.abi_major == 1);
    BOOST_TEST(api.abi_minor == 0);
    // Built from the 1.0 header: its table ends at inspect, so inspect2 reads as NULL here.
    BOOST_TEST(api.struct_size == CCATTEST_PLUGIN_API_SIZE_1_0);
    BOOST_TEST(api.struct_size < sizeof(ccattest_plugin_api));
    BOOST_TEST(api.inspect != nullptr);
    BOOST_TEST(api.inspect2 == nullptr);
    BOOST_TEST(std::string(api.namespace_id) == "x-compat-abi10");
    BOOST_TEST(library->warnings().empty());
}

BOOST_AUTO_TEST_CASE(a_1_0_binary_generates_and_verifies_with_this_host) {
    const auto authorizer = instance(open(plugin_1_0));
    const auto data = report_data(0x10);
    const auto token = authorizer->generate(data);
    BOOST_REQUIRE(token.ok());
    BOOST_TEST(token.output.size() == 68u);
    BOOST_TEST(std::string(token.output.begin(), token.output.begin() + 4) == "C10:");

    const auto verified = authorizer->verify(token.output, expect(data), 0);
    BOOST_REQUIRE(verified.ok());
    const auto claims = claims_of(verified);
    BOOST_TEST(claims.at("built_for_abi").as_string() == "1.0");
    // The plugin was handed this host's larger 1.1 table and read only its 1.0 part.
    BOOST_TEST(claims.at("host_api_size").as_int64() ==
               static_cast<int64_t>(sizeof(ccattest_host_api)));
    BOOST_TEST(claims.at("evidence_digest").as_string().size() == 64u);

    const auto other = report_data(0x20);
    const auto mismatch = authorizer->verify(token.output, expect(other), 0);
    BOOST_TEST(mismatch.status == CCATTEST_E_BINDING_MISMATCH);
    BOOST_TEST(mismatch.message == "compat 1.0: the token carries other report data");

    const std::vector<uint8_t> garbage = {'n', 'o', 'p', 'e'};
    const auto malformed = authorizer->verify(garbage, std::nullopt, 0);
    BOOST_TEST(malformed.status == CCATTEST_E_MALFORMED);
    BOOST_TEST(malformed.message == "compat 1.0: a token is \"C10:\" and 64 bytes of report data");
}

BOOST_AUTO_TEST_CASE(a_1_0_binary_is_inspected_through_its_1_0_slot) {
    const CapturedLog log;
    const auto authorizer = instance(open(plugin_1_0));
    const auto data = report_data(0x30);
    const auto token = authorizer->generate(data);
    BOOST_REQUIRE(token.ok());
    const auto described = authorizer->inspect(token.output);
    BOOST_REQUIRE(described.ok());
    BOOST_TEST(std::string(described.output.begin(), described.output.end()) ==
               R"({"format":"compat-1.0","report_data_size":64})");
    BOOST_TEST(log.str().find("[plugin:compat] compat 1.0 inspect called") != std::string::npos);

    const std::vector<uint8_t> garbage(68, 'x');
    const auto refused = authorizer->inspect(garbage);
    BOOST_TEST(refused.status == CCATTEST_E_MALFORMED);
    BOOST_TEST(refused.message == "compat 1.0: a token is \"C10:\" and 64 bytes of report data");
}

BOOST_AUTO_TEST_CASE(a_1_1_plugin_without_a_network_service_works_offline) {
    const auto library = open(plugin_fetch);
    BOOST_TEST(library->negotiated_minor() == 1);
    BOOST_TEST(library->host_api().fetch == nullptr);
    BOOST_TEST(library->host_api().cache_validity == nullptr);
    // Even with a collateral URL configured: no service, so the plugin verifies offline.
    const auto authorizer =
        instance(library, {{"collateral_url", "http://127.0.0.1:9/collateral"}});
    const auto data = report_data(0x40);
    const auto token = authorizer->generate(data);
    BOOST_REQUIRE(token.ok());
    const auto verified = authorizer->verify(token.output, expect(data), 0);
    BOOST_REQUIRE(verified.ok());
    const auto claims = claims_of(verified);
    BOOST_TEST(claims.at("fetch_offered").as_bool() == false);
    BOOST_TEST(json::serialize(claims.at("collateral")) == R"({"fetched":false})");
}

BOOST_AUTO_TEST_CASE(a_1_1_plugin_sees_a_failing_service_as_a_clear_error) {
    // An offline site: the service exists, so fetch is offered, and it refuses every request.
    auto service = std::make_shared<ccattest::net::FetchService>(ccattest::net::NetworkConfig{},
                                                                 std::filesystem::path());
    const auto library = open(plugin_fetch, service);
    BOOST_TEST(library->host_api().fetch != nullptr);
    BOOST_TEST(library->host_api().cache_validity != nullptr);
    const std::string url = "http://127.0.0.1:9/collateral";
    const auto authorizer = instance(library, {{"collateral_url", url}});
    const auto data = report_data(0x50);
    const auto token = authorizer->generate(data);
    BOOST_REQUIRE(token.ok());
    const auto verified = authorizer->verify(token.output, expect(data), 0);
    BOOST_TEST(verified.status == CCATTEST_E_UNSUPPORTED);
    BOOST_TEST(verified.message == "compat fetch: fetching " + url +
                                       " failed (unsupported): network.mode is offline: " + url +
                                       " not fetched");
    BOOST_TEST(verified.output.empty());
    BOOST_TEST(service->network_requests() == 0u);

    // Without a collateral URL the same plugin on the same host needs no fetch and verifies.
    const auto offline = instance(library);
    const auto claims = claims_of(offline->verify(token.output, expect(data), 0));
    BOOST_TEST(claims.at("fetch_offered").as_bool() == true);
    BOOST_TEST(json::serialize(claims.at("collateral")) == R"({"fetched":false})");
}

BOOST_AUTO_TEST_CASE(a_1_1_plugin_fetches_through_the_service_when_offered) {
    const std::string body = "compat collateral v1";
    LoopbackServer server(body);
    ccattest::net::NetworkConfig config;
    config.mode = ccattest::net::NetworkConfig::Mode::online;
    config.allowed_hosts["x-compat-fetch"] = {"127.0.0.1"};
    config.timeout = std::chrono::milliseconds(5000);
    auto service = std::make_shared<ccattest::net::FetchService>(config, std::filesystem::path());
    const auto authorizer =
        instance(open(plugin_fetch, service), {{"collateral_url", server.url("/collateral")}});
    const auto data = report_data(0x60);
    const auto token = authorizer->generate(data);
    BOOST_REQUIRE(token.ok());
    const auto verified = authorizer->verify(token.output, expect(data), 0);
    BOOST_REQUIRE_MESSAGE(verified.ok(), verified.message);
    const auto claims = claims_of(verified);
    BOOST_TEST(claims.at("fetch_offered").as_bool() == true);
    BOOST_TEST(json::serialize(claims.at("collateral")) ==
               R"({"fetched":true,"http_status":200,"bytes":)" + std::to_string(body.size()) + "}");
    BOOST_TEST(server.requests() == 1);
    BOOST_TEST(service->network_requests() == 1u);
}
