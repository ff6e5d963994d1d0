#include "ccattest/core/config.hpp"

#include "ccattest/core/json_schema.hpp"
#include "ccattest/core/plugin_library.hpp"
#include "embedded_schemas.hpp"

#include <ccattest/support/files.hpp>
#include <ccattest/support/json.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace ccattest {
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t max_config_file_size = 1U << 20U;

std::string join_lines(const std::vector<std::string> &lines) {
    std::string out;
    for (const auto &line : lines) {
        out += (out.empty() ? "" : "\n") + line;
    }
    return out;
}

const JsonSchema &schema_for(std::string_view name) {
    // Both schemas are built once; site.schema.json refers to plugin.schema.json by name.
    static const JsonSchema site(builtin_schema("site.schema.json"),
                                 {{"plugin.schema.json", builtin_schema("plugin.schema.json")}});
    static const JsonSchema plugin(builtin_schema("plugin.schema.json"));
    return name == "site.schema.json" ? site : plugin;
}

void validate_or_throw(const json::value &document, std::string_view schema_name,
                       const std::string &file) {
    require_valid(schema_for(schema_name), document, file);
}

LogLevel parse_level(std::string_view text) {
    static const std::map<std::string_view, LogLevel> levels = {{"trace", LogLevel::trace},
                                                                {"debug", LogLevel::debug},
                                                                {"info", LogLevel::info},
                                                                {"warning", LogLevel::warning},
                                                                {"error", LogLevel::error}};
    return levels.at(text);
}

std::string library_label(const std::string &library) {
    std::string name = fs::path(library).filename().string();
    if (name.rfind("lib", 0) == 0) {
        name = name.substr(3);
    }
    if (const auto dot = name.find('.'); dot != std::string::npos) {
        name = name.substr(0, dot);
    }
    return name;
}

PluginEntry make_entry(const json::object &object, const std::string &file,
                       const std::string &pointer, const std::string &default_label) {
    PluginEntry entry;
    entry.origin_file = file;
    entry.origin_pointer = pointer;
    entry.library = std::string(object.at("library").get_string());
    entry.label =
        object.contains("name") ? std::string(object.at("name").get_string()) : default_label;
    if (const auto *pin = object.if_contains("sha256")) {
        std::string hex(pin->get_string());
        std::transform(hex.begin(), hex.end(), hex.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        entry.sha256 = hex;
    }
    if (const auto *critical = object.if_contains("critical")) {
        entry.critical = critical->get_bool();
    }
    if (const auto *enabled = object.if_contains("enabled")) {
        entry.enabled = enabled->get_bool();
    }
    if (const auto *verify_only = object.if_contains("verify_only")) {
        entry.verify_only = verify_only->get_bool();
    }
    if (const auto *config = object.if_contains("config")) {
        entry.config = config->get_object();
    }
    return entry;
}

// A library is an absolute path or a bare file name: relative paths with folders would depend on
// the working directory, which a provisioned config must not. Either way it names a file, so "."
// and ".." (which also leave no plugin name) are refused.
void check_library_form(const PluginEntry &entry, std::vector<std::string> &problems) {
    const fs::path library(entry.library);
    const fs::path file = library.filename();
    if ((!library.is_absolute() && library.has_parent_path()) || file.empty() || file == "." ||
        file == "..") {
        problems.push_back(config_problem(entry.origin_file, entry.origin_pointer + "/library",
                                          "expected an absolute path or a bare file name, got \"" +
                                              entry.library + "\""));
    }
}

// A name taken from a file name (the library's, or a drop-in file's) must pass the rule the schema
// sets for an explicit "name"; the violation is the schema's own wording.
std::optional<std::string> plugin_name_problem(const std::string &name) {
    static const JsonSchema rule(builtin_schema("plugin.schema.json").at("properties").at("name"));
    const auto violations = rule.validate(json::string(name));
    if (violations.empty()) {
        return std::nullopt;
    }
    return violations.front().message;
}

// The `federation` block (already schema-valid): host:port split, the port range checked.
FederationTlsConfig parse_federation(const json::object &block, const fs::path &base,
                                     const std::string &file, std::vector<std::string> &problems) {
    FederationTlsConfig federation;
    const std::string server(block.at("server").get_string());
    const auto colon = server.rfind(':');
    const unsigned long port = std::stoul(server.substr(colon + 1));
    if (port == 0 || port > 65535) {
        problems.push_back(config_problem(file, "/federation/server",
                                          "port " + std::to_string(port) + " is not 1..65535"));
    }
    federation.server_host = server.substr(0, colon);
    federation.server_port = static_cast<uint16_t>(port);
    auto resolve = [&](const char *key) {
        return (base / std::string(block.at(key).get_string())).lexically_normal();
    };
    federation.ca_file = resolve("ca");
    federation.certificate_file = resolve("certificate");
    federation.key_file = resolve("key");
    return federation;
}

// The `network` block (already schema-valid). Namespace keys follow the loader's namespace rule
// (is_valid_namespace, core/include/ccattest/core/plugin_library.hpp), which the schema subset
// cannot express for keys.
net::NetworkConfig parse_network(const json::object &block, const fs::path &base,
                                 const std::string &file, std::vector<std::string> &problems) {
    net::NetworkConfig network;
    if (const auto *mode = block.if_contains("mode")) {
        network.mode = mode->get_string() == "online" ? net::NetworkConfig::Mode::online
                                                      : net::NetworkConfig::Mode::offline;
    }
    if (const auto *hosts = block.if_contains("allowed_hosts")) {
        for (const auto &[key, list] : hosts->get_object()) {
            const std::string namespace_id(key);
            if (!is_valid_namespace(namespace_id)) {
                problems.push_back(config_problem(
                    file, "/network/allowed_hosts/" + json_pointer_token(namespace_id),
                    "expected a plugin namespace (\"x-\" then lower-case letters, digits and "
                    "single hyphens, at most 64 characters)"));
                continue;
            }
            auto &names = network.allowed_hosts[namespace_id];
            for (const auto &host : list.get_array()) {
                names.emplace_back(host.get_string());
            }
        }
    }
    if (const auto *timeout = block.if_contains("timeout_ms")) {
        network.timeout = std::chrono::milliseconds(timeout->to_number<int64_t>());
    }
    if (const auto *limit = block.if_contains("max_response_bytes")) {
        network.max_response_bytes = limit->to_number<size_t>();
    }
    if (const auto *ca_file = block.if_contains("ca_file")) {
        network.ca_file = (base / std::string(ca_file->get_string())).lexically_normal();
    }
    if (const auto *proxy = block.if_contains("proxy")) {
        network.proxy = std::string(proxy->get_string());
    }
    if (const auto *limit = block.if_contains("cache_max_bytes")) {
        network.cache_max_bytes = limit->to_number<size_t>();
    }
    return network;
}

} // namespace

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error(join_lines(problems)), problems_(std::move(problems)) {}

std::string config_problem(const std::string &file, const std::string &pointer,
                           const std::string &message) {
    return file + ": " + (pointer.empty() ? std::string("/") : pointer) + ": " + message;
}

void require_valid(const JsonSchema &schema, const json::value &document,
                   const std::string &origin) {
    const auto violations = schema.validate(document);
    if (violations.empty()) {
        return;
    }
    std::vector<std::string> problems;
    problems.reserve(violations.size());
    for (const auto &v : violations) {
        problems.push_back(config_problem(origin, v.pointer, v.message));
    }
    throw ConfigError(std::move(problems));
}

json::value parse_json_text(std::string_view text, const std::string &origin) {
    try {
        return support::parse_json(text);
    } catch (const std::exception &e) {
        throw ConfigError({origin + ": " + e.what()});
    }
}

json::value read_json_file(const fs::path &file) {
    std::string text;
    try {
        text = support::read_text_file(file, max_config_file_size);
    } catch (const std::exception &e) {
        throw ConfigError({e.what()});
    }
    return parse_json_text(text, file.string());
}

const json::value &builtin_schema(std::string_view name) {
    static const std::map<std::string, json::value, std::less<>> schemas = [] {
        std::map<std::string, json::value, std::less<>> parsed;
        for (const auto &[file, text] : embedded_schemas()) {
            parsed.emplace(file, support::parse_json(text));
        }
        return parsed;
    }();
    const auto found = schemas.find(name);
    if (found == schemas.end()) {
        throw std::out_of_range("no built-in schema named " + std::string(name));
    }
    return found->second;
}

SiteConfig load_site_config(const fs::path &file, const fs::path &default_plugin_dir) {
    const std::string name = file.string();
    const json::value document = read_json_file(file);
    validate_or_throw(document, "site.schema.json", name);
    const json::object &root = document.get_object();

    SiteConfig site;
    site.file = file;
    const fs::path base = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    const json::object &site_block = root.at("site").get_object();
    site.site_name = std::string(site_block.at("name").get_string());
    if (const auto *role = site_block.if_contains("role")) {
        site.role = std::string(role->get_string());
    }
    site.plugin_dir = default_plugin_dir;
    if (const auto *dir = root.if_contains("plugin_dir")) {
        site.plugin_dir = (base / std::string(dir->get_string())).lexically_normal();
    }
    if (const auto *policy = root.if_contains("policy")) {
        site.policy = (base / std::string(policy->get_string())).lexically_normal();
    }
    if (const auto *state = root.if_contains("state_dir")) {
        site.state_dir = (base / std::string(state->get_string())).lexically_normal();
    }
    if (const auto *logging = root.if_contains("logging")) {
        const auto &block = logging->get_object();
        if (const auto *level = block.if_contains("level")) {
            site.logging.level = parse_level(level->get_string());
        }
        if (const auto *format = block.if_contains("format")) {
            site.logging.format =
                format->get_string() == "json" ? LogFormat::json : LogFormat::text;
        }
    }
    std::vector<std::string> problems;
    if (const auto *network = root.if_contains("network")) {
        site.network = parse_network(network->get_object(), base, name, problems);
    }
    if (const auto *federation = root.if_contains("federation")) {
        site.federation = parse_federation(federation->get_object(), base, name, problems);
    }
    std::vector<size_t> name_from_file; // entries whose name comes from a file name, not "name"
    if (const auto *plugins = root.if_contains("plugins")) {
        size_t index = 0;
        for (const auto &item : plugins->get_array()) {
            const std::string pointer = "/plugins/" + std::to_string(index++);
            const auto &object = item.get_object();
            site.plugins.push_back(
                make_entry(object, name, pointer,
                           library_label(std::string(object.at("library").get_string()))));
            if (!object.contains("name")) {
                name_from_file.push_back(site.plugins.size() - 1);
            }
        }
    }

    // The drop-in folder: named explicitly (then it must exist) or conf.d beside the file
    // (optional).
    fs::path drop_in = base / "conf.d";
    bool drop_in_required = false;
    if (const auto *dir = root.if_contains("conf_d")) {
        drop_in = base / std::string(dir->get_string());
        drop_in_required = true;
    }
    // Where the folder is wrong, the problem is given at the key that named it, or at the site
    // file's root for the implicit conf.d.
    const auto drop_in_problem = [&](const std::string &message) {
        return config_problem(name, drop_in_required ? "/conf_d" : "", message);
    };
    std::error_code ec;
    const fs::file_status drop_in_status = fs::status(drop_in, ec);
    if (ec && ec != std::errc::no_such_file_or_directory) {
        problems.push_back(
            drop_in_problem("folder " + drop_in.string() + ": " +
                            (ec == std::errc::too_many_symbolic_link_levels
                                 ? std::string("too many levels of symbolic links (a link loop?)")
                                 : ec.message())));
    } else if (fs::is_directory(drop_in_status)) {
        std::vector<fs::path> files;
        fs::directory_iterator it(drop_in, ec);
        for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
            const fs::path &path = it->path();
            // Hidden files (".name.json": editors' backups and lock files) are not plugins.
            if (path.extension() == ".json" && path.filename().string().front() != '.') {
                files.push_back(path);
            }
        }
        if (ec) {
            throw ConfigError({drop_in.string() + ": cannot list folder: " + ec.message()});
        }
        std::sort(files.begin(), files.end());
        for (const auto &drop_in_file : files) {
            try {
                const json::value entry_document = read_json_file(drop_in_file);
                validate_or_throw(entry_document, "plugin.schema.json", drop_in_file.string());
                const std::string stem = drop_in_file.stem().string();
                const auto &object = entry_document.get_object();
                site.plugins.push_back(make_entry(object, drop_in_file.string(), "", stem));
                if (!object.contains("name")) {
                    name_from_file.push_back(site.plugins.size() - 1);
                }
            } catch (const ConfigError &e) {
                problems.insert(problems.end(), e.problems().begin(), e.problems().end());
            }
        }
    } else if (fs::exists(drop_in_status)) {
        problems.push_back(drop_in_problem(drop_in.string() + " is not a folder"));
    } else if (drop_in_required) {
        problems.push_back(drop_in_problem("folder " + drop_in.string() + " does not exist"));
    }

    std::map<std::string, const PluginEntry *> labels;
    for (size_t index = 0; index < site.plugins.size(); ++index) {
        const PluginEntry &entry = site.plugins[index];
        const size_t known = problems.size();
        check_library_form(entry, problems);
        const bool named_by_file =
            std::find(name_from_file.begin(), name_from_file.end(), index) != name_from_file.end();
        if (const auto problem = named_by_file && problems.size() == known
                                     ? plugin_name_problem(entry.label)
                                     : std::nullopt) {
            // A drop-in entry is its whole file (pointer ""); a site entry's name comes from its
            // library.
            problems.push_back(
                entry.origin_pointer.empty()
                    ? config_problem(entry.origin_file, "",
                                     "the file name gives the plugin name \"" + entry.label +
                                         "\", which is not valid: " + *problem +
                                         " (rename the file or set \"name\")")
                    : config_problem(entry.origin_file, entry.origin_pointer + "/library",
                                     "the library's file name gives the plugin name \"" +
                                         entry.label + "\", which is not valid: " + *problem +
                                         " (set \"name\")"));
        }
        const auto [existing, inserted] = labels.emplace(entry.label, &entry);
        if (!inserted) {
            problems.push_back(
                config_problem(entry.origin_file, entry.origin_pointer,
                               "plugin name \"" + entry.label + "\" is already used by " +
                                   existing->second->origin_file +
                                   (existing->second->origin_pointer.empty()
                                        ? std::string()
                                        : " at " + existing->second->origin_pointer)));
        }
    }
    if (!problems.empty()) {
        throw ConfigError(std::move(problems));
    }
    return site;
}

} // namespace ccattest
