// parse_url and resolve_location: the one reading of a URL that the allow-list and the client
// share.
#include "net_fixture.hpp"

#include <boost/test/unit_test.hpp>

using ccattest::net::FetchError;
using ccattest::net::parse_url;
using ccattest::net::resolve_location;
using ccattest::test::fetch_error;

namespace {

std::string refusal(const std::string &text) {
    const auto error = fetch_error([&] { (void)parse_url(text); });
    BOOST_TEST(error.status() == CCATTEST_E_INVALID_ARGUMENT);
    return error.what();
}

} // namespace

BOOST_AUTO_TEST_SUITE(url)

BOOST_AUTO_TEST_CASE(parses_and_normalizes) {
    const auto url = parse_url("HTTPS://KDS.Example.com:443/vcek/v1/Milan?x=1#fragment");
    BOOST_TEST(url.scheme == "https");
    BOOST_TEST(url.host == "kds.example.com");
    BOOST_TEST(url.port == 443);
    BOOST_TEST(url.target == "/vcek/v1/Milan?x=1");
    BOOST_TEST(url.text() == "https://kds.example.com/vcek/v1/Milan?x=1");
    BOOST_TEST(!url.host_is_ip());

    const auto plain = parse_url("http://127.0.0.1:8080?q");
    BOOST_TEST(plain.port == 8080);
    BOOST_TEST(plain.target == "/?q");
    BOOST_TEST(plain.authority() == "127.0.0.1:8080");
    BOOST_TEST(plain.host_is_ip());

    const auto v6 = parse_url("https://[::1]:8443/x");
    BOOST_TEST(v6.host == "::1");
    BOOST_TEST(v6.host_and_port() == "[::1]:8443");
    BOOST_TEST(v6.text() == "https://[::1]:8443/x");
}

BOOST_AUTO_TEST_CASE(refusals_name_the_problem) {
    BOOST_TEST(refusal("https://user:pw@kds.example.com/") ==
               "invalid URL \"https://user:pw@kds.example.com/\": user information (\"user@\") "
               "is not allowed");
    BOOST_TEST(refusal("ftp://example.com/") ==
               "invalid URL \"ftp://example.com/\": scheme \"ftp\" is not http or https");
    BOOST_TEST(refusal("example.com/x") ==
               "invalid URL \"example.com/x\": not an absolute http:// or https:// URL");
    BOOST_TEST(refusal("https:///x") == "invalid URL \"https:///x\": no host");
    BOOST_TEST(refusal("https://a b/") ==
               "invalid URL \"https://a b/\": a space, control or non-ASCII character at offset 9");
    BOOST_TEST(refusal("https://example.com:0/") ==
               "invalid URL \"https://example.com:0/\": port 0 is not from 1 to 65535");
    BOOST_TEST(refusal("https://example.com:70000/") ==
               "invalid URL \"https://example.com:70000/\": port 70000 is not from 1 to 65535");
    BOOST_TEST(refusal("https://example.com:/") ==
               "invalid URL \"https://example.com:/\": port \"\" is not a number from 1 to 65535");
    BOOST_TEST(refusal("https://exa%6dple.com/") ==
               "invalid URL \"https://exa%6dple.com/\": \"exa%6dple.com\" is not a host name");
    BOOST_TEST(refusal("https://[::1/") ==
               "invalid URL \"https://[::1/\": unterminated IPv6 address");
    // Control bytes never reach a message or log line as themselves.
    BOOST_TEST(refusal("https://a/\nforged line\xff") ==
               "invalid URL \"https://a/\\x0aforged line\\xff\": a space, control or non-ASCII "
               "character at offset 10");
    BOOST_TEST(refusal("") == "invalid URL: empty");
    BOOST_TEST(refusal("https://a/" + std::string(9000, 'x')) ==
               "invalid URL: longer than 8192 bytes");
}

BOOST_AUTO_TEST_CASE(redirect_locations_resolve_against_the_base) {
    const auto base = parse_url("https://kds.example.com/a/b/c?q=1");
    BOOST_TEST(resolve_location(base, "https://other.example/x").text() ==
               "https://other.example/x");
    BOOST_TEST(resolve_location(base, "//cdn.example/y").text() == "https://cdn.example/y");
    BOOST_TEST(resolve_location(base, "/root").text() == "https://kds.example.com/root");
    BOOST_TEST(resolve_location(base, "d?z").text() == "https://kds.example.com/a/b/d?z");
    const auto empty = fetch_error([&] { (void)resolve_location(base, ""); });
    BOOST_TEST(empty.status() == CCATTEST_E_IO);
    BOOST_TEST(std::string(empty.what()) ==
               "https://kds.example.com/a/b/c?q=1: redirect without a Location header");
    const auto bad = fetch_error([&] { (void)resolve_location(base, "gopher://x/"); });
    BOOST_TEST(bad.status() == CCATTEST_E_IO);
    BOOST_TEST(std::string(bad.what()) ==
               "https://kds.example.com/a/b/c?q=1: unusable redirect: invalid URL "
               "\"gopher://x/\": scheme \"gopher\" is not http or https");
}

BOOST_AUTO_TEST_SUITE_END()
