// HttpClient against the loopback server: TLS verification, limits, timeouts, redirects, proxy.
#include "net_fixture.hpp"

#include <boost/test/unit_test.hpp>

using ccattest::net::FetchError;
using ccattest::net::HttpClient;
using ccattest::net::HttpRequest;
using ccattest::net::NetworkConfig;
using ccattest::test::fetch_error;
using ccattest::test::NetFixture;
using ccattest::test::Reply;
using ccattest::test::Server;
using Clock = std::chrono::steady_clock;

namespace {

HttpRequest http_get(const std::string &url) {
    HttpRequest request;
    request.url = url;
    return request;
}

Server::Handler text(const std::string &body) {
    return [body](const Server::Request &) {
        return Reply{200, body, {{"content-type", "text/plain"}, {"x-private", "dropped"}}};
    };
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(client, NetFixture)

BOOST_AUTO_TEST_CASE(https_get_returns_status_body_and_end_to_end_headers) {
    server.handle("/doc", [](const Server::Request &request) {
        return Reply{200,
                     "collateral for " + request.target,
                     {{"Content-Type", "application/pkix-cert"},
                      {"Cache-Control", "max-age=60"},
                      {"ETag", "\"v1\""},
                      {"Set-Cookie", "not=kept"},
                      {"TCB-Info-Issuer-Chain", "-----BEGIN%20CERTIFICATE-----"}}};
    });
    const HttpClient client(config);
    const auto response = client.perform(http_get(server.url("/doc?x=1")));
    BOOST_TEST(response.status == 200u);
    BOOST_TEST(response.body == "collateral for /doc?x=1");
    BOOST_TEST(response.final_url == server.url("/doc?x=1"));
    using Headers = std::vector<std::pair<std::string, std::string>>;
    BOOST_TEST(
        (response.headers == Headers{{"content-type", "application/pkix-cert"},
                                     {"cache-control", "max-age=60"},
                                     {"etag", "\"v1\""},
                                     {"tcb-info-issuer-chain", "-----BEGIN%20CERTIFICATE-----"}}));
    BOOST_TEST(*response.header("Cache-Control") == "max-age=60");
    BOOST_TEST(!response.header("set-cookie"));
}

BOOST_AUTO_TEST_CASE(ip_address_urls_are_verified_against_the_certificate_address) {
    server.handle("/ip", text("by address"));
    const HttpClient client(config);
    BOOST_TEST(client.perform(http_get(server.url("/ip", "127.0.0.1"))).body == "by address");
}

BOOST_AUTO_TEST_CASE(another_servers_certificate_is_refused) {
    Server other; // its own CA, which the client does not trust
    other.handle("/doc", text("must not be read"));
    const HttpClient client(config);
    const auto error = fetch_error([&] { (void)client.perform(http_get(other.url("/doc"))); });
    BOOST_TEST(error.status() == CCATTEST_E_IO);
    BOOST_TEST(std::string(error.what()) ==
               other.url("/doc") + ": TLS handshake failed: certificate verify failed (unable "
                                   "to get local issuer certificate)");
    BOOST_TEST(other.request_count("/doc") == 0u);
}

BOOST_AUTO_TEST_CASE(a_certificate_for_another_name_is_refused) {
    Server other(Server::Options{true, {"kds.example.com"}, false});
    config.ca_file = other.write_ca_file(scratch.path());
    const HttpClient client(config);
    const auto by_name = fetch_error([&] { (void)client.perform(http_get(other.url("/x"))); });
    BOOST_TEST(by_name.status() == CCATTEST_E_IO);
    BOOST_TEST(std::string(by_name.what()) ==
               other.url("/x") + ": TLS handshake failed: certificate verify failed (hostname "
                                 "mismatch)");
    const auto by_ip =
        fetch_error([&] { (void)client.perform(http_get(other.url("/x", "127.0.0.1"))); });
    BOOST_TEST(std::string(by_ip.what()) ==
               other.url("/x", "127.0.0.1") +
                   ": TLS handshake failed: certificate verify failed (IP address mismatch)");
}

BOOST_AUTO_TEST_CASE(the_system_store_does_not_trust_the_test_ca) {
    server.handle("/doc", text("x"));
    config.ca_file.reset();
    const HttpClient client(config);
    const auto error = fetch_error([&] { (void)client.perform(http_get(server.url("/doc"))); });
    BOOST_TEST(error.status() == CCATTEST_E_IO);
    BOOST_TEST(std::string(error.what()).find("certificate verify failed") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unusable_trust_or_proxy_settings_are_config_errors) {
    config.ca_file = scratch.write("not-a-ca.pem", "no certificate here\n");
    const auto bad_ca = fetch_error([&] { HttpClient client(config); });
    BOOST_TEST(bad_ca.status() == CCATTEST_E_CONFIG);
    BOOST_TEST(
        std::string(bad_ca.what())
            .rfind("network.ca_file " + config.ca_file->string() + ": no usable PEM certificate",
                   0) == 0);
    config.ca_file = scratch.path() / "missing.pem";
    const auto missing = fetch_error([&] { HttpClient client(config); });
    BOOST_TEST(missing.status() == CCATTEST_E_CONFIG);
    BOOST_TEST(std::string(missing.what()).rfind("network.ca_file: ", 0) == 0);
    config.ca_file.reset();
    config.proxy = "https://proxy.example:3128";
    const auto proxy = fetch_error([&] { HttpClient client(config); });
    BOOST_TEST(proxy.status() == CCATTEST_E_CONFIG);
    BOOST_TEST(std::string(proxy.what()) ==
               "network.proxy \"https://proxy.example:3128\": expected http://host:port (a "
               "plain-HTTP proxy, no path)");
}

BOOST_AUTO_TEST_CASE(an_oversized_response_is_refused) {
    server.handle("/huge", text(std::string(size_t{64} * 1024, 'x')));
    server.handle("/fits", text(std::string(1024, 'y')));
    config.max_response_bytes = 1024;
    const HttpClient client(config);
    BOOST_TEST(client.perform(http_get(server.url("/fits"))).body.size() == 1024u);
    const auto error = fetch_error([&] { (void)client.perform(http_get(server.url("/huge"))); });
    BOOST_TEST(error.status() == CCATTEST_E_NO_MEMORY);
    BOOST_TEST(std::string(error.what()) ==
               server.url("/huge") + ": response larger than 1024 bytes");
}

BOOST_AUTO_TEST_CASE(a_slow_server_times_out) {
    server.handle("/slow", [](const Server::Request &) {
        return Reply{200, "late", {}, std::chrono::milliseconds(3000)};
    });
    const HttpClient client(config);
    auto request = http_get(server.url("/slow"));
    request.timeout = std::chrono::milliseconds(300);
    const auto started = Clock::now();
    const auto error = fetch_error([&] { (void)client.perform(request); });
    const auto waited = Clock::now() - started;
    BOOST_TEST(error.status() == CCATTEST_E_TIMEOUT);
    BOOST_TEST(std::string(error.what()) ==
               server.url("/slow") + ": reading the response: no answer within 300 ms");
    BOOST_TEST(waited >= std::chrono::milliseconds(300));
    BOOST_TEST(waited < std::chrono::milliseconds(2000));
}

BOOST_AUTO_TEST_CASE(the_request_cannot_wait_longer_than_the_configured_timeout) {
    server.handle("/slow", [](const Server::Request &) {
        return Reply{200, "late", {}, std::chrono::milliseconds(3000)};
    });
    config.timeout = std::chrono::milliseconds(200);
    const HttpClient client(config);
    auto request = http_get(server.url("/slow"));
    request.timeout = std::chrono::milliseconds(60000);
    const auto error = fetch_error([&] { (void)client.perform(request); });
    BOOST_TEST(std::string(error.what()) ==
               server.url("/slow") + ": reading the response: no answer within 200 ms");
}

BOOST_AUTO_TEST_CASE(a_closed_port_is_an_io_error) {
    std::string url;
    {
        Server gone;
        url = gone.url("/x", "127.0.0.1");
    }
    const HttpClient client(config);
    const auto error = fetch_error([&] { (void)client.perform(http_get(url)); });
    BOOST_TEST(error.status() == CCATTEST_E_IO);
    BOOST_TEST(std::string(error.what()).find(": connecting to 127.0.0.1:") != std::string::npos);
    BOOST_TEST(std::string(error.what()).find("Connection refused") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(redirects_are_followed_within_the_bound) {
    server.handle("/old", [](const Server::Request &) {
        return Reply{301, "", {{"location", "/middle"}}};
    });
    server.handle("/middle", [](const Server::Request &) {
        return Reply{307, "", {{"location", "new?v=2"}}};
    });
    server.handle("/new", text("moved here"));
    server.handle("/loop", [](const Server::Request &) {
        return Reply{302, "", {{"location", "/loop"}}};
    });
    const HttpClient client(config);
    const auto response = client.perform(http_get(server.url("/old")));
    BOOST_TEST(response.body == "moved here");
    BOOST_TEST(response.final_url == server.url("/new?v=2"));
    const auto error = fetch_error([&] { (void)client.perform(http_get(server.url("/loop"))); });
    BOOST_TEST(error.status() == CCATTEST_E_IO);
    BOOST_TEST(std::string(error.what()) ==
               server.url("/loop") + ": too many redirects (more than 3)");
    BOOST_TEST(server.request_count("/loop") == 4u);
}

BOOST_AUTO_TEST_CASE(https_is_never_redirected_to_http) {
    Server plain(Server::Options{false, {}, false});
    plain.handle("/doc", text("over plain http"));
    server.handle("/down", [&plain](const Server::Request &) {
        return Reply{302, "", {{"location", plain.url("/doc")}}};
    });
    const HttpClient client(config);
    const auto error = fetch_error([&] { (void)client.perform(http_get(server.url("/down"))); });
    BOOST_TEST(error.status() == CCATTEST_E_IO);
    BOOST_TEST(std::string(error.what()) ==
               server.url("/down") + ": redirect from https to http refused: " + plain.url("/doc"));
    BOOST_TEST(plain.request_count("/doc") == 0u);
    // Plain http:// is used when the URL itself says so.
    BOOST_TEST(client.perform(http_get(plain.url("/doc"))).body == "over plain http");
}

BOOST_AUTO_TEST_CASE(post_sends_body_and_type_and_303_continues_with_get) {
    server.handle("/submit", [](const Server::Request &request) {
        if (request.method != "POST" || request.body != "{\"q\":1}" ||
            request.header("content-type") != "application/json") {
            return Reply{400, "unexpected request"};
        }
        return Reply{303, "", {{"location", "/result"}}};
    });
    server.handle("/result", [](const Server::Request &request) {
        return Reply{200,
                     request.method + " with " + std::to_string(request.body.size()) + " bytes"};
    });
    const HttpClient client(config);
    HttpRequest request = http_get(server.url("/submit"));
    request.method = "POST";
    request.body = "{\"q\":1}";
    request.content_type = "application/json";
    BOOST_TEST(client.perform(request).body == "GET with 0 bytes");
}

BOOST_AUTO_TEST_CASE(https_goes_through_the_configured_proxy_with_connect) {
    Server proxy(Server::Options{false, {}, true});
    server.handle("/doc", text("through the tunnel"));
    config.proxy = "http://127.0.0.1:" + std::to_string(proxy.port());
    const HttpClient client(config);
    BOOST_TEST(client.perform(http_get(server.url("/doc"))).body == "through the tunnel");
    BOOST_TEST((proxy.connect_targets() ==
                std::vector<std::string>{"localhost:" + std::to_string(server.port())}));
    BOOST_TEST(server.request_count("/doc") == 1u);
}

BOOST_AUTO_TEST_CASE(plain_http_goes_to_the_proxy_in_absolute_form) {
    Server proxy(Server::Options{false, {}, true});
    proxy.handle("http://kds.example.com/vcek/v1/Milan", [](const Server::Request &request) {
        return Reply{200, "proxy got " + request.target + " for " +
                              request.header("host").value_or("no host")};
    });
    config.proxy = "http://127.0.0.1:" + std::to_string(proxy.port());
    const HttpClient client(config);
    BOOST_TEST(client.perform(http_get("http://kds.example.com/vcek/v1/Milan?x=1")).body ==
               "proxy got http://kds.example.com/vcek/v1/Milan?x=1 for kds.example.com");
}

BOOST_AUTO_TEST_CASE(a_proxy_refusing_the_tunnel_is_reported) {
    Server proxy(Server::Options{false, {}, true});
    config.proxy = "http://127.0.0.1:" + std::to_string(proxy.port());
    const HttpClient client(config);
    const auto error =
        fetch_error([&] { (void)client.perform(http_get("https://kds.example.com/vcek")); });
    BOOST_TEST(error.status() == CCATTEST_E_IO);
    BOOST_TEST(std::string(error.what()) ==
               "https://kds.example.com/vcek: the proxy refused the tunnel (CONNECT answered "
               "HTTP 403)");
}

BOOST_AUTO_TEST_SUITE_END()
