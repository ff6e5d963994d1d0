// The registry: every plugin the site config names, loaded (or refused, with the reason) at
// start-up.
#pragma once

#include "ccattest/core/config.hpp"
#include "ccattest/core/plugin_library.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ccattest {

/// What happened to one configured plugin.
struct PluginRecord {
    enum class State { loaded, refused, disabled };
    PluginEntry entry;
    std::filesystem::path resolved_path;
    State state = State::refused;
    std::string reason;                     ///< why refused (empty when loaded or disabled)
    std::vector<std::string> warnings;      ///< non-fatal findings
    std::shared_ptr<Authorizer> authorizer; ///< set when loaded
};

std::string_view state_name(PluginRecord::State state);

/// Where a configured library is: its absolute path, or its bare name in plugin_dir. Throws
/// LoadError when a bare name has no plugin_dir to resolve in.
std::filesystem::path resolve_library(const PluginEntry &entry,
                                      const std::filesystem::path &plugin_dir);

class Registry {
public:
    /// Loads every enabled plugin of the config, in order. Never throws for a plugin's failure:
    /// each outcome is recorded (and logged); see startup_failure().
    explicit Registry(const SiteConfig &config);

    [[nodiscard]] const std::vector<PluginRecord> &plugins() const noexcept { return plugins_; }
    /// The loaded authorizer for a namespace, or nullptr.
    [[nodiscard]] std::shared_ptr<Authorizer> find(std::string_view namespace_id) const;
    /// Set when a plugin marked critical failed, or the network block is unusable: the site must
    /// not start.
    [[nodiscard]] const std::optional<std::string> &startup_failure() const noexcept {
        return startup_failure_;
    }
    /// The one network service every loaded plugin fetches through, built from config.network
    /// with its cache in state_dir/collateral (no cache without a state_dir). Null only when the
    /// network block is unusable (see startup_failure()). For `ccattest collateral` and tests.
    [[nodiscard]] const std::shared_ptr<net::FetchService> &network() const noexcept {
        return network_;
    }

private:
    std::shared_ptr<net::FetchService> network_;
    std::vector<PluginRecord> plugins_;
    std::optional<std::string> startup_failure_;
};

} // namespace ccattest
