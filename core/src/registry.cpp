#include "ccattest/core/registry.hpp"

#include "ccattest/core/logging.hpp"

namespace ccattest {
namespace fs = std::filesystem;

std::string_view state_name(PluginRecord::State state) {
    switch (state) {
    case PluginRecord::State::loaded: return "loaded";
    case PluginRecord::State::refused: return "refused";
    case PluginRecord::State::disabled: return "disabled";
    }
    return "refused";
}

fs::path resolve_library(const PluginEntry &entry, const fs::path &plugin_dir) {
    fs::path library(entry.library);
    if (library.is_absolute()) {
        return library;
    }
    if (plugin_dir.empty()) {
        throw LoadError("\"" + entry.library +
                        "\" is a bare file name but no plugin_dir is configured");
    }
    return plugin_dir / library;
}

Registry::Registry(const SiteConfig &config) {
    try {
        network_ = std::make_shared<net::FetchService>(
            config.network,
            config.state_dir.empty() ? fs::path() : config.state_dir / "collateral");
    } catch (const std::exception &e) {
        // An unusable ca_file or proxy: plugins then get no network service at all.
        startup_failure_ = std::string("network: ") + e.what();
        logging::write(LogLevel::error, "loader", *startup_failure_);
    }
    for (const auto &entry : config.plugins) {
        PluginRecord record;
        record.entry = entry;
        if (!entry.enabled) {
            record.state = PluginRecord::State::disabled;
            logging::write(LogLevel::info, "loader", "plugin '" + entry.label + "' is disabled");
            plugins_.push_back(std::move(record));
            continue;
        }
        try {
            record.resolved_path = resolve_library(entry, config.plugin_dir);
            auto library = PluginLibrary::open(
                {entry.label, record.resolved_path, entry.sha256, nullptr, network_});
            record.warnings = library->warnings();
            const std::string namespace_id = library->api().namespace_id;
            for (const auto &other : plugins_) {
                if (other.authorizer && other.authorizer->namespace_id() == namespace_id) {
                    throw LoadError("namespace " + namespace_id +
                                    " is already provided by plugin '" + other.entry.label + "' (" +
                                    other.resolved_path.string() + ")");
                }
            }
            record.authorizer = std::make_shared<Authorizer>(
                std::move(library), entry.config, entry.origin_file, entry.origin_pointer);
            record.state = PluginRecord::State::loaded;
            for (const auto &warning : record.warnings) {
                logging::write(LogLevel::warning, "loader",
                               "plugin '" + entry.label + "' " + warning);
            }
            const auto &api = record.authorizer->library().api();
            logging::write(LogLevel::info, "loader",
                           "loaded plugin '" + entry.label + "': " + namespace_id + " " +
                               api.plugin_version + " (ABI " + std::to_string(api.abi_major) + "." +
                               std::to_string(record.authorizer->library().negotiated_minor()) +
                               ") from " + record.resolved_path.string());
        } catch (const std::exception &e) {
            record.state = PluginRecord::State::refused;
            record.reason = e.what();
            if (entry.critical) {
                if (!startup_failure_) {
                    startup_failure_ =
                        "critical plugin '" + entry.label + "' failed: " + record.reason;
                }
                logging::write(LogLevel::error, "loader",
                               "critical plugin '" + entry.label + "' failed: " + record.reason);
            } else {
                logging::write(LogLevel::warning, "loader",
                               "skipped optional plugin '" + entry.label + "': " + record.reason);
            }
        }
        plugins_.push_back(std::move(record));
    }
}

std::shared_ptr<Authorizer> Registry::find(std::string_view namespace_id) const {
    for (const auto &record : plugins_) {
        if (record.authorizer && record.authorizer->namespace_id() == namespace_id) {
            return record.authorizer;
        }
    }
    return nullptr;
}

} // namespace ccattest
