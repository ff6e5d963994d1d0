// The ccattest command-line tool. Exit codes: 0 ok, 1 rejected or failed, 2 usage or config error.
#include "ccattest/core/cc_manager.hpp"
#include "ccattest/core/config.hpp"
#include "ccattest/core/logging.hpp"
#include "ccattest/core/provision.hpp"
#include "ccattest/core/registry.hpp"
#include "ccattest/simulation/federation.hpp"
#include "collateral_command.hpp"

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include "ccattest/core/digest.hpp"

#include <ccattest/authorizer.hpp>
#include <ccattest/support/crypto.hpp>
#include <ccattest/support/files.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {
namespace po = boost::program_options;
namespace json = boost::json;
namespace fs = std::filesystem;

using ccattest::cli::exit_failed;
using ccattest::cli::exit_ok;
using ccattest::cli::exit_usage;
constexpr size_t max_cc_info_size = size_t{16} << 20U;  // tokens of every platform, base64
constexpr size_t max_evidence_size = size_t{16} << 20U; // far above any platform's evidence

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The plugin folder and site file of an installation, found relative to this executable, so the
// build tree (which mirrors the install layout) and any install prefix work alike.
fs::path installed_path(const char *relative) {
    return (boost::dll::program_location().parent_path() / relative).lexically_normal().string();
}

fs::path default_plugin_dir() {
    return installed_path(CCATTEST_RELATIVE_PLUGIN_DIR);
}
fs::path default_config() {
    return installed_path(CCATTEST_RELATIVE_SITE_CONFIG);
}

struct Command {
    const char *name;
    const char *summary;
    std::function<po::options_description()> options;
    std::function<int(const po::variables_map &)> run;
};

po::variables_map parse(const po::options_description &options,
                        const std::vector<std::string> &args) {
    po::variables_map values;
    try {
        po::store(po::command_line_parser(args).options(options).run(), values);
        po::notify(values);
    } catch (const po::error &e) {
        throw UsageError(e.what());
    }
    return values;
}

ccattest::SiteConfig load_config(const po::variables_map &values) {
    const fs::path file = values.count("config") != 0 ? fs::path(values["config"].as<std::string>())
                                                      : default_config();
    fs::path plugin_dir = default_plugin_dir();
    auto site = ccattest::load_site_config(file, plugin_dir);
    if (values.count("plugin-dir") != 0) {
        site.plugin_dir = values["plugin-dir"].as<std::string>();
    }
    ccattest::logging::configure(site.logging.level, site.logging.format, std::cerr);
    return site;
}

po::options_description plugins_options() {
    po::options_description options(
        "ccattest plugins [options]\n\n"
        "Loads every plugin the site config names and lists each one: "
        "where it came from, whether it loaded, and why not.\n"
        "Exit status: 0 when every critical plugin loaded, 1 when one did "
        "not, 2 on a usage or config error.\n\nOptions");
    options.add_options()("help,h", "show this help")(
        "config,c", po::value<std::string>()->value_name("FILE"),
        ("site config file (default: " + default_config().string() + ")").c_str())(
        "plugin-dir", po::value<std::string>()->value_name("DIR"),
        "resolve bare library names in DIR instead of the config's plugin_dir")(
        "json", "print a JSON object instead of text");
    return options;
}

json::object plugin_json(const ccattest::PluginRecord &record) {
    json::object out;
    out["name"] = record.entry.label;
    out["source"] = record.entry.origin_file +
                    (record.entry.origin_pointer.empty() ? "" : "#" + record.entry.origin_pointer);
    out["library"] = record.entry.library;
    out["path"] = record.resolved_path.string();
    out["state"] = ccattest::state_name(record.state);
    out["critical"] = record.entry.critical;
    if (!record.reason.empty()) {
        out["reason"] = record.reason;
    }
    json::array warnings;
    for (const auto &w : record.warnings) {
        warnings.emplace_back(w);
    }
    out["warnings"] = std::move(warnings);
    if (record.authorizer) {
        const auto &library = record.authorizer->library();
        const auto &api = library.api();
        out["namespace"] = api.namespace_id;
        out["plugin_name"] = api.name;
        out["vendor"] = api.vendor;
        out["version"] = api.plugin_version;
        out["token_format"] = api.token_format;
        out["evidence_format"] = api.evidence_format;
        out["abi"] = {
            {"negotiated",
             std::to_string(api.abi_major) + "." + std::to_string(library.negotiated_minor())},
            {"plugin", std::to_string(api.abi_major) + "." + std::to_string(api.abi_minor)}};
        json::array capabilities;
        for (const auto &c : ccattest::capability_names(api.capabilities)) {
            capabilities.emplace_back(c);
        }
        out["capabilities"] = std::move(capabilities);
    }
    return out;
}

void print_plugin_text(const ccattest::PluginRecord &record) {
    std::cout << record.entry.label << ": " << ccattest::state_name(record.state)
              << (record.entry.critical ? " (critical)" : "") << '\n';
    std::cout << "  source:       " << record.entry.origin_file
              << (record.entry.origin_pointer.empty() ? "" : " at " + record.entry.origin_pointer)
              << '\n';
    if (!record.resolved_path.empty()) {
        std::cout << "  path:         " << record.resolved_path.string() << '\n';
    }
    if (!record.reason.empty()) {
        std::cout << "  reason:       " << record.reason << '\n';
    }
    if (record.authorizer) {
        const auto &library = record.authorizer->library();
        const auto &api = library.api();
        std::string capabilities;
        for (const auto &c : ccattest::capability_names(api.capabilities)) {
            capabilities += (capabilities.empty() ? "" : ", ") + c;
        }
        std::cout << "  namespace:    " << api.namespace_id << '\n'
                  << "  plugin:       " << api.name << " " << api.plugin_version << " by "
                  << api.vendor << '\n'
                  << "  abi:          " << api.abi_major << "." << library.negotiated_minor()
                  << " (plugin built for " << api.abi_major << "." << api.abi_minor << ")\n"
                  << "  formats:      token " << api.token_format << ", evidence "
                  << api.evidence_format << '\n'
                  << "  capabilities: " << capabilities << '\n';
    }
    for (const auto &w : record.warnings) {
        std::cout << "  warning:      " << w << '\n';
    }
}

int run_plugins(const po::variables_map &values) {
    const auto site = load_config(values);
    const ccattest::Registry registry(site);
    if (values.count("json") != 0) {
        json::object out;
        out["config"] = site.file.string();
        out["site"] = site.site_name;
        out["plugin_dir"] = site.plugin_dir.string();
        json::array plugins;
        for (const auto &record : registry.plugins()) {
            plugins.emplace_back(plugin_json(record));
        }
        out["plugins"] = std::move(plugins);
        out["startup_ok"] = !registry.startup_failure().has_value();
        if (registry.startup_failure()) {
            out["startup_failure"] = *registry.startup_failure();
        }
        std::cout << json::serialize(out) << '\n';
    } else {
        std::cout << "site " << site.site_name << " (" << site.file.string() << "), plugin dir "
                  << site.plugin_dir.string() << "\n\n";
        for (const auto &record : registry.plugins()) {
            print_plugin_text(record);
        }
        if (registry.plugins().empty()) {
            std::cout << "no plugins configured\n";
        }
        if (registry.startup_failure()) {
            std::cout << "\nstart-up would fail: " << *registry.startup_failure() << '\n';
        }
    }
    return registry.startup_failure() ? exit_failed : exit_ok;
}

// ---- verify and inspect: raw evidence files through one plugin
// ------------------------------------

// Multi-line JSON for people (Boost.JSON serializes compactly).
void pretty(std::ostream &out, const json::value &value, int indent = 0) {
    const std::string pad(static_cast<size_t>(indent) * 2, ' ');
    if (value.is_object() && !value.get_object().empty()) {
        out << "{\n";
        bool first = true;
        for (const auto &[key, member] : value.get_object()) {
            out << (first ? "" : ",\n") << pad << "  " << json::serialize(json::string(key))
                << ": ";
            pretty(out, member, indent + 1);
            first = false;
        }
        out << "\n" << pad << "}";
    } else if (value.is_array() && !value.get_array().empty()) {
        out << "[\n";
        bool first = true;
        for (const auto &item : value.get_array()) {
            out << (first ? "" : ",\n") << pad << "  ";
            pretty(out, item, indent + 1);
            first = false;
        }
        out << "\n" << pad << "]";
    } else {
        out << json::serialize(value);
    }
}

int64_t parse_time(const std::string &text) {
    if (!text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c)) != 0;
        })) {
        int64_t seconds = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
        if (error != std::errc() || end != text.data() + text.size()) {
            throw UsageError("--at: \"" + text +
                             "\" is out of range: seconds since the epoch must fit in 64 bits");
        }
        return seconds;
    }
    bool shaped = false;
    const std::optional<int64_t> seconds = ccattest::support::parse_rfc3339(text, &shaped);
    if (!shaped) {
        throw UsageError("--at: \"" + text +
                         "\" is not an RFC 3339 UTC time like 2024-05-01T12:00:00Z, nor seconds");
    }
    if (!seconds) {
        throw UsageError("--at: \"" + text + "\" is not a date and time that exists");
    }
    return *seconds;
}

std::vector<uint8_t> read_evidence(const std::string &file) {
    std::vector<uint8_t> data;
    try {
        data = ccattest::support::read_file(file, max_evidence_size);
    } catch (const std::exception &e) {
        throw UsageError(std::string("--evidence: ") + e.what());
    }
    if (data.empty()) {
        throw UsageError("--evidence: " + file + " is empty");
    }
    return data;
}

// The plugin serving a namespace: from the site config when one is given, else the first library
// named libcc_*.so in the plugin folder that declares it.
struct Target {
    std::shared_ptr<ccattest::PluginLibrary> library;
    json::object config;
    std::string origin;
};

Target find_target(const po::variables_map &values) {
    const std::string namespace_id = values["namespace"].as<std::string>();
    Target target;
    // --online fetches only what the site's allow-list permits: the given config, else the
    // installed one.
    const bool online = values.count("online") != 0;
    if (values.count("config") != 0 || online) {
        const auto site = load_config(values);
        const auto network = ccattest::cli::site_network(site, online);
        for (const auto &entry : site.plugins) {
            if (!entry.enabled) {
                continue;
            }
            // As at start-up: a critical plugin that fails stops here, an optional one is
            // skipped with its reason and the plugins after it still count.
            std::shared_ptr<ccattest::PluginLibrary> library;
            try {
                const fs::path path = ccattest::resolve_library(entry, site.plugin_dir);
                library = ccattest::PluginLibrary::open(
                    {entry.label, path, entry.sha256, nullptr, network});
            } catch (const ccattest::LoadError &e) {
                if (entry.critical) {
                    throw std::runtime_error("critical plugin '" + entry.label +
                                             "' failed: " + e.what());
                }
                std::cerr << "ccattest: skipped optional plugin '" << entry.label
                          << "': " << e.what() << '\n';
                continue;
            }
            if (library->api().namespace_id == namespace_id) {
                return {library, entry.config, entry.origin_file};
            }
        }
        throw UsageError("no plugin in " + site.file.string() + " provides namespace " +
                         namespace_id);
    }
    ccattest::logging::configure(ccattest::LogLevel::warning, ccattest::LogFormat::text, std::cerr);
    const fs::path folder = values.count("plugin-dir") != 0
                                ? fs::path(values["plugin-dir"].as<std::string>())
                                : default_plugin_dir();
    std::vector<fs::path> candidates;
    std::error_code ec;
    for (const auto &item : fs::directory_iterator(folder, ec)) {
        const std::string name = item.path().filename().string();
        if (name.rfind("libcc_", 0) == 0 && item.path().extension() == ".so") {
            candidates.push_back(item.path());
        }
    }
    std::sort(candidates.begin(), candidates.end());
    // The library named after the namespace's last part (x-...-name: libcc_name.so) is tried
    // first, so a run usually loads only the plugin it needs: each load costs start-up time
    // (tests/bench/README.md).
    const std::string usual = "libcc_" + namespace_id.substr(namespace_id.rfind('-') + 1) + ".so";
    std::stable_partition(candidates.begin(), candidates.end(),
                          [&usual](const fs::path &path) { return path.filename() == usual; });
    for (const auto &path : candidates) {
        try {
            auto library =
                ccattest::PluginLibrary::open({path.stem().string(), path, std::nullopt});
            if (library->api().namespace_id == namespace_id) {
                return {library, {}, "command line"};
            }
        } catch (const ccattest::LoadError &) {
            // not this one
        }
    }
    throw UsageError("no plugin in " + folder.string() + " provides namespace " + namespace_id);
}

// Command-line settings become plugin config keys, when the plugin's schema has them.
bool schema_has(const Target &target, const std::string &key) {
    json::error_code ec;
    const json::value published = json::parse(target.library->api().config_schema, ec);
    const json::value *properties = ec ? nullptr : published.as_object().if_contains("properties");
    return properties != nullptr && properties->as_object().contains(key);
}

void apply_option(Target &target, const std::string &key, json::value value, const char *option) {
    if (!schema_has(target, key)) {
        throw UsageError(std::string(option) + ": plugin " + target.library->api().namespace_id +
                         " has no \"" + key + "\" setting");
    }
    target.config[key] = std::move(value);
}

// --collateral: a plugin whose schema has "collateral" takes folders and files alike (each file
// recognised by its content); one with "collateral_dir" takes one folder of its own layout.
void apply_collateral(Target &target, const std::vector<std::string> &paths) {
    if (schema_has(target, "collateral")) {
        json::array entries;
        for (const auto &path : paths) {
            std::error_code ec;
            if (!fs::exists(path, ec)) {
                throw UsageError("--collateral: " + path + " does not exist");
            }
            entries.emplace_back(fs::absolute(path).string());
        }
        apply_option(target, "collateral", std::move(entries), "--collateral");
        return;
    }
    if (paths.size() != 1) {
        throw UsageError(std::string("--collateral: plugin ") + target.library->api().namespace_id +
                         " takes one collateral folder, not " + std::to_string(paths.size()));
    }
    apply_option(target, "collateral_dir", json::string(fs::absolute(paths.front()).string()),
                 "--collateral");
}

// --set KEY=VALUE: any top-level setting of the plugin's config schema, applied after the named
// options. VALUE is JSON when it parses as JSON (true, 3, ["a"], {"k": 1}), else a string; the
// plugin's schema then checks its type.
void apply_setting(Target &target, const std::string &setting) {
    const auto equals = setting.find('=');
    if (equals == std::string::npos || equals == 0) {
        throw UsageError("--set: expected KEY=VALUE, got \"" + setting + "\"");
    }
    const std::string key = setting.substr(0, equals);
    const std::string text = setting.substr(equals + 1);
    json::error_code ec;
    json::value value = json::parse(text, ec);
    if (ec) {
        value = json::string(text);
    }
    apply_option(target, key, std::move(value), "--set");
}

// `document_alone`: the token is a collateral document to check by itself (verify --rim without
// --evidence), which the plugin accepts only when told (accept_rim_documents).
std::shared_ptr<ccattest::Authorizer> instance_for(const po::variables_map &values,
                                                   bool document_alone = false) {
    Target target = find_target(values);
    if (document_alone) {
        apply_option(target, "accept_rim_documents", true, "--rim");
    } else if (values.count("rim") != 0) {
        json::array files;
        for (const auto &file : values["rim"].as<std::vector<std::string>>()) {
            files.emplace_back(fs::absolute(file).string());
        }
        apply_option(target, "rim_files", std::move(files), "--rim");
    }
    if (values.count("cert") != 0) {
        json::array files;
        for (const auto &file : values["cert"].as<std::vector<std::string>>()) {
            files.emplace_back(fs::absolute(file).string());
        }
        apply_option(target, "certificate_files", std::move(files), "--cert");
    }
    if (values.count("collateral") != 0) {
        apply_collateral(target, values["collateral"].as<std::vector<std::string>>());
    }
    if (values.count("product") != 0) {
        apply_option(target, "product", json::string(values["product"].as<std::string>()),
                     "--product");
    }
    if (values.count("set") != 0) {
        for (const auto &setting : values["set"].as<std::vector<std::string>>()) {
            apply_setting(target, setting);
        }
    }
    try {
        return std::make_shared<ccattest::Authorizer>(target.library, target.config, target.origin,
                                                      "");
    } catch (const ccattest::LoadError &e) {
        throw UsageError(std::string("the plugin refused its configuration: ") + e.what());
    }
}

void add_evidence_options(po::options_description &options) {
    options.add_options()("help,h", "show this help")(
        "namespace,n", po::value<std::string>()->value_name("NS"),
        "the plugin's namespace, as `ccattest plugins` lists it")(
        "evidence,e", po::value<std::string>()->value_name("FILE"),
        "the evidence or token file")("config,c", po::value<std::string>()->value_name("FILE"),
                                      "take the plugin and its settings from this site config")(
        "plugin-dir", po::value<std::string>()->value_name("DIR"),
        "look for the plugin in DIR (default: the installed plugin folder)")(
        "product", po::value<std::string>()->value_name("NAME"),
        "product line for evidence that does not state it (the plugin's \"product\" setting)")(
        "set", po::value<std::vector<std::string>>()->value_name("KEY=VALUE"),
        "a setting of the plugin's config (repeatable; after the options above): VALUE is JSON "
        "when it parses as JSON, else a string; the plugin's schema checks it")(
        "json", "print a JSON object");
}

po::options_description verify_options() {
    po::options_description options(
        "ccattest verify --namespace NS --evidence FILE [options]\n"
        "ccattest verify --namespace NS --rim FILE [options]   (one RIM alone)\n\n"
        "Verifies evidence in-process: signatures, the certificate chain to pinned roots, validity "
        "at\n"
        "the given time, and the binding to the expected report data. Decides no policy.\n"
        "Exit status: 0 authentic, 1 not authentic, 2 usage error.\n\nOptions");
    add_evidence_options(options);
    options.add_options()(
        "cert", po::value<std::vector<std::string>>()->value_name("FILE"),
        "a certificate or CRL to use (repeatable; the plugin's \"certificate_files\" "
        "setting)")(
        "collateral", po::value<std::vector<std::string>>()->value_name("DIR|FILE"),
        "offline collateral (repeatable): folders or files, as the plugin's \"collateral\" "
        "setting takes them (each file recognised by its content), or one folder for a plugin "
        "with \"collateral_dir\"; see the plugin's README for its layout")(
        "rim", po::value<std::vector<std::string>>()->value_name("FILE"),
        "a reference integrity manifest to compare the measurements with (repeatable; the "
        "plugin's \"rim_files\" setting); "
        "without --evidence, checks one RIM alone (signature, chain, validity) and lists its "
        "measurements")("report-data", po::value<std::string>()->value_name("HEX"),
                        "the 64 bytes the evidence must be bound to, as 128 hex digits")(
        "nonce", po::value<std::string>()->value_name("HEX"),
        "the report data as a shorter prefix, the rest zero (1 to 64 bytes as hex), for "
        "evidence that binds fewer than 64 bytes (a 32-byte nonce)")(
        "no-binding", "check no binding (the report data is only reported)")(
        "at", po::value<std::string>()->value_name("TIME"),
        "verification time, RFC 3339 UTC or seconds since the epoch (default: now)")(
        "cc-info", po::value<std::string>()->value_name("FILE"), "another site's CC info (JSON)")(
        "challenge", po::value<std::string>()->value_name("HEX"),
        "the challenge the CC info must answer (64 hex digits); without it, the attester's own is "
        "accepted and, when the site has a state_dir, checked against the replay store")(
        "identity", po::value<std::string>()->value_name("NAME"),
        "the sender's authenticated site name (default: the name inside the CC info)")(
        "role", po::value<std::string>()->value_name("ROLE")->default_value("client"),
        "the sender's role: client or server")(
        "online", "fetch collateral the plugin lacks: network.mode online for this run (the "
                  "allow-list of the site config, or of the installed one, still applies)");
    return options;
}

// A CCManager for the site a config describes: its plugins, its policy and its state.
std::unique_ptr<ccattest::CCManager> site_manager(const ccattest::SiteConfig &site,
                                                  bool need_policy) {
    auto registry = std::make_shared<ccattest::Registry>(site);
    if (registry->startup_failure()) {
        throw std::runtime_error(*registry->startup_failure());
    }
    if (need_policy && site.policy.empty()) {
        throw UsageError(site.file.string() +
                         " names no policy: add \"policy\" to appraise others");
    }
    const ccattest::Policy policy =
        site.policy.empty() ? ccattest::Policy::parse(json::parse(R"({"namespaces": {}})"), "none")
                            : ccattest::Policy::load(site.policy);
    ccattest::ManagerSettings settings;
    settings.site = site.site_name;
    settings.role = site.role.empty() ? "client" : site.role;
    settings.state_dir = site.state_dir;
    return std::make_unique<ccattest::CCManager>(
        registry, policy, settings, [] { return static_cast<int64_t>(std::time(nullptr)); });
}

std::optional<ccattest::Challenge> challenge_option(const po::variables_map &values) {
    if (values.count("challenge") == 0) {
        return std::nullopt;
    }
    const auto bytes = ccattest::support::parse_hex(values["challenge"].as<std::string>());
    if (!bytes || bytes->size() != 32) {
        throw UsageError("--challenge: expected 64 hex digits (32 bytes)");
    }
    ccattest::Challenge challenge{};
    std::copy(bytes->begin(), bytes->end(), challenge.begin());
    return challenge;
}

// CC info comes from another site: read it bounded, parse it strictly, and call what is wrong
// malformed evidence, not a configuration error.
ccattest::CcInfo read_cc_info(const std::string &file) {
    std::string text;
    try {
        text = ccattest::support::read_text_file(file, max_cc_info_size);
    } catch (const std::exception &e) {
        throw ccattest::MalformedEvidence(e.what());
    }
    return ccattest::CcInfo::from_text(text, file);
}

int run_verify_cc_info(const po::variables_map &values) {
    if (values.count("config") == 0) {
        throw UsageError("--cc-info needs --config: the site whose policy appraises it");
    }
    auto site = load_config(values);
    if (values.count("online") != 0) {
        site.network.mode = ccattest::net::NetworkConfig::Mode::online;
    }
    const auto manager = site_manager(site, true);
    const auto info = read_cc_info(values["cc-info"].as<std::string>());
    const std::string identity =
        values.count("identity") != 0 ? values["identity"].as<std::string>() : info.site;
    const auto challenge = challenge_option(values);
    const auto verdict =
        manager->appraise(info, identity, values["role"].as<std::string>(), challenge,
                          !challenge.has_value() && !site.state_dir.empty());
    json::object out{
        {"site", identity}, {"accepted", verdict.accepted}, {"authentic", verdict.authentic}};
    json::array reasons;
    for (const auto &r : verdict.reasons) {
        reasons.emplace_back(r.to_json());
    }
    out["reasons"] = std::move(reasons);
    json::object claims;
    for (const auto &[ns, c] : verdict.claims) {
        claims[ns] = c;
    }
    out["claims"] = std::move(claims);
    if (values.count("json") != 0) {
        std::cout << json::serialize(out) << '\n';
    } else {
        std::cout << identity << ": " << (verdict.accepted ? "ACCEPTED" : "REJECTED") << " by "
                  << site.site_name << "'s policy"
                  << (values.count("identity") == 0 ? " (identity taken from the CC info itself)"
                                                    : "")
                  << '\n';
        for (const auto &r : verdict.reasons) {
            std::cout << "  - " << r.message << '\n';
        }
    }
    return verdict.accepted ? exit_ok : exit_failed;
}

po::options_description generate_options() {
    po::options_description options(
        "ccattest generate --config SITE.json [--challenge HEX]\n\n"
        "Prints this site's CC info: a token from every configured issuer, bound to the challenge "
        "(or\n"
        "to a fresh random one) and to the site's identity, as JSON.\n"
        "Exit status: 0 generated, 1 an issuer failed, 2 usage or config error.\n\nOptions");
    options.add_options()("help,h", "show this help")(
        "config,c", po::value<std::string>()->value_name("FILE"), "the site config")(
        "plugin-dir", po::value<std::string>()->value_name("DIR"),
        "resolve bare library names in DIR")("challenge",
                                             po::value<std::string>()->value_name("HEX"),
                                             "bind to this challenge (64 hex digits)");
    return options;
}

int run_generate(const po::variables_map &values) {
    const auto site = load_config(values);
    const auto manager = site_manager(site, false);
    const auto challenge = challenge_option(values).value_or(ccattest::new_challenge());
    std::cout << json::serialize(manager->fresh_info(challenge).to_json()) << '\n';
    return exit_ok;
}

po::options_description provision_options() {
    po::options_description options(
        "ccattest provision --project FILE --out DIR\n\n"
        "Makes a federation's startup kits from a project file (config/schema/"
        "project.schema.json):\n"
        "the federation's own root CA (DIR/ca: its certificate and key; the key stays with you),\n"
        "and for every site DIR/<site>: a P-384 key (0600), a certificate naming the site (CN) "
        "and its\n"
        "role (OU), the CA certificate, and site.json (with its policy as policy.json). Copy each "
        "kit\n"
        "to its machine. DIR must not exist or be empty: keys are never overwritten.\n"
        "Exit status: 0 written, 1 could not write, 2 usage or project error.\n\nOptions");
    options.add_options()("help,h", "show this help")(
        "project,p", po::value<std::string>()->value_name("FILE"), "the federation's project file")(
        "out,o", po::value<std::string>()->value_name("DIR"),
        "where the kits go")("json", "print what was written as JSON");
    return options;
}

int run_provision(const po::variables_map &values) {
    for (const char *option : {"project", "out"}) {
        if (values.count(option) == 0) {
            throw UsageError(std::string("the option '--") + option + "' is required");
        }
    }
    const fs::path project_file = values["project"].as<std::string>();
    const auto result = ccattest::provision_federation(
        ccattest::read_json_file(project_file), project_file.string(), project_file.parent_path(),
        values["out"].as<std::string>(), static_cast<int64_t>(std::time(nullptr)));
    if (values.count("json") != 0) {
        json::array sites;
        for (const auto &site : result.sites) {
            sites.push_back({{"name", site.name}, {"role", site.role}, {"kit", site.kit.string()}});
        }
        std::cout << json::serialize(json::object{{"ca", result.ca_folder.string()},
                                                  {"sites", std::move(sites)}})
                  << '\n';
        return exit_ok;
    }
    std::cout << "federation CA: " << result.ca_folder.string()
              << " (keep federation-ca.key off the sites)\n";
    for (const auto &site : result.sites) {
        std::cout << site.role << " " << site.name << ": " << site.kit.string() << '\n';
    }
    return exit_ok;
}

void require_evidence_options(const po::variables_map &values) {
    for (const char *option : {"namespace", "evidence"}) {
        if (values.count(option) == 0) {
            throw UsageError(std::string("the option '--") + option + "' is required");
        }
    }
}

// The report data verify expects: --report-data (64 bytes), --nonce (a prefix, the rest zero), or
// none (--no-binding, or nothing given).
std::optional<std::array<uint8_t, 64>> expected_report_data(const po::variables_map &values) {
    const int given = static_cast<int>(values.count("report-data") + values.count("nonce") +
                                       values.count("no-binding"));
    if (given > 1) {
        throw UsageError("--report-data, --nonce and --no-binding exclude each other");
    }
    std::optional<std::array<uint8_t, 64>> expected;
    if (values.count("report-data") != 0) {
        const auto bytes = ccattest::support::parse_hex(values["report-data"].as<std::string>());
        if (!bytes || bytes->size() != 64) {
            throw UsageError("--report-data: expected 128 hex digits (64 bytes)");
        }
        expected.emplace();
        std::copy(bytes->begin(), bytes->end(), expected->begin());
    } else if (values.count("nonce") != 0) {
        const auto bytes = ccattest::support::parse_hex(values["nonce"].as<std::string>());
        if (!bytes || bytes->empty() || bytes->size() > 64) {
            throw UsageError("--nonce: expected 2 to 128 hex digits (1 to 64 bytes)");
        }
        expected.emplace();
        expected->fill(0);
        std::copy(bytes->begin(), bytes->end(), expected->begin());
    }
    return expected;
}

// Which file verify checks: the evidence, or (verify --rim FILE alone) one RIM by itself.
std::string verify_input(const po::variables_map &values, bool document_alone) {
    if (!document_alone) {
        require_evidence_options(values);
        return values["evidence"].as<std::string>();
    }
    if (values.count("namespace") == 0) {
        throw UsageError("the option '--namespace' is required");
    }
    const auto &rims = values["rim"].as<std::vector<std::string>>();
    if (rims.size() != 1) {
        throw UsageError("--rim without --evidence checks one RIM alone, not " +
                         std::to_string(rims.size()));
    }
    if (values.count("report-data") != 0 || values.count("nonce") != 0) {
        throw UsageError("--report-data and --nonce have no meaning for a RIM checked alone");
    }
    return rims.front();
}

int run_verify(const po::variables_map &values) {
    if (values.count("cc-info") != 0) {
        return run_verify_cc_info(values);
    }
    const bool document_alone = values.count("evidence") == 0 && values.count("rim") != 0;
    const std::string input = verify_input(values, document_alone);
    const std::optional<std::array<uint8_t, 64>> expected = expected_report_data(values);
    const int64_t when = values.count("at") != 0 ? parse_time(values["at"].as<std::string>())
                                                 : static_cast<int64_t>(std::time(nullptr));
    const auto evidence = read_evidence(input);
    const auto authorizer = instance_for(values, document_alone);
    std::optional<std::span<const uint8_t, 64>> binding;
    if (expected) {
        binding.emplace(*expected);
    }
    const auto result = authorizer->verify(evidence, binding, when);

    json::object out;
    out["authentic"] = result.ok();
    out["namespace"] = authorizer->namespace_id();
    out["verification_time"] = when;
    out["binding"] = expected ? "checked" : "not checked";
    json::array reasons;
    if (result.ok()) {
        out["claims"] = json::parse(std::string(result.output.begin(), result.output.end()));
    } else {
        out["claims"] = nullptr;
        reasons.push_back(
            {{"code", ccattest::sdk::status_name(result.status)}, {"message", result.message}});
    }
    out["reasons"] = std::move(reasons);
    if (values.count("json") != 0) {
        std::cout << json::serialize(out) << '\n';
    } else {
        std::cout << (result.ok() ? "authentic" : "NOT authentic") << " ("
                  << authorizer->namespace_id() << ", report data "
                  << (expected ? "checked" : "not checked") << ")\n";
        if (!result.ok()) {
            std::cout << "reason: " << ccattest::sdk::status_name(result.status) << ": "
                      << result.message << '\n';
        } else {
            std::cout << "claims: ";
            pretty(std::cout, out["claims"]);
            std::cout << '\n';
        }
    }
    return result.ok() ? exit_ok : exit_failed;
}

po::options_description inspect_options() {
    po::options_description options(
        "ccattest inspect --namespace NS --evidence FILE [options]\n\n"
        "Decodes evidence and prints every field. Checks nothing: the output is not a verdict.\n"
        "Exit status: 0 decoded, 1 not decodable, 2 usage error.\n\nOptions");
    add_evidence_options(options);
    return options;
}

int run_inspect(const po::variables_map &values) {
    require_evidence_options(values);
    const auto evidence = read_evidence(values["evidence"].as<std::string>());
    const auto authorizer = instance_for(values);
    const auto result = authorizer->inspect(evidence);
    if (!result.ok()) {
        std::cerr << "ccattest: cannot decode: " << ccattest::sdk::status_name(result.status)
                  << ": " << result.message << '\n';
        return exit_failed;
    }
    const auto description = json::parse(std::string(result.output.begin(), result.output.end()));
    if (values.count("json") != 0) {
        std::cout << json::serialize(description) << '\n';
    } else {
        std::cout << "UNVERIFIED: decoded only, nothing was checked\n";
        pretty(std::cout, description);
        std::cout << '\n';
    }
    return exit_ok;
}

// ---- simulate: the simulated federation
// ----------------------------------------------------------

po::options_description simulate_options() {
    po::options_description options(
        "ccattest simulate [--scenario FILE] [options]\n\n"
        "Runs a federation of one server and its clients on simulated hardware (the platforms "
        "the\nscenario names, each through its plugin's simulator): bootstrap,\n"
        "registration, verification with each site's policy, peer decisions, exclusion and "
        "scheduling,\n"
        "every message crossing as JSON. Without --scenario it runs the built-in default "
        "scenario.\n"
        "SIMULATED hardware proves nothing about real machines; this shows the flow and the "
        "decisions.\n"
        "Exit status: 0 when the scenario's expectation is met (or, without one, the job was\n"
        "dispatched), 1 otherwise, 2 on a usage or scenario error.\n\nOptions");
    options.add_options()("help,h", "show this help")(
        "scenario,s", po::value<std::string>()->value_name("FILE"),
        "a scenario file (schema: config/schema/scenario.schema.json)")(
        "state-dir", po::value<std::string>()->value_name("DIR"),
        "keep the simulator's keys and the sites' state here (default: a temporary folder, "
        "removed)")("plugin-dir", po::value<std::string>()->value_name("DIR"),
                    "where the scenario's plugins are (default: the installed plugin folder)")(
        "json", "print the result and timeline as one JSON object");
    return options;
}

int run_simulate(const po::variables_map &values) {
    ccattest::logging::configure(ccattest::LogLevel::error, ccattest::LogFormat::text, std::cerr);
    json::value scenario;
    ccattest::FederationOptions options;
    std::string origin = "built-in default scenario";
    if (values.count("scenario") != 0) {
        const fs::path file = values["scenario"].as<std::string>();
        scenario = ccattest::read_json_file(file);
        ccattest::validate_scenario(scenario, file.string());
        options.scenario_dir = file.parent_path();
        origin = file.string();
    } else {
        scenario = ccattest::builtin_schema("default-scenario.json");
    }
    options.plugin_dir = values.count("plugin-dir") != 0
                             ? fs::path(values["plugin-dir"].as<std::string>())
                             : default_plugin_dir();
    std::optional<fs::path> scratch;
    if (values.count("state-dir") != 0) {
        options.state_dir = values["state-dir"].as<std::string>();
    } else {
        std::string pattern = (fs::temp_directory_path() / "ccattest-simulate-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("cannot create a temporary state folder");
        }
        scratch = pattern;
        options.state_dir = pattern;
    }
    struct Cleanup {
        std::optional<fs::path> &folder;
        ~Cleanup() {
            if (folder) {
                std::error_code ignored;
                fs::remove_all(*folder, ignored);
            }
        }
    } cleanup{scratch};

    const auto result = ccattest::run_federation(scenario, options);
    if (values.count("json") != 0) {
        std::cout << json::serialize(result.to_json()) << '\n';
    } else {
        std::cout << "ccattest simulate: " << origin << " (SIMULATED hardware)\n";
        if (const auto *description = scenario.as_object().if_contains("description")) {
            std::cout << description->as_string().c_str() << "\n";
        }
        std::cout << '\n';
        for (const auto &event : result.timeline) {
            std::cout << "[t+" << std::setw(4) << event.time << "s] " << std::left << std::setw(13)
                      << event.phase << std::setw(9) << event.site << std::right << ' '
                      << event.message << '\n';
        }
        std::cout << "\njob " << result.job << ": " << result.status;
        if (!result.participants.empty()) {
            std::string list;
            for (const auto &p : result.participants) {
                list += (list.empty() ? "" : ", ") + p;
            }
            std::cout << " on " << list;
        }
        if (!result.reason.empty()) {
            std::cout << " (" << result.reason << ")";
        }
        std::cout << ", after " << result.attempts << " attempt(s)\n\n";
        std::cout << std::left << std::setw(10) << "site"
                  << "state\n";
        for (const auto &[site, state] : result.site_state) {
            std::cout << std::setw(10) << site << state << '\n';
        }
        std::cout << std::right;
        if (!result.expectation_note.empty()) {
            std::cout << '\n' << result.expectation_note << '\n';
        }
    }
    const bool ok =
        result.expectation_note.empty() ? result.status == "dispatched" : result.met_expectation;
    return ok ? exit_ok : exit_failed;
}

const std::vector<Command> &commands() {
    static const std::vector<Command> table = {
        {"simulate", "run a simulated federation (server + clients) on a scenario",
         simulate_options, run_simulate},
        {"plugins", "list the configured plugins and whether each loads", plugins_options,
         run_plugins},
        {"generate", "print this site's CC info (tokens bound to a challenge and its identity)",
         generate_options, run_generate},
        {"verify", "verify an evidence file, or appraise another site's CC info with this policy",
         verify_options, run_verify},
        {"inspect", "decode an evidence file and print every field, checking nothing",
         inspect_options, run_inspect},
        {"provision", "make a federation's root CA and each site's key, certificate and config",
         provision_options, run_provision},
        // Run by dispatch itself: it takes positional arguments (an action, URLs).
        {"collateral", "list, prefetch or clear the collateral cache (to prepare an offline site)",
         [] {
             return ccattest::cli::collateral_options({default_config(), default_plugin_dir()});
         },
         nullptr},
    };
    return table;
}

void print_overview(std::ostream &out) {
    out << "ccattest " CCATTEST_VERSION
           " - confidential-computing attestation for federated systems\n\n"
           "usage: ccattest <command> [options]\n       ccattest help <command>\n\ncommands:\n";
    for (const auto &command : commands()) {
        out << "  " << command.name << std::string(12 - std::string(command.name).size(), ' ')
            << command.summary << '\n';
    }
    out << "\nexit status: 0 ok, 1 rejected or failed, 2 usage or config error\n";
}

const Command *find_command(const std::string &name) {
    for (const auto &command : commands()) {
        if (name == command.name) {
            return &command;
        }
    }
    return nullptr;
}

int dispatch(const std::vector<std::string> &args) {
    if (args.empty()) {
        print_overview(std::cerr);
        return exit_usage;
    }
    const std::string &first = args.front();
    if (first == "--help" || first == "-h") {
        print_overview(std::cout);
        return exit_ok;
    }
    if (first == "--version") {
        std::cout << "ccattest " CCATTEST_VERSION " (plugin ABI " << CCATTEST_ABI_MAJOR << "."
                  << CCATTEST_ABI_MINOR << ")\n";
        return exit_ok;
    }
    if (first == "help") {
        if (args.size() == 1) {
            print_overview(std::cout);
            return exit_ok;
        }
        const Command *command = find_command(args[1]);
        if (command == nullptr) {
            throw UsageError("unknown command '" + args[1] + "'");
        }
        std::cout << command->options() << '\n';
        return exit_ok;
    }
    if (first == "collateral") {
        return ccattest::cli::run_collateral({args.begin() + 1, args.end()},
                                             {default_config(), default_plugin_dir()});
    }
    const Command *command = find_command(first);
    if (command == nullptr) {
        throw UsageError("unknown command '" + first + "' (see ccattest --help)");
    }
    const auto options = command->options();
    const auto values = parse(options, {args.begin() + 1, args.end()});
    if (values.count("help") != 0) {
        std::cout << options << '\n';
        return exit_ok;
    }
    return command->run(values);
}

} // namespace

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CCATTEST_CLI_FULL_TEARDOWN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CCATTEST_CLI_FULL_TEARDOWN 1
#endif
#endif

namespace {

int run(int argc, char **argv);

// Ends the process without the teardown at exit (OpenSSL's cleanup, Boost.Log's core, every shared
// library's destructors): up to a tenth of a short run's time, spent freeing memory the kernel
// frees anyway. What the commands own (plugin instances, libraries, files) was released when they
// returned. Sanitizer builds exit normally, so LeakSanitizer still checks everything at exit.
[[noreturn]] void finish(int status) {
    std::cout.flush();
    std::cerr.flush();
    std::clog.flush();
    (void)std::fflush(nullptr);
#if defined(CCATTEST_CLI_FULL_TEARDOWN)
    std::exit(status);
#else
    std::_Exit(status);
#endif
}

} // namespace

int main(int argc, char **argv) {
    finish(run(argc, argv));
}

namespace {

int run(int argc, char **argv) {
    try {
        return dispatch(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const UsageError &e) {
        std::cerr << "ccattest: " << e.what() << '\n';
        return exit_usage;
    } catch (const ccattest::MalformedEvidence &e) {
        std::cerr << "ccattest: malformed CC info: " << e.what() << '\n';
        return exit_failed;
    } catch (const ccattest::ConfigError &e) {
        std::cerr << "ccattest: configuration error:\n";
        for (const auto &problem : e.problems()) {
            std::cerr << "  " << problem << '\n';
        }
        return exit_usage;
    } catch (const std::exception &e) {
        std::cerr << "ccattest: " << e.what() << '\n';
        return exit_failed;
    }
}

} // namespace
