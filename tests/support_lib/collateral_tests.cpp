// support::CollateralSource: offline directories first, then the host's fetch (answered here by a
// fake host, no network), provenance, misses and their reasons, degradation without the service.
#include "fake_host.hpp"
#include "support_test.hpp"

#include "support/scratch_dir.hpp"

#include <ccattest/support/collateral.hpp>

#include <boost/test/unit_test.hpp>

using ccattest::support::CollateralQuery;
using ccattest::support::CollateralSource;
using ccattest::support::Host;
using ccattest::test::ScratchDir;
using support_test::FakeHost;

namespace {

std::string url() {
    return "https://kds.example/vcek/v1/Milan/00ff?blSPL=02";
}

CollateralQuery vcek_query() {
    return {"VCEK", {"milan/vcek.der", "milan/vcek.pem"}, url()};
}

std::string text(const ccattest::support::Bytes &bytes) {
    return {bytes.begin(), bytes.end()};
}

} // namespace

BOOST_AUTO_TEST_SUITE(collateral)

BOOST_AUTO_TEST_CASE(directories_in_order_before_the_network) {
    const ScratchDir first;
    const ScratchDir second;
    second.write("milan/vcek.der", "SECOND-DER");
    first.write("milan/vcek.pem", "FIRST-PEM");
    FakeHost host;
    const CollateralSource source(Host(&host.api), {first.path(), second.path()});
    const auto found = source.find(vcek_query());
    BOOST_TEST_REQUIRE(found.item.has_value());
    BOOST_TEST(text(found.item->data) == "FIRST-PEM"); // the first directory wins
    BOOST_TEST(ccattest::support::provenance_name(found.item->provenance) == "directory");
    BOOST_TEST(found.item->origin == (first.path() / "milan/vcek.pem").string());
    BOOST_TEST(host.requests.empty());
}

BOOST_AUTO_TEST_CASE(network_and_cache_answers_with_their_provenance) {
    FakeHost host;
    host.answer = [](const FakeHost::Request &) {
        return FakeHost::Answer{CCATTEST_OK, 200, "DER", CCATTEST_FETCH_FROM_NETWORK, ""};
    };
    const CollateralSource source(Host(&host.api), {}, 1024, 2500);
    const auto fetched = source.find(vcek_query());
    BOOST_TEST_REQUIRE(fetched.item.has_value());
    BOOST_TEST(text(fetched.item->data) == "DER");
    BOOST_TEST(ccattest::support::provenance_name(fetched.item->provenance) == "network");
    BOOST_TEST(fetched.item->origin == url());
    BOOST_TEST(fetched.item->fetched_at == 1690000000);
    BOOST_TEST_REQUIRE(host.requests.size() == 1u);
    BOOST_TEST(host.requests[0].url == url());
    BOOST_TEST(host.requests[0].method == CCATTEST_FETCH_GET);
    BOOST_TEST(host.requests[0].flags == CCATTEST_FETCH_CACHE_ALLOWED);
    BOOST_TEST(host.requests[0].timeout_ms == 2500u);

    host.answer = [](const FakeHost::Request &) {
        return FakeHost::Answer{CCATTEST_OK, 200, "DER", CCATTEST_FETCH_FROM_CACHE, ""};
    };
    const auto cached = source.find(vcek_query());
    BOOST_TEST_REQUIRE(cached.item.has_value());
    BOOST_TEST(ccattest::support::provenance_name(cached.item->provenance) == "cache");

    source.keep_until(url(), 1700000123);
    BOOST_TEST_REQUIRE(host.validity.size() == 1u);
    BOOST_TEST(host.validity[0].first == url());
    BOOST_TEST(host.validity[0].second == 1700000123);
}

BOOST_AUTO_TEST_CASE(response_headers_come_with_the_item) {
    FakeHost host;
    host.headers = "Content-Type: application/json\nTCB-Info-Issuer-Chain:  %2D%2D\n";
    const CollateralSource source(Host(&host.api));
    const auto fetched = source.find(vcek_query());
    BOOST_TEST_REQUIRE(fetched.item.has_value());
    // Names compare case-insensitively; the value loses its leading blanks, nothing else.
    BOOST_TEST(fetched.item->header("tcb-info-issuer-chain").value_or("?") == "%2D%2D");
    BOOST_TEST(fetched.item->header("Content-Type").value_or("?") == "application/json");
    BOOST_TEST(!fetched.item->header("Content").has_value());
    BOOST_TEST(!fetched.item->header("Missing").has_value());
}

BOOST_AUTO_TEST_CASE(http_answers_that_are_misses) {
    FakeHost host;
    uint32_t http_status = 404;
    host.answer = [&](const FakeHost::Request &) {
        return FakeHost::Answer{CCATTEST_OK, http_status, "not here", CCATTEST_FETCH_FROM_NETWORK,
                                ""};
    };
    const CollateralSource source(Host(&host.api));
    const auto missing = source.find(vcek_query());
    BOOST_TEST(!missing.item.has_value());
    BOOST_TEST(missing.miss_status == CCATTEST_OK); // the service has no such document
    BOOST_TEST(missing.miss_reason == url() + " answered HTTP 404");
    http_status = 429;
    const auto limited = source.find(vcek_query());
    BOOST_TEST(limited.miss_status == CCATTEST_E_TIMEOUT);
    BOOST_TEST(limited.miss_reason ==
               url() + " answered HTTP 429 (rate limited or busy) after the host's retries");
    http_status = 500;
    const auto broken = source.find(vcek_query());
    BOOST_TEST(broken.miss_status == CCATTEST_E_IO);
    BOOST_TEST(broken.miss_reason == url() + " answered HTTP 500");
    BOOST_TEST(host.requests.size() == 3u); // a miss is asked again next time
}

BOOST_AUTO_TEST_CASE(transport_failures_keep_their_status) {
    FakeHost host;
    host.answer = [](const FakeHost::Request &) {
        return FakeHost::Answer{CCATTEST_E_TIMEOUT, 0, "", 0, "no answer within 15000 ms"};
    };
    const CollateralSource source(Host(&host.api));
    const auto late = source.find(vcek_query());
    BOOST_TEST(late.miss_status == CCATTEST_E_TIMEOUT);
    BOOST_TEST(late.miss_reason == "fetching " + url() + " failed: no answer within 15000 ms");
}

BOOST_AUTO_TEST_CASE(an_offline_site_degrades_to_directories_once_and_says_so) {
    const ScratchDir directory;
    FakeHost host;
    host.answer = [](const FakeHost::Request &) {
        return FakeHost::Answer{CCATTEST_E_UNSUPPORTED, 0, "", 0, "the site is offline"};
    };
    const CollateralSource source(Host(&host.api), {directory.path()});
    BOOST_TEST(source.can_fetch());
    const auto first = source.find(vcek_query());
    BOOST_TEST(first.refused);
    BOOST_TEST(!first.item.has_value());
    BOOST_TEST(first.miss_status == CCATTEST_OK);
    BOOST_TEST(first.miss_reason == "not fetched: the site is offline");
    const auto second = source.find(vcek_query());
    BOOST_TEST(second.miss_reason == "not fetched: the site is offline");
    BOOST_TEST(second.refused);
    BOOST_TEST(host.requests.size() == 1u); // the refusal is remembered, not asked again
    const auto other = source.find({"CRL", {}, "https://kds.example/crl"});
    BOOST_TEST(other.refused);
    BOOST_TEST(host.requests.size() == 2u); // per URL: the cache may hold another document
    host.clock += CollateralSource::refusal_memory_s; // later, the site may have changed its mind
    BOOST_TEST(source.find(vcek_query()).refused);
    BOOST_TEST(host.requests.size() == 3u);
    BOOST_TEST(host.logs == std::vector<std::string>{
                                "collateral: not fetched: the site is offline; using the offline "
                                "collateral directories only"});
    directory.write("milan/vcek.der", "LATER");
    const auto offline = source.find(vcek_query());
    BOOST_TEST_REQUIRE(offline.item.has_value());
    BOOST_TEST(ccattest::support::provenance_name(offline.item->provenance) == "directory");
}

BOOST_AUTO_TEST_CASE(an_abi_1_0_host_has_no_network_service) {
    FakeHost old_host(0);
    const CollateralSource source(Host(&old_host.api));
    BOOST_TEST(!source.can_fetch());
    const auto missing = source.find(vcek_query());
    BOOST_TEST(!missing.item.has_value());
    BOOST_TEST(
        missing.miss_reason ==
        "the host offers no network service (an ABI 1.0 host, or one without a network channel)");
    source.keep_until(url(), 1); // ignored
    BOOST_TEST(old_host.validity.empty());

    const CollateralSource no_url(Host(&old_host.api));
    const auto directories_only = no_url.find({"CRL", {"milan/crl.der"}, ""});
    BOOST_TEST(directories_only.miss_reason.empty());
}

BOOST_AUTO_TEST_CASE(an_unreadable_directory_file_is_an_error_not_a_miss) {
    const ScratchDir directory;
    directory.write("milan/vcek.der", std::string(2048, 'x'));
    FakeHost host;
    const CollateralSource source(Host(&host.api), {directory.path()}, 1024);
    const auto [status, message] = support_test::refusal([&] { (void)source.find(vcek_query()); });
    BOOST_TEST(status == CCATTEST_E_IO);
    BOOST_TEST(message.find((directory.path() / "milan/vcek.der").string()) != std::string::npos,
               message);
    BOOST_TEST(host.requests.empty());
}

BOOST_AUTO_TEST_CASE(a_post_body_is_sent_with_its_content_type_and_the_cache_allowed) {
    FakeHost host;
    host.answer = [](const FakeHost::Request &request) {
        // The answer depends on the body, as an OCSP responder's does.
        return FakeHost::Answer{CCATTEST_OK, 200, "answer to " + request.body,
                                CCATTEST_FETCH_FROM_NETWORK, ""};
    };
    const CollateralSource source(Host(&host.api), {}, 1024, 2500);
    CollateralQuery query{"OCSP response", {}, "https://ocsp.example/"};
    query.post_body = support_test::bytes_of(std::string("\x30\x03\x02\x01\x00", 5));
    query.content_type = "application/ocsp-request";
    const auto found = source.find(query);
    BOOST_TEST_REQUIRE(found.item.has_value());
    BOOST_TEST(text(found.item->data) == "answer to " + std::string("\x30\x03\x02\x01\x00", 5));
    BOOST_TEST(ccattest::support::provenance_name(found.item->provenance) == "network");
    BOOST_TEST_REQUIRE(host.requests.size() == 1u);
    BOOST_TEST(host.requests[0].method == CCATTEST_FETCH_POST);
    BOOST_TEST(host.requests[0].url == "https://ocsp.example/");
    BOOST_TEST(host.requests[0].body == std::string("\x30\x03\x02\x01\x00", 5));
    BOOST_TEST(host.requests[0].content_type == "application/ocsp-request");
    BOOST_TEST(host.requests[0].flags == CCATTEST_FETCH_CACHE_ALLOWED);
    BOOST_TEST(host.requests[0].timeout_ms == 2500u);

    // keep_until names the same request, body included: the host's cache key covers the body.
    source.keep_until(query, 1700003600);
    BOOST_TEST_REQUIRE(host.validity_requests.size() == 1u);
    BOOST_TEST(host.validity_requests[0].method == CCATTEST_FETCH_POST);
    BOOST_TEST(host.validity_requests[0].body == std::string("\x30\x03\x02\x01\x00", 5));
    BOOST_TEST(host.validity_requests[0].content_type == "application/ocsp-request");
    BOOST_TEST(host.validity[0].second == 1700003600);
}

BOOST_AUTO_TEST_CASE(a_get_query_sends_no_body_and_keep_until_by_url_stays_get) {
    FakeHost host;
    const CollateralSource source(Host(&host.api));
    (void)source.find(vcek_query());
    BOOST_TEST_REQUIRE(host.requests.size() == 1u);
    BOOST_TEST(host.requests[0].method == CCATTEST_FETCH_GET);
    BOOST_TEST(host.requests[0].body.empty());
    BOOST_TEST(host.requests[0].content_type.empty());
    source.keep_until(url(), 1700000123);
    BOOST_TEST_REQUIRE(host.validity_requests.size() == 1u);
    BOOST_TEST(host.validity_requests[0].method == CCATTEST_FETCH_GET);
    BOOST_TEST(host.validity_requests[0].body.empty());
}

BOOST_AUTO_TEST_CASE(a_content_type_without_a_post_body_is_refused) {
    FakeHost host;
    const CollateralSource source(Host(&host.api));
    CollateralQuery query = vcek_query();
    query.content_type = "application/ocsp-request";
    const auto [status, message] = support_test::refusal([&] { (void)source.find(query); });
    BOOST_TEST(status == CCATTEST_E_INVALID_ARGUMENT);
    BOOST_TEST(message == "collateral query for VCEK: content type \"application/ocsp-request\" "
                          "without a POST body");
    BOOST_TEST(host.requests.empty());
}

BOOST_AUTO_TEST_SUITE_END()
