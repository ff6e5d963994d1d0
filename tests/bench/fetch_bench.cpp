// Figures of the host network service (method: tests/bench/README.md): cache-hit latency and
// network fetches per second against the loopback HTTPS test server.
#include "ccattest/core/logging.hpp"
#include "ccattest/core/network.hpp"
#include "support/https_test_server.hpp"
#include "support/scratch_dir.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using ccattest::net::FetchRequest;
using ccattest::net::FetchService;
using ccattest::test::HttpsTestServer;

constexpr size_t document_size = 4096; // about a VCEK certificate or a TCB info document

FetchRequest request_for(const std::string &url, bool cache_allowed) {
    FetchRequest request;
    request.http.url = url;
    request.cache_allowed = cache_allowed;
    return request;
}

double parse_seconds(int argc, char **argv) {
    double seconds = 2.0;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.rfind("--seconds=", 0) == 0) {
            seconds = std::stod(arg.substr(10));
        } else {
            throw std::invalid_argument("unknown argument " + arg + " (usage: [--seconds=S])");
        }
    }
    if (!(seconds > 0.0 && seconds <= 600.0)) {
        throw std::invalid_argument("--seconds must be in (0, 600]");
    }
    return seconds;
}

// Cache hits of one stored document, one at a time, for `seconds`; prints median and 99th
// percentile in microseconds.
void cache_hits(FetchService &service, const std::string &url, double seconds) {
    (void)service.fetch("x-bench", request_for(url, true)); // stores it
    std::vector<double> micros;
    const auto end = Clock::now() + std::chrono::duration<double>(seconds);
    while (Clock::now() < end && micros.size() < 1'000'000) {
        const auto started = Clock::now();
        const auto result = service.fetch("x-bench", request_for(url, true));
        micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - started).count());
        if (!result.from_cache) {
            throw std::runtime_error("expected a cache hit");
        }
    }
    std::sort(micros.begin(), micros.end());
    std::printf("cache hit (%zu-byte document): median %.1f us, p99 %.1f us over %zu hits\n",
                document_size, micros[micros.size() / 2], micros[micros.size() * 99 / 100],
                micros.size());
}

// Network fetches (cache not consulted) for `seconds` from `threads` threads, each its own URL so
// single flight does not merge them; prints fetches per second.
void network_fetches(FetchService &service, const HttpsTestServer &server, unsigned threads,
                     double seconds) {
    std::atomic<uint64_t> done{0};
    std::atomic<bool> failed{false};
    const auto end = Clock::now() + std::chrono::duration<double>(seconds);
    const auto started = Clock::now();
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            const std::string url = server.url("/fresh?worker=" + std::to_string(t));
            try {
                while (Clock::now() < end) {
                    (void)service.fetch("x-bench", request_for(url, false));
                    done.fetch_add(1, std::memory_order_relaxed);
                }
            } catch (const std::exception &e) {
                std::cerr << "fetch failed: " << e.what() << "\n";
                failed = true;
            }
        });
    }
    for (auto &worker : workers) {
        worker.join();
    }
    if (failed) {
        throw std::runtime_error("a network fetch failed");
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    std::printf("network fetch (new TLS connection each, %zu-byte body), %u thread(s): %.0f "
                "fetches/s over %llu fetches\n",
                document_size, threads, static_cast<double>(done.load()) / elapsed,
                static_cast<unsigned long long>(done.load()));
}

} // namespace

int main(int argc, char **argv) {
    try {
        const double seconds = parse_seconds(argc, argv);
        std::ostringstream quiet; // one log line per fetch would measure the terminal
        ccattest::logging::configure(ccattest::LogLevel::warning, ccattest::LogFormat::text, quiet);
        const ccattest::test::ScratchDir scratch;
        HttpsTestServer server;
        const std::string body(document_size, 'c');
        server.handle("/doc", [&body](const HttpsTestServer::Request &) {
            return HttpsTestServer::Reply{200, body, {{"cache-control", "max-age=3600"}}};
        });
        server.handle("/fresh", [&body](const HttpsTestServer::Request &) {
            return HttpsTestServer::Reply{200, body, {{"cache-control", "no-store"}}};
        });
        ccattest::net::NetworkConfig config;
        config.mode = ccattest::net::NetworkConfig::Mode::online;
        config.ca_file = server.write_ca_file(scratch.path());
        config.allowed_hosts["x-bench"] = {"localhost"};
        FetchService service(config, scratch.path() / "collateral");
        cache_hits(service, server.url("/doc"), seconds);
        network_fetches(service, server, 1, seconds);
        network_fetches(service, server, 4, seconds);
        return 0;
    } catch (const std::exception &e) {
        std::cerr << "fetch_bench: " << e.what() << "\n";
        return 1;
    }
}
