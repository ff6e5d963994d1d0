// FetchService: cache, mode, allow-list, retries, single flight, logging, in the documented order.
#include "net_fixture.hpp"

#include "ccattest/core/logging.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>
#include <thread>

using ccattest::net::CollateralCache;
using ccattest::net::FetchRequest;
using ccattest::net::NetworkConfig;
using ccattest::test::fetch_error;
using ccattest::test::NetFixture;
using ccattest::test::Reply;
using ccattest::test::Server;
using ccattest::test::start_time;

namespace {

Server::Handler fresh_for(int seconds, const std::string &body) {
    return [seconds, body](const Server::Request &) {
        return Reply{200, body, {{"cache-control", "max-age=" + std::to_string(seconds)}}};
    };
}

// Captures the log for the duration of a test.
struct LogCapture {
    std::ostringstream stream;
    LogCapture() {
        ccattest::logging::configure(ccattest::LogLevel::info, ccattest::LogFormat::text, stream);
    }
    ~LogCapture() {
        ccattest::logging::configure(ccattest::LogLevel::info, ccattest::LogFormat::text,
                                     std::clog);
    }
    LogCapture(const LogCapture &) = delete;
    LogCapture &operator=(const LogCapture &) = delete;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(service, NetFixture)

BOOST_AUTO_TEST_CASE(miss_then_hit_until_expiry_then_refetch) {
    server.handle("/tcb", fresh_for(60, "tcb info"));
    auto fetcher = service();
    const auto url = server.url("/tcb");
    const auto first = fetcher->fetch("x-test", get(url));
    BOOST_TEST(!first.from_cache);
    BOOST_TEST(first.attempts == 1u);
    BOOST_TEST(first.response.body == "tcb info");
    BOOST_TEST(first.fetched_at == start_time);
    BOOST_TEST(first.fresh_until == start_time + 60);

    now = start_time + 59;
    const auto hit = fetcher->fetch("x-test", get(url));
    BOOST_TEST(hit.from_cache);
    BOOST_TEST(hit.attempts == 0u);
    BOOST_TEST(hit.response.body == "tcb info");
    BOOST_TEST(hit.response.status == 200u);
    BOOST_TEST(*hit.response.header("cache-control") == "max-age=60");
    BOOST_TEST(hit.fetched_at == start_time);
    BOOST_TEST(server.request_count("/tcb") == 1u);

    now = start_time + 60; // expired: fetched again and stored anew
    const auto again = fetcher->fetch("x-test", get(url));
    BOOST_TEST(!again.from_cache);
    BOOST_TEST(again.fresh_until == start_time + 120);
    BOOST_TEST(server.request_count("/tcb") == 2u);
    BOOST_TEST(fetcher->network_requests() == 2u);
}

BOOST_AUTO_TEST_CASE(without_cache_allowed_the_network_answers) {
    server.handle("/crl", fresh_for(600, "crl"));
    auto fetcher = service();
    (void)fetcher->fetch("x-test", get(server.url("/crl")));
    const auto second = fetcher->fetch("x-test", get(server.url("/crl"), false));
    BOOST_TEST(!second.from_cache);
    BOOST_TEST(server.request_count("/crl") == 2u);
}

BOOST_AUTO_TEST_CASE(the_cache_persists_across_services) {
    server.handle("/cert", fresh_for(600, "cert"));
    (void)service()->fetch("x-test", get(server.url("/cert")));
    const auto later = service()->fetch("x-test", get(server.url("/cert")));
    BOOST_TEST(later.from_cache);
    BOOST_TEST(server.request_count("/cert") == 1u);
}

BOOST_AUTO_TEST_CASE(offline_mode_refuses_the_network_but_serves_fresh_entries) {
    server.handle("/doc", fresh_for(60, "doc"));
    const auto url = server.url("/doc");
    (void)service()->fetch("x-test", get(url)); // stored while online
    config.mode = NetworkConfig::Mode::offline;
    auto offline = service();
    BOOST_TEST(offline->fetch("x-test", get(url)).from_cache);
    const auto other = server.url("/other");
    const auto error = fetch_error([&] { (void)offline->fetch("x-test", get(other)); });
    BOOST_TEST(error.status() == CCATTEST_E_UNSUPPORTED);
    BOOST_TEST(std::string(error.what()) == "network.mode is offline: " + other + " not fetched");
    now = start_time + 61; // stale: offline mode does not fetch it again
    const auto stale = fetch_error([&] { (void)offline->fetch("x-test", get(url)); });
    BOOST_TEST(std::string(stale.what()) == "network.mode is offline: " + url + " not fetched");
    BOOST_TEST(server.total_requests() == 1u);
}

BOOST_AUTO_TEST_CASE(offline_only_answers_from_the_cache_fresh_or_stale) {
    server.handle("/vcek", fresh_for(60, "vcek"));
    auto fetcher = service();
    const auto url = server.url("/vcek");
    auto offline_only = get(url, false);
    offline_only.offline_only = true;
    const auto missing = fetch_error([&] { (void)fetcher->fetch("x-test", offline_only); });
    BOOST_TEST(missing.status() == CCATTEST_E_UNSUPPORTED);
    BOOST_TEST(std::string(missing.what()) == url + " is not in the collateral cache");
    (void)fetcher->fetch("x-test", get(url));
    now = start_time + 1000;
    const auto stale = fetcher->fetch("x-test", offline_only);
    BOOST_TEST(stale.from_cache);
    BOOST_TEST(stale.response.body == "vcek");
    BOOST_TEST(stale.fresh_until == start_time + 60);
    BOOST_TEST(server.request_count("/vcek") == 1u);

    ccattest::net::FetchService uncached(config, {});
    const auto none = fetch_error([&] { (void)uncached.fetch("x-test", offline_only); });
    BOOST_TEST(std::string(none.what()) ==
               url + " is not in the collateral cache (there is none: state_dir is not set)");
}

BOOST_AUTO_TEST_CASE(hosts_off_the_allow_list_are_refused) {
    server.handle("/doc", fresh_for(60, "doc"));
    auto fetcher = service();
    const auto other_namespace =
        fetch_error([&] { (void)fetcher->fetch("x-other", get(server.url("/doc"))); });
    BOOST_TEST(other_namespace.status() == CCATTEST_E_UNSUPPORTED);
    BOOST_TEST(std::string(other_namespace.what()) ==
               server.url("/doc") +
                   ": host localhost is not in network.allowed_hosts[\"x-other\"]");
    // The same server under another name is another host.
    const auto by_address =
        fetch_error([&] { (void)fetcher->fetch("x-test", get(server.url("/doc", "127.0.0.1"))); });
    BOOST_TEST(std::string(by_address.what()) ==
               server.url("/doc", "127.0.0.1") +
                   ": host 127.0.0.1 is not in network.allowed_hosts[\"x-test\"]");
    BOOST_TEST(server.total_requests() == 0u);
}

BOOST_AUTO_TEST_CASE(redirect_targets_must_be_allowed_too) {
    server.handle("/hop", [this](const Server::Request &) {
        return Reply{302, "", {{"location", server.url("/doc", "127.0.0.1")}}};
    });
    server.handle("/doc", fresh_for(60, "doc"));
    auto fetcher = service();
    const auto error =
        fetch_error([&] { (void)fetcher->fetch("x-test", get(server.url("/hop"))); });
    BOOST_TEST(error.status() == CCATTEST_E_UNSUPPORTED);
    BOOST_TEST(std::string(error.what()) ==
               server.url("/doc", "127.0.0.1") +
                   ": host 127.0.0.1 is not in network.allowed_hosts[\"x-test\"]");
    BOOST_TEST(server.request_count("/doc") == 0u);
    config.allowed_hosts["x-test"].push_back("127.0.0.1");
    BOOST_TEST(service()->fetch("x-test", get(server.url("/hop"))).response.body == "doc");
}

BOOST_AUTO_TEST_CASE(rate_limiting_is_retried_a_bounded_number_of_times) {
    server.handle("/busy", [](const Server::Request &) { return Reply{429, "slow down"}; });
    config.max_attempts = 3;
    auto fetcher = service();
    LogCapture log;
    const auto result = fetcher->fetch("x-test", get(server.url("/busy")));
    BOOST_TEST(result.response.status == 429u);
    BOOST_TEST(result.attempts == 3u);
    BOOST_TEST(result.fresh_until == 0);
    BOOST_TEST(server.request_count("/busy") == 3u);
    BOOST_TEST(log.stream.str().find("x-test GET " + server.url("/busy") +
                                     ": cache miss, rate limited (HTTP 429) after 3 attempts, "
                                     "9 bytes, ") != std::string::npos);
    // Not stored: the next call asks again.
    (void)fetcher->fetch("x-test", get(server.url("/busy")));
    BOOST_TEST(server.request_count("/busy") == 6u);
}

BOOST_AUTO_TEST_CASE(retry_after_is_honoured_and_a_later_success_is_kept) {
    std::atomic<int> calls{0};
    server.handle("/kds", [&calls](const Server::Request &) {
        if (calls.fetch_add(1) < 2) {
            return Reply{calls.load() == 1 ? 429U : 503U, "", {{"retry-after", "0"}}};
        }
        return Reply{200, "vcek", {{"cache-control", "max-age=60"}}};
    });
    auto fetcher = service();
    const auto result = fetcher->fetch("x-test", get(server.url("/kds")));
    BOOST_TEST(result.response.status == 200u);
    BOOST_TEST(result.attempts == 3u);
    BOOST_TEST(result.fresh_until == start_time + 60);
}

BOOST_AUTO_TEST_CASE(a_retry_after_beyond_the_timeout_ends_the_retries) {
    server.handle("/later", [](const Server::Request &) {
        return Reply{429, "", {{"retry-after", "3600"}}};
    });
    config.timeout = std::chrono::milliseconds(2000);
    auto fetcher = service();
    const auto started = std::chrono::steady_clock::now();
    const auto result = fetcher->fetch("x-test", get(server.url("/later")));
    BOOST_TEST(result.response.status == 429u);
    BOOST_TEST(result.attempts == 1u);
    BOOST_TEST((std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1500)));
}

BOOST_AUTO_TEST_CASE(a_corrupt_cache_entry_is_discarded_and_refetched) {
    server.handle("/ark", fresh_for(600, "ark and ask"));
    auto fetcher = service();
    (void)fetcher->fetch("x-test", get(server.url("/ark")));
    size_t corrupted = 0;
    for (const auto &file : std::filesystem::directory_iterator(cache_folder())) {
        if (file.is_regular_file() && file.path().filename().string().front() != '.') {
            std::ofstream(file.path(), std::ios::trunc) << "garbage, not an entry";
            ++corrupted;
        }
    }
    BOOST_TEST(corrupted == 1u);
    const auto result = fetcher->fetch("x-test", get(server.url("/ark")));
    BOOST_TEST(!result.from_cache);
    BOOST_TEST(result.response.body == "ark and ask");
    BOOST_TEST(server.request_count("/ark") == 2u);
    BOOST_TEST(fetcher->fetch("x-test", get(server.url("/ark"))).from_cache);
}

BOOST_AUTO_TEST_CASE(concurrent_fetches_of_one_url_make_one_request) {
    server.handle("/shared", [](const Server::Request &) {
        return Reply{
            200, "one answer", {{"cache-control", "no-store"}}, std::chrono::milliseconds(400)};
    });
    auto fetcher = service();
    constexpr int callers = 8;
    std::vector<std::thread> threads;
    std::vector<std::string> bodies(callers);
    std::atomic<int> failures{0};
    for (int i = 0; i < callers; ++i) {
        threads.emplace_back([&, i] {
            try {
                bodies[i] =
                    fetcher->fetch("x-test", get(server.url("/shared"), false)).response.body;
            } catch (const std::exception &) {
                ++failures;
            }
        });
    }
    for (auto &thread : threads) {
        thread.join();
    }
    BOOST_TEST(failures.load() == 0);
    for (const auto &body : bodies) {
        BOOST_TEST(body == "one answer");
    }
    BOOST_TEST(server.request_count("/shared") == 1u);
}

BOOST_AUTO_TEST_CASE(no_store_and_errors_are_not_cached) {
    server.handle("/private", [](const Server::Request &) {
        return Reply{200, "secret", {{"cache-control", "no-store"}}};
    });
    server.handle("/missing", [](const Server::Request &) { return Reply{404, "no such chip"}; });
    auto fetcher = service();
    BOOST_TEST(fetcher->fetch("x-test", get(server.url("/private"))).fresh_until == 0);
    BOOST_TEST(!fetcher->fetch("x-test", get(server.url("/private"))).from_cache);
    const auto missing = fetcher->fetch("x-test", get(server.url("/missing")));
    BOOST_TEST(missing.response.status == 404u);
    BOOST_TEST(missing.response.body == "no such chip");
    (void)fetcher->fetch("x-test", get(server.url("/missing")));
    BOOST_TEST(server.request_count("/private") == 2u);
    BOOST_TEST(server.request_count("/missing") == 2u);
}

BOOST_AUTO_TEST_CASE(a_plugin_states_a_validity_it_knows_better) {
    server.handle("/crl", fresh_for(60, "crl"));
    auto fetcher = service();
    const auto request = get(server.url("/crl"));
    BOOST_TEST(!fetcher->set_validity("x-test", request, start_time + 3600));
    (void)fetcher->fetch("x-test", request);
    BOOST_TEST(fetcher->set_validity("x-test", request, start_time + 3600));
    now = start_time + 3599;
    BOOST_TEST(fetcher->fetch("x-test", request).from_cache);
    BOOST_TEST(fetcher->set_validity("x-test", request, start_time - 1)); // stale now
    BOOST_TEST(!fetcher->fetch("x-test", request).from_cache);
    BOOST_TEST(server.request_count("/crl") == 2u);
}

BOOST_AUTO_TEST_CASE(post_requests_are_cached_by_body) {
    server.handle("/query", [](const Server::Request &request) {
        return Reply{200, "answer to " + request.body, {{"cache-control", "max-age=60"}}};
    });
    auto fetcher = service();
    auto post = [&](const std::string &body) {
        FetchRequest request = get(server.url("/query"));
        request.http.method = "POST";
        request.http.body = body;
        request.http.content_type = "text/plain";
        return fetcher->fetch("x-test", request);
    };
    BOOST_TEST(post("a").response.body == "answer to a");
    BOOST_TEST(post("b").response.body == "answer to b");
    const auto again = post("a");
    BOOST_TEST(again.from_cache);
    BOOST_TEST(again.response.body == "answer to a");
    BOOST_TEST(server.request_count("/query") == 2u);
}

BOOST_AUTO_TEST_CASE(bad_requests_are_refused_before_anything_else) {
    auto fetcher = service();
    FetchRequest put = get(server.url("/x"));
    put.http.method = "PUT";
    const auto method = fetch_error([&] { (void)fetcher->fetch("x-test", put); });
    BOOST_TEST(method.status() == CCATTEST_E_INVALID_ARGUMENT);
    BOOST_TEST(std::string(method.what()) == "method \"PUT\" is not GET or POST");
    FetchRequest get_with_body = get(server.url("/x"));
    get_with_body.http.body = "x";
    const auto body = fetch_error([&] { (void)fetcher->fetch("x-test", get_with_body); });
    BOOST_TEST(std::string(body.what()) ==
               "GET " + server.url("/x") + ": a body or content type is only sent with POST");
    FetchRequest injected = get(server.url("/x"));
    injected.http.method = "POST";
    injected.http.content_type = "text/plain\r\nX-Injected: 1";
    const auto header = fetch_error([&] { (void)fetcher->fetch("x-test", injected); });
    BOOST_TEST(header.status() == CCATTEST_E_INVALID_ARGUMENT);
    BOOST_TEST(std::string(header.what()) == "content type is longer than 256 bytes or holds "
                                             "control or non-ASCII characters");
    BOOST_TEST(server.total_requests() == 0u);
}

BOOST_AUTO_TEST_CASE(every_call_is_logged_once) {
    server.handle("/doc", fresh_for(60, "12345"));
    auto fetcher = service();
    LogCapture log;
    (void)fetcher->fetch("x-test", get(server.url("/doc")));
    (void)fetcher->fetch("x-test", get(server.url("/doc")));
    (void)fetch_error([&] { (void)fetcher->fetch("x-nope", get(server.url("/doc"), false)); });
    const std::string text = log.stream.str();
    const std::string prefix = "x-test GET " + server.url("/doc") + ": ";
    BOOST_TEST(text.find(prefix + "cache miss, HTTP 200, 5 bytes, ") != std::string::npos);
    BOOST_TEST(text.find(prefix + "cache hit, HTTP 200, 5 bytes, ") != std::string::npos);
    BOOST_TEST(text.find("x-nope GET " + server.url("/doc") +
                         ": cache miss, refused or failed (unsupported): " + server.url("/doc") +
                         ": host localhost is not in network.allowed_hosts[\"x-nope\"], ") !=
               std::string::npos);
    size_t lines = 0;
    for (const char c : text) {
        lines += c == '\n' ? 1 : 0;
    }
    BOOST_TEST(lines == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
