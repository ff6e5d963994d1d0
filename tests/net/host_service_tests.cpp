// The host-api slots a PluginLibrary offers: present only with a network service, refused while
// the plugin's entry runs (its namespace is not known yet), and served by the latest service a
// reopening passed. And the one service a Registry builds from the site's network block.
#include "net_fixture.hpp"

#include "ccattest/core/plugin_library.hpp"
#include "ccattest/core/registry.hpp"

#include <boost/test/unit_test.hpp>

using ccattest::PluginLibrary;
using ccattest::net::FetchService;
using ccattest::net::NetworkConfig;

namespace {

std::shared_ptr<PluginLibrary> open_probe(std::shared_ptr<FetchService> network) {
    PluginLibrary::Options options{"entry-probe", ENTRY_FETCH_PLUGIN, std::nullopt};
    options.network = std::move(network);
    return PluginLibrary::open(std::move(options));
}

} // namespace

BOOST_AUTO_TEST_SUITE(host_service)

BOOST_AUTO_TEST_CASE(without_a_service_the_slots_are_null) {
    const auto library = open_probe(nullptr);
    BOOST_TEST(library->host_api().struct_size == sizeof(ccattest_host_api));
    BOOST_TEST(library->host_api().fetch == nullptr);
    BOOST_TEST(library->host_api().cache_validity == nullptr);
    BOOST_TEST(!library->network());
    BOOST_TEST(std::string(library->api().description) == "fetch not offered");
}

BOOST_AUTO_TEST_CASE(fetches_during_the_entry_call_are_refused) {
    NetworkConfig online;
    online.mode = NetworkConfig::Mode::online;
    online.allowed_hosts["x-entry-probe"] = {"127.0.0.1"};
    auto service = std::make_shared<FetchService>(online, std::filesystem::path());
    const auto library = open_probe(service);
    BOOST_TEST(library->host_api().fetch != nullptr);
    BOOST_TEST(library->host_api().cache_validity != nullptr);
    BOOST_TEST(std::string(library->api().description) ==
               "fetch: unsupported: the network service is not available during the entry call; "
               "body NULL; cache_validity: unsupported");
    BOOST_TEST(service->network_requests() == 0u);
}

BOOST_AUTO_TEST_CASE(after_loading_the_namespace_and_the_latest_service_apply) {
    auto first = std::make_shared<FetchService>(NetworkConfig{}, std::filesystem::path());
    const auto library = open_probe(first);
    auto second = std::make_shared<FetchService>(NetworkConfig{}, std::filesystem::path());
    const auto again = open_probe(second);
    BOOST_TEST(again.get() == library.get()); // one load per file (PluginLibrary::open)
    BOOST_TEST(library->network().get() == second.get());

    const auto &host = library->host_api();
    const std::string url = "https://kds.example.com/vcek";
    ccattest_fetch_request request{};
    request.struct_size = sizeof request;
    request.method = CCATTEST_FETCH_GET;
    request.url = url.c_str();
    ccattest_fetch_response response{};
    response.struct_size = sizeof response;
    std::array<char, 256> message{};
    BOOST_TEST(host.fetch(host.host_context, &request, &response, message.data(), message.size()) ==
               CCATTEST_E_UNSUPPORTED);
    BOOST_TEST(std::string(message.data()) == "network.mode is offline: " + url + " not fetched");
    BOOST_TEST(host.cache_validity(host.host_context, &request, 0) ==
               CCATTEST_E_INVALID_ARGUMENT); // nothing stored (there is no cache)
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(registry_network)

BOOST_AUTO_TEST_CASE(one_service_per_registry_with_its_cache_in_state_dir) {
    const ccattest::test::ScratchDir scratch;
    ccattest::SiteConfig site;
    site.site_name = "s";
    site.state_dir = scratch.path() / "state";
    site.network.mode = NetworkConfig::Mode::online;
    const ccattest::Registry registry(site);
    BOOST_TEST(!registry.startup_failure());
    BOOST_REQUIRE(registry.network());
    BOOST_TEST((registry.network()->config().mode == NetworkConfig::Mode::online));
    BOOST_REQUIRE(registry.network()->cache() != nullptr);
    BOOST_TEST(registry.network()->cache()->folder() == scratch.path() / "state" / "collateral");

    site.state_dir.clear();
    const ccattest::Registry stateless(site);
    BOOST_REQUIRE(stateless.network());
    BOOST_TEST(stateless.network()->cache() == nullptr);
}

BOOST_AUTO_TEST_CASE(an_unusable_network_block_stops_the_site) {
    const ccattest::test::ScratchDir scratch;
    ccattest::SiteConfig site;
    site.site_name = "s";
    site.network.ca_file = scratch.path() / "missing.pem";
    const ccattest::Registry registry(site);
    BOOST_TEST(!registry.network());
    BOOST_REQUIRE(registry.startup_failure());
    BOOST_TEST(registry.startup_failure()->rfind("network: network.ca_file: ", 0) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
