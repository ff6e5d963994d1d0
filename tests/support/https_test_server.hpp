// A loopback HTTPS (or plain HTTP) server for tests: Boost.Beast on its own thread, listening on an
// ephemeral port of 127.0.0.1, with a test CA and a server certificate it makes itself (OpenSSL)
// when it starts. Tests register a handler per path and can make it slow, rate-limit, send huge
// bodies, or count requests. It never reaches beyond 127.0.0.1.
//
// Typical use:
//
//     ccattest::test::HttpsTestServer server;                    // starts listening
//     server.handle("/vcek", [](const auto &) { return HttpsTestServer::Reply{200, "DER..."}; });
//     ccattest::net::NetworkConfig network;
//     network.mode = ccattest::net::NetworkConfig::Mode::online;
//     network.ca_file = server.write_ca_file(scratch.path());   // trust this server's CA only
//     network.allowed_hosts["x-snp"] = {"localhost"};
//     ... fetch server.url("/vcek") ...                          // "https://localhost:PORT/vcek"
//     BOOST_TEST(server.request_count("/vcek") == 1u);
//
// Every server makes its own CA, so a client that trusts one server's CA refuses another server:
// that is the "wrong certificate" case. Options::certificate_names changes the names the
// certificate carries (the "wrong host name" case).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ccattest::test {

class HttpsTestServer {
public:
    struct Request {
        std::string method; ///< "GET", "POST", ...
        std::string target; ///< path and query as sent
        std::string path;   ///< target without the query
        std::string body;
        std::vector<std::pair<std::string, std::string>> headers; ///< names lower-case
        [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
    };

    struct Reply {
        unsigned status = 200;
        std::string body;
        /// Extra headers ("cache-control", "retry-after", "location", ...). Content-Length is set
        /// from the body.
        std::vector<std::pair<std::string, std::string>> headers{};
        /// Wait this long before answering (a slow server); the server keeps serving others.
        std::chrono::milliseconds delay{0};
    };

    using Handler = std::function<Reply(const Request &)>;

    struct Options {
        bool tls = true; ///< false: plain HTTP (http:// URLs)
        /// DNS names or IP addresses in the server certificate's subjectAltName.
        std::vector<std::string> certificate_names = {"localhost", "127.0.0.1"};
        /// Also act as an HTTP proxy for tunnels: CONNECT 127.0.0.1:P / localhost:P is answered
        /// by relaying to that loopback port (any other target gets 403).
        bool connect_proxy = false;
    };

    /// Makes the CA and certificate, binds 127.0.0.1:0 and starts serving. Throws on failure.
    HttpsTestServer();
    explicit HttpsTestServer(Options options);
    ~HttpsTestServer(); ///< stop()
    HttpsTestServer(const HttpsTestServer &) = delete;
    HttpsTestServer &operator=(const HttpsTestServer &) = delete;

    /// Answers requests whose path (target without query) is exactly `path`; others get 404.
    /// May be called while serving; replaces an earlier handler for the path.
    void handle(const std::string &path, Handler handler);

    [[nodiscard]] uint16_t port() const noexcept;
    /// "https://localhost:PORT" + path (or http:// without TLS; `host` replaces "localhost").
    [[nodiscard]] std::string url(std::string_view path, std::string_view host = "localhost") const;
    /// The test CA's certificate (PEM).
    [[nodiscard]] const std::string &ca_pem() const noexcept;
    /// Writes ca_pem() to folder/"test-ca-PORT.pem" and returns that path (for ca_file).
    [[nodiscard]] std::filesystem::path write_ca_file(const std::filesystem::path &folder) const;

    /// Requests received for a path (counted before the handler runs), and in all.
    [[nodiscard]] size_t request_count(const std::string &path) const;
    [[nodiscard]] size_t total_requests() const;
    /// The targets of CONNECT requests received (connect_proxy servers).
    [[nodiscard]] std::vector<std::string> connect_targets() const;

    /// Stops accepting, drops open connections and joins the server thread. Idempotent.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace ccattest::test
