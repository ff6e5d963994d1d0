// The provisioned site configuration: one site file plus a drop-in folder of plugin files, each
// validated against the published schemas in config/schema/ (compiled into the core).
#pragma once

#include "ccattest/core/network.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ccattest {

/// A configuration problem. Each line of what() reads "<file>: <JSON pointer>: <what is wrong>".
class ConfigError : public std::runtime_error {
public:
    explicit ConfigError(std::vector<std::string> problems);
    [[nodiscard]] const std::vector<std::string> &problems() const noexcept { return problems_; }

private:
    std::vector<std::string> problems_;
};

/// Formats one problem the way every config error is shown.
std::string config_problem(const std::string &file, const std::string &pointer,
                           const std::string &message);

class JsonSchema;
/// Throws ConfigError listing every violation of `schema` in `document`, each named by `origin`
/// and its JSON pointer.
void require_valid(const JsonSchema &schema, const boost::json::value &document,
                   const std::string &origin);

/// Reads a JSON document (at most 1 MiB). Throws ConfigError naming the file and, for syntax
/// errors, the line and column.
boost::json::value read_json_file(const std::filesystem::path &file);

/// Parses JSON text; `origin` names it in errors.
boost::json::value parse_json_text(std::string_view text, const std::string &origin);

enum class LogLevel { trace, debug, info, warning, error };
enum class LogFormat { text, json };

struct LoggingConfig {
    LogLevel level = LogLevel::info;
    LogFormat format = LogFormat::text;
};

/// One configured plugin.
struct PluginEntry {
    std::string origin_file;    ///< the file the entry came from, as given
    std::string origin_pointer; ///< its JSON pointer in that file ("" for a whole drop-in file)
    std::string label;          ///< unique name used in logs and listings
    std::string library;        ///< as written: an absolute path or a bare file name
    std::optional<std::string> sha256; ///< lower-case hex pin, when given
    bool critical = false;
    bool enabled = true;
    /// The plugin verifies other sites' evidence only: this site has no such hardware, so it
    /// generates no token with it (a site of a mixed federation verifying its peers' platforms).
    bool verify_only = false;
    boost::json::object config; ///< the plugin's own config block ({} when absent)
};

/// The `federation` block: how the site meets its federation over mutual TLS (files resolved
/// against the site file's folder).
struct FederationTlsConfig {
    std::string server_host;
    uint16_t server_port = 0;
    std::filesystem::path ca_file;
    std::filesystem::path certificate_file;
    std::filesystem::path key_file;
};

struct SiteConfig {
    std::filesystem::path file; ///< the site file, as given
    std::string site_name;
    std::string role;                 ///< "server", "client" or "" when unset
    std::filesystem::path plugin_dir; ///< where bare library names resolve
    std::filesystem::path policy;     ///< the result policy file ("" when unset)
    std::filesystem::path state_dir;  ///< durable state ("" when unset)
    LoggingConfig logging;
    /// The `network` block (offline when absent); ca_file resolved against the site file's folder.
    net::NetworkConfig network;
    std::optional<FederationTlsConfig> federation; ///< absent: the site runs no network federation
    std::vector<PluginEntry> plugins; ///< site file entries first, then drop-ins by file name
};

/// Loads and validates a site file and its drop-in folder. `default_plugin_dir` applies when the
/// file names none. Throws ConfigError listing every problem found.
SiteConfig load_site_config(const std::filesystem::path &file,
                            const std::filesystem::path &default_plugin_dir);

/// The JSON documents compiled into the core, by file name: the schemas of config/schema/
/// ("site.schema.json", ...), the default scenario ("default-scenario.json") and the simulator
/// demonstration policy ("snp-simulator-demo.json").
const boost::json::value &builtin_schema(std::string_view name);

} // namespace ccattest
