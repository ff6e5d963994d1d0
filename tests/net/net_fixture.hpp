// What the network tests share: a loopback HTTPS server, a scratch folder holding its CA file and
// the collateral cache, an online NetworkConfig that trusts that CA, and a clock tests can move.
#pragma once

#include "ccattest/core/network.hpp"
#include "support/https_test_server.hpp"
#include "support/scratch_dir.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

namespace ccattest::test {

using Server = HttpsTestServer;
using Reply = HttpsTestServer::Reply;

inline constexpr int64_t start_time = 1'800'000'000; // a fixed "now" for cache freshness

struct NetFixture {
    ScratchDir scratch;
    Server server;
    std::atomic<int64_t> now{start_time};
    net::NetworkConfig config;

    NetFixture() {
        config.mode = net::NetworkConfig::Mode::online;
        config.ca_file = server.write_ca_file(scratch.path());
        config.allowed_hosts["x-test"] = {"localhost"};
        config.timeout = std::chrono::milliseconds(5000);
        config.initial_backoff = std::chrono::milliseconds(10);
    }

    [[nodiscard]] std::filesystem::path cache_folder() const {
        return scratch.path() / "collateral";
    }

    /// A service over `config` with its cache in the scratch folder and the movable clock.
    [[nodiscard]] std::unique_ptr<net::FetchService> service() {
        return std::make_unique<net::FetchService>(config, cache_folder(),
                                                   [this] { return now.load(); });
    }

    static net::FetchRequest get(const std::string &url, bool cache_allowed = true) {
        net::FetchRequest request;
        request.http.url = url;
        request.cache_allowed = cache_allowed;
        return request;
    }
};

/// Runs `call` and returns the FetchError it throws; fails the test when it throws none.
template <typename Call> net::FetchError fetch_error(Call &&call) {
    try {
        call();
    } catch (const net::FetchError &e) {
        return e;
    }
    throw std::runtime_error("expected a FetchError, none was thrown");
}

} // namespace ccattest::test
