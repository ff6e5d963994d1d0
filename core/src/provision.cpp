#include "ccattest/core/provision.hpp"

#include "ccattest/core/config.hpp"
#include "ccattest/core/json_schema.hpp"

#include <ccattest/support/crypto.hpp>
#include <ccattest/support/files.hpp>
#include <ccattest/support/openssl_ptr.hpp>

#include <boost/json.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>

namespace ccattest {
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr int64_t default_validity_days = 365;
constexpr int64_t ca_validity_factor = 10;
constexpr int64_t max_ca_validity_days = int64_t{20} * 365;
constexpr int64_t seconds_per_day = 86400;
// Certificates start a little before now, so machines whose clocks lag still accept them.
constexpr int64_t backdate_s = 3600;

using support::BioPtr;

struct ExtensionDeleter {
    void operator()(X509_EXTENSION *extension) const noexcept { X509_EXTENSION_free(extension); }
};

[[noreturn]] void openssl_failed(const std::string &what) {
    throw std::runtime_error("provision: " + what + " failed: " + support::openssl_error());
}

support::PkeyPtr new_p384_key() {
    support::PkeyPtr key(EVP_EC_gen("P-384"));
    if (!key) {
        openssl_failed("generating a P-384 key");
    }
    return key;
}

struct Name {
    std::string organisation;
    std::string unit; ///< "" for none
    std::string common_name;
};

void set_name(X509_NAME *name, const Name &parts) {
    auto add = [name](const char *field, const std::string &value) {
        if (!value.empty() &&
            X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char *>(value.c_str()), -1,
                                       -1, 0) != 1) {
            openssl_failed(std::string("naming ") + field);
        }
    };
    add("O", parts.organisation);
    add("OU", parts.unit);
    add("CN", parts.common_name);
}

// A random positive 127-bit serial number (RFC 5280 allows up to 20 octets).
void set_random_serial(X509 *certificate) {
    std::array<unsigned char, 16> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        openssl_failed("drawing a serial number");
    }
    bytes[0] &= 0x7FU;
    bytes[0] |= 0x01U; // never zero, never negative
    BIGNUM *number = BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr);
    const bool ok =
        number != nullptr && BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate));
    BN_free(number);
    if (!ok) {
        openssl_failed("setting a serial number");
    }
}

void add_extension(X509 *certificate, X509V3_CTX *context, int nid, const std::string &value) {
    const std::unique_ptr<X509_EXTENSION, ExtensionDeleter> extension(
        X509V3_EXT_conf_nid(nullptr, context, nid, value.c_str()));
    if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1) {
        openssl_failed("adding the extension " + std::string(OBJ_nid2sn(nid)) + " = " + value);
    }
}

struct CertificateRequest {
    Name subject;
    EVP_PKEY *key = nullptr;
    X509 *issuer = nullptr; ///< null: self-signed
    EVP_PKEY *issuer_key = nullptr;
    int64_t not_before = 0;
    int64_t not_after = 0;
    bool authority = false;
    std::string extended_key_usage; ///< "serverAuth,clientAuth", ...
    std::string subject_alt_name;   ///< "DNS:host" or "IP:127.0.0.1"
};

support::X509Ptr issue(const CertificateRequest &request) {
    support::X509Ptr certificate(X509_new());
    if (!certificate || X509_set_version(certificate.get(), 2) != 1) {
        openssl_failed("creating a certificate");
    }
    set_random_serial(certificate.get());
    set_name(X509_get_subject_name(certificate.get()), request.subject);
    X509_NAME *issuer_name = request.issuer != nullptr ? X509_get_subject_name(request.issuer)
                                                       : X509_get_subject_name(certificate.get());
    if (X509_set_issuer_name(certificate.get(), issuer_name) != 1 ||
        ASN1_TIME_set(X509_getm_notBefore(certificate.get()),
                      static_cast<time_t>(request.not_before)) == nullptr ||
        ASN1_TIME_set(X509_getm_notAfter(certificate.get()),
                      static_cast<time_t>(request.not_after)) == nullptr ||
        X509_set_pubkey(certificate.get(), request.key) != 1) {
        openssl_failed("filling a certificate");
    }
    X509V3_CTX context;
    X509V3_set_ctx(&context, request.issuer != nullptr ? request.issuer : certificate.get(),
                   certificate.get(), nullptr, nullptr, 0);
    if (request.authority) {
        add_extension(certificate.get(), &context, NID_basic_constraints,
                      "critical,CA:TRUE,pathlen:0");
        add_extension(certificate.get(), &context, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_extension(certificate.get(), &context, NID_basic_constraints, "critical,CA:FALSE");
        add_extension(certificate.get(), &context, NID_key_usage, "critical,digitalSignature");
        add_extension(certificate.get(), &context, NID_ext_key_usage, request.extended_key_usage);
        add_extension(certificate.get(), &context, NID_subject_alt_name, request.subject_alt_name);
    }
    add_extension(certificate.get(), &context, NID_subject_key_identifier, "hash");
    if (request.issuer != nullptr) {
        add_extension(certificate.get(), &context, NID_authority_key_identifier, "keyid:always");
    }
    EVP_PKEY *signer = request.issuer_key != nullptr ? request.issuer_key : request.key;
    if (X509_sign(certificate.get(), signer, EVP_sha384()) <= 0) {
        openssl_failed("signing a certificate");
    }
    return certificate;
}

// Writes `text` to a new file (never over an existing one) with `mode`, synced.
void write_new_file(const fs::path &file, const std::string &text, mode_t mode) {
    const support::UniqueFd descriptor(
        ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
    if (!descriptor.valid() || !support::write_all(descriptor.get(), text) ||
        ::fsync(descriptor.get()) != 0) {
        throw std::runtime_error(file.string() + ": cannot write: " + std::strerror(errno));
    }
}

std::string private_key_pem(EVP_PKEY *key) {
    const BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio ||
        PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        openssl_failed("writing a private key as PEM");
    }
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return {data, static_cast<size_t>(size)};
}

void validate_project(const json::value &project, const std::string &origin) {
    // The project's plugin entries are checked with the site config's own schemas.
    static const JsonSchema schema(builtin_schema("project.schema.json"),
                                   {{"site.schema.json", builtin_schema("site.schema.json")},
                                    {"plugin.schema.json", builtin_schema("plugin.schema.json")}});
    require_valid(schema, project, origin);
}

// A site of the project with what its config gets: its own policy and plugins, or the project's.
struct SitePlan {
    std::string name;
    std::string role;
    std::shared_ptr<const std::string> policy_text; ///< null: no policy; shared by its users
    const json::value *plugins = nullptr;
    std::string subject_alt_name;
};

// Each policy file the project names, read and checked as JSON once (a ConfigError names the
// file), before any key is made.
class PolicyFiles {
public:
    explicit PolicyFiles(fs::path project_dir) : project_dir_(std::move(project_dir)) {}
    std::shared_ptr<const std::string> text(const json::value *name) {
        if (name == nullptr) {
            return nullptr;
        }
        const std::string key(name->get_string());
        auto &slot = read_[key];
        if (!slot) {
            slot = std::make_shared<const std::string>(
                json::serialize(read_json_file(project_dir_ / key)) + "\n");
        }
        return slot;
    }

private:
    fs::path project_dir_;
    std::map<std::string, std::shared_ptr<const std::string>> read_;
};

bool is_ip_address(const std::string &host) {
    std::array<unsigned char, 16> bytes{};
    return ::inet_pton(AF_INET, host.c_str(), bytes.data()) == 1 ||
           ::inet_pton(AF_INET6, host.c_str(), bytes.data()) == 1;
}

std::vector<SitePlan> plan_sites(const json::object &project, const std::string &origin,
                                 const fs::path &project_dir) {
    std::vector<SitePlan> plans;
    PolicyFiles policies(project_dir);
    auto plan = [&](const json::object &site, const std::string &role) {
        SitePlan out;
        out.name = std::string(site.at("name").get_string());
        out.role = role;
        const json::value *policy = site.if_contains("policy");
        out.policy_text = policies.text(policy != nullptr ? policy : project.if_contains("policy"));
        out.plugins = site.if_contains("plugins");
        if (out.plugins == nullptr) {
            out.plugins = project.if_contains("plugins");
        }
        out.subject_alt_name = "DNS:" + out.name;
        if (role == "server") {
            const std::string host(site.at("host").get_string());
            out.subject_alt_name = (is_ip_address(host) ? "IP:" : "DNS:") + host;
        }
        return out;
    };
    plans.push_back(plan(project.at("server").get_object(), "server"));
    for (const auto &client : project.at("clients").get_array()) {
        plans.push_back(plan(client.get_object(), "client"));
    }
    std::set<std::string> seen;
    for (size_t i = 0; i < plans.size(); ++i) {
        const std::string pointer =
            i == 0 ? "/server/name" : "/clients/" + std::to_string(i - 1) + "/name";
        if (plans[i].name == "ca") {
            throw ConfigError(
                {config_problem(origin, pointer, "\"ca\" is the folder of the federation's CA")});
        }
        if (!seen.insert(plans[i].name).second) {
            throw ConfigError({config_problem(
                origin, pointer, "site name \"" + plans[i].name + "\" is used twice")});
        }
    }
    return plans;
}

// The site config of one kit: its identity, its files, the server's address (host:port), its
// plugins, and its policy copied into the kit.
void write_kit(const fs::path &folder, const SitePlan &site, const std::string &server_address,
               const std::string &ca_pem, const std::string &key_pem,
               const std::string &certificate_pem) {
    fs::create_directory(folder);
    write_new_file(folder / "federation-ca.pem", ca_pem, 0644);
    write_new_file(folder / "site.pem", certificate_pem, 0644);
    write_new_file(folder / "site.key", key_pem, 0600);
    json::object config{{"site", {{"name", site.name}, {"role", site.role}}},
                        {"state_dir", "state"},
                        {"federation",
                         {{"server", server_address},
                          {"ca", "federation-ca.pem"},
                          {"certificate", "site.pem"},
                          {"key", "site.key"}}}};
    if (site.policy_text) {
        write_new_file(folder / "policy.json", *site.policy_text, 0644);
        config["policy"] = "policy.json";
    }
    config["plugins"] = site.plugins != nullptr ? *site.plugins : json::array{};
    write_new_file(folder / "site.json", json::serialize(config) + "\n", 0644);
}

// `out` must not exist, or be an empty folder (removed and replaced by the finished kits).
void check_output(const fs::path &out) {
    std::error_code ec;
    const auto status = fs::symlink_status(out, ec);
    if (status.type() == fs::file_type::not_found) {
        return;
    }
    if (status.type() != fs::file_type::directory || !fs::is_empty(out, ec)) {
        throw std::runtime_error(out.string() +
                                 " already exists and is not an empty folder: provision never "
                                 "overwrites keys");
    }
}

} // namespace

ProvisionResult provision_federation(const json::value &project, const std::string &origin,
                                     const fs::path &project_dir, const fs::path &out,
                                     int64_t now) {
    validate_project(project, origin);
    const auto &root = project.get_object();
    const std::vector<SitePlan> sites = plan_sites(root, origin, project_dir);
    check_output(out);
    const auto &server = root.at("server").get_object();
    const std::string server_address = std::string(server.at("host").get_string()) + ":" +
                                       std::to_string(server.at("port").to_number<int64_t>());
    const std::string federation(root.at("federation").get_string());
    const int64_t validity_days = root.contains("validity_days")
                                      ? root.at("validity_days").to_number<int64_t>()
                                      : default_validity_days;
    const int64_t not_before = now - backdate_s;

    // Everything is built beside `out` and renamed into place at the end.
    const fs::path absolute_out = fs::absolute(out).lexically_normal();
    const fs::path staging =
        absolute_out.parent_path() / ("." + absolute_out.filename().string() + ".provisioning");
    fs::remove_all(staging);
    fs::create_directories(staging / "ca");
    try {
        const support::PkeyPtr ca_key = new_p384_key();
        CertificateRequest ca_request;
        ca_request.subject = {federation, "", federation + " federation root CA"};
        ca_request.key = ca_key.get();
        ca_request.not_before = not_before;
        ca_request.not_after =
            now +
            std::min(validity_days * ca_validity_factor, max_ca_validity_days) * seconds_per_day;
        ca_request.authority = true;
        const support::Certificate ca(issue(ca_request));
        const std::string ca_pem = support::certificate_pem(ca);
        write_new_file(staging / "ca" / "federation-ca.pem", ca_pem, 0644);
        write_new_file(staging / "ca" / "federation-ca.key", private_key_pem(ca_key.get()), 0600);

        ProvisionResult result;
        for (const auto &site : sites) {
            const support::PkeyPtr key = new_p384_key();
            CertificateRequest request;
            request.subject = {federation, site.role, site.name};
            request.key = key.get();
            request.issuer = ca.get();
            request.issuer_key = ca_key.get();
            request.not_before = not_before;
            request.not_after = now + validity_days * seconds_per_day;
            // Both ends of a mutual-TLS connection present certificates; only the server
            // accepts connections.
            request.extended_key_usage =
                site.role == "server" ? "serverAuth,clientAuth" : "clientAuth";
            request.subject_alt_name = site.subject_alt_name;
            const support::Certificate certificate(issue(request));
            write_kit(staging / site.name, site, server_address, ca_pem, private_key_pem(key.get()),
                      support::certificate_pem(certificate));
            result.sites.push_back({site.name, site.role, absolute_out / site.name});
        }
        (void)support::sync_folder(staging);
        std::error_code ec;
        fs::remove(absolute_out, ec); // an empty folder, checked above
        fs::rename(staging, absolute_out);
        (void)support::sync_folder(absolute_out.parent_path());
        result.ca_folder = absolute_out / "ca";
        return result;
    } catch (...) {
        std::error_code ec;
        fs::remove_all(staging, ec);
        throw;
    }
}

} // namespace ccattest
