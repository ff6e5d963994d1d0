// ccattest provision: the federation CA and each site's kit (key, certificate naming site and
// role, CA certificate, site config that loads), checked with the support library's X.509 code;
// refusals of bad projects with their reasons, and nothing overwritten or left half-written.
#include "ccattest/core/config.hpp"
#include "ccattest/core/provision.hpp"
#include "support/scratch_dir.hpp"

#include <ccattest/support/crypto.hpp>
#include <ccattest/support/files.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>

#include <fstream>

namespace fs = std::filesystem;
namespace json = boost::json;
namespace support = ccattest::support;
using ccattest::test::ScratchDir;

namespace {

constexpr int64_t now = 1800000000;

json::value project(const char *extra = "") {
    return json::parse(std::string(R"({"federation": "demo", "validity_days": 30,
        "server": {"name": "server", "host": "127.0.0.1", "port": 8443},
        "clients": [{"name": "site-1"}, {"name": "site-2", "policy": "own.json"}],
        "policy": "shared.json",
        "plugins": [{"library": "libcc_snp.so", "critical": true}])") +
                       extra + "}");
}

void write_policies(const fs::path &folder) {
    std::ofstream(folder / "shared.json") << R"({"namespaces": {}})";
    std::ofstream(folder / "own.json") << R"({"namespaces": {"x-snp": {}}})";
}

std::vector<std::string> problems_of(const json::value &document, const fs::path &folder) {
    try {
        (void)ccattest::provision_federation(document, "project.json", folder, folder / "kits",
                                             now);
    } catch (const ccattest::ConfigError &e) {
        return e.problems();
    }
    return {};
}

std::string name_entry(X509_NAME *name, int nid) {
    const int index = X509_NAME_get_index_by_NID(name, nid, -1);
    if (index < 0) {
        return "";
    }
    const ASN1_STRING *data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
    return {reinterpret_cast<const char *>(ASN1_STRING_get0_data(data)),
            static_cast<size_t>(ASN1_STRING_length(data))};
}

unsigned mode_of(const fs::path &file) {
    struct stat status {};
    BOOST_REQUIRE(::stat(file.c_str(), &status) == 0);
    return status.st_mode & 0777U;
}

} // namespace

BOOST_AUTO_TEST_SUITE(provision)

BOOST_AUTO_TEST_CASE(every_site_gets_a_kit_that_chains_to_the_federation_ca) {
    const ScratchDir scratch;
    write_policies(scratch.path());
    const auto result = ccattest::provision_federation(project(), "project.json", scratch.path(),
                                                       scratch.path() / "kits", now);
    BOOST_REQUIRE(result.sites.size() == 3U);
    BOOST_TEST(result.sites[0].role == "server");
    BOOST_TEST(result.sites[2].name == "site-2");
    BOOST_TEST(mode_of(result.ca_folder / "federation-ca.key") == 0600U);
    const auto ca = support::Certificate::load(result.ca_folder / "federation-ca.pem");
    BOOST_TEST(ca.subject_cn() == "demo federation root CA");
    for (const auto &site : result.sites) {
        BOOST_TEST(mode_of(site.kit / "site.key") == 0600U);
        const auto certificate = support::Certificate::load(site.kit / "site.pem");
        const auto chain = support::verify_chain(certificate, {}, {ca}, now);
        BOOST_TEST(chain.path.size() == 2U);
        BOOST_TEST(certificate.not_after() == now + int64_t{30} * 86400);
        X509 *x509 = certificate.get();
        BOOST_TEST(name_entry(X509_get_subject_name(x509), NID_commonName) == site.name);
        BOOST_TEST(name_entry(X509_get_subject_name(x509), NID_organizationalUnitName) ==
                   site.role);
        BOOST_TEST(name_entry(X509_get_subject_name(x509), NID_organizationName) == "demo");
        const uint32_t usage = X509_get_extended_key_usage(x509);
        BOOST_TEST((usage & XKU_SSL_CLIENT) != 0U);
        BOOST_TEST(((usage & XKU_SSL_SERVER) != 0U) == (site.role == "server"));
        BOOST_TEST(X509_check_ca(x509) == 0);
        // The kit's own copy of the CA is the CA.
        BOOST_TEST(support::Certificate::load(site.kit / "federation-ca.pem").sha256() ==
                   ca.sha256());
        // The key is the certificate's.
        const std::string key_pem = support::read_text_file(site.kit / "site.key", 4096);
        BIO *bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
        EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
        BIO_free(bio);
        BOOST_REQUIRE(key != nullptr);
        BOOST_TEST(X509_check_private_key(x509, key) == 1);
        EVP_PKEY_free(key);
    }
    // The server's certificate names the address clients dial.
    const auto server = support::Certificate::load(result.sites[0].kit / "site.pem");
    BOOST_TEST(X509_check_ip_asc(server.get(), "127.0.0.1", 0) == 1);
    // Each site config loads, its files resolved beside it; a site's own policy wins.
    const auto config = ccattest::load_site_config(result.sites[2].kit / "site.json", "");
    BOOST_TEST(config.site_name == "site-2");
    BOOST_TEST(config.role == "client");
    BOOST_REQUIRE(config.federation.has_value());
    BOOST_TEST(config.federation->server_host == "127.0.0.1");
    BOOST_TEST(config.federation->server_port == 8443);
    BOOST_TEST(config.federation->key_file == result.sites[2].kit / "site.key");
    BOOST_TEST(support::read_text_file(result.sites[2].kit / "policy.json", 4096) ==
               "{\"namespaces\":{\"x-snp\":{}}}\n");
    BOOST_TEST(support::read_text_file(result.sites[1].kit / "policy.json", 4096) ==
               "{\"namespaces\":{}}\n");
    BOOST_TEST(config.plugins.size() == 1U);
}

BOOST_AUTO_TEST_CASE(kits_are_never_overwritten_and_failures_leave_nothing) {
    const ScratchDir scratch;
    write_policies(scratch.path());
    const fs::path kits = scratch.path() / "kits";
    (void)ccattest::provision_federation(project(), "project.json", scratch.path(), kits, now);
    const std::string key_before = support::read_text_file(kits / "site-1" / "site.key", 4096);
    try {
        (void)ccattest::provision_federation(project(), "project.json", scratch.path(), kits, now);
        BOOST_ERROR("an existing kit folder was written again");
    } catch (const std::runtime_error &e) {
        BOOST_TEST(std::string(e.what()) ==
                   kits.string() + " already exists and is not an empty folder: provision never "
                                   "overwrites keys");
    }
    BOOST_TEST(support::read_text_file(kits / "site-1" / "site.key", 4096) == key_before);

    // A policy file that is missing fails the whole run: no kits, no staging folder.
    fs::remove(scratch.path() / "own.json");
    const fs::path other = scratch.path() / "other";
    BOOST_CHECK_THROW(
        ccattest::provision_federation(project(), "project.json", scratch.path(), other, now),
        ccattest::ConfigError);
    BOOST_TEST(!fs::exists(other));
    BOOST_TEST(!fs::exists(scratch.path() / ".other.provisioning"));
}

BOOST_AUTO_TEST_CASE(bad_projects_are_refused_with_their_reasons) {
    const ScratchDir scratch;
    write_policies(scratch.path());
    BOOST_TEST(problems_of(project(R"(, "colour": "blue")"), scratch.path()) ==
               std::vector<std::string>{"project.json: /colour: unknown key"});
    auto twice = project();
    twice.at("clients").as_array().push_back(json::object{{"name", "site-1"}});
    BOOST_TEST(problems_of(twice, scratch.path()) ==
               std::vector<std::string>{
                   "project.json: /clients/2/name: site name \"site-1\" is used twice"});
    auto ca = project();
    ca.at("server").as_object()["name"] = "ca";
    BOOST_TEST(problems_of(ca, scratch.path()) ==
               std::vector<std::string>{
                   "project.json: /server/name: \"ca\" is the folder of the federation's CA"});
    auto port = project();
    port.at("server").as_object()["port"] = 70000;
    BOOST_TEST(problems_of(port, scratch.path()).size() == 1U);
    BOOST_TEST(problems_of(port, scratch.path()).front().find("project.json: /server/port: ") ==
               0U);
    auto plugin = project();
    plugin.as_object()["plugins"] = json::parse(R"([{"critical": true}])");
    const auto plugin_problems = problems_of(plugin, scratch.path());
    BOOST_REQUIRE(plugin_problems.size() == 1U);
    BOOST_TEST(plugin_problems.front().find("project.json: /plugins/0") == 0U,
               plugin_problems.front());
    BOOST_TEST(!fs::exists(scratch.path() / "kits"));
}

BOOST_AUTO_TEST_SUITE_END()
