// Loading one authorizer plugin library and the instances it backs.
#pragma once

#include <ccattest/authorizer.h>

#include "ccattest/core/json_schema.hpp"
#include "ccattest/core/network.hpp"

#include <boost/dll/shared_library.hpp>
#include <boost/json/object.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ccattest {

/// The host's ABI range. This core speaks exactly what its authorizer.h describes.
inline constexpr uint16_t host_abi_major = CCATTEST_ABI_MAJOR;
inline constexpr uint16_t host_abi_minor_min = 0;
inline constexpr uint16_t host_abi_minor_max = CCATTEST_ABI_MINOR;

/// A plugin could not be loaded or an instance not be created; what() is the full reason.
class LoadError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Names of the capability bits that are set, in bit order ("generate", "verify", ...).
std::vector<std::string> capability_names(uint64_t capabilities);

/// A plugin namespace: "x-" then lower-case letters and digits in groups joined by single hyphens
/// (x-[a-z0-9]+(-[a-z0-9]+)*), at most 64 characters.
bool is_valid_namespace(std::string_view text);
/// A semantic version: MAJOR.MINOR.PATCH without leading zeros, then an optional "-prerelease" and
/// "+build" of [0-9A-Za-z.-].
bool is_semantic_version(std::string_view text);

/// A loaded plugin library whose table passed every check. Shared by every instance it creates and
/// kept loaded while any of them lives.
class PluginLibrary : public std::enable_shared_from_this<PluginLibrary> {
public:
    struct Options {
        std::string label;                 ///< the configured name; tags log lines
        std::filesystem::path path;        ///< the resolved file
        std::optional<std::string> sha256; ///< lower-case hex pin
        /// Runs after every check passed, just before the checked file is loaded. Only tests set
        /// it: they replace the file at `path` here to prove that the checked bytes are loaded.
        std::function<void()> after_checks{};
        /// The host network service offered to the plugin (ccattest_host_api.fetch and
        /// cache_validity); null: no service, both slots are NULL. A file already loaded keeps
        /// the slots it was loaded with (R9: the table never changes) but serves fetches with
        /// the service of the most recent open() that passed one.
        std::shared_ptr<net::FetchService> network{};
    };

    /// Opens the file once, checks that descriptor (a regular file; not group/world-writable;
    /// owned by root or the current user; every folder on the way to it, and to any symbolic link
    /// on that way, owned by root or the current user and not group/world-writable unless sticky
    /// and owned by root; the sha256 pin), then loads that same descriptor, so what was checked is
    /// what runs. Negotiates the ABI. Throws LoadError with the exact reason. A file already loaded
    /// in this process (same device and inode) is not loaded twice: the living PluginLibrary is
    /// returned, so a plugin only ever sees one host table.
    static std::shared_ptr<PluginLibrary> open(Options options);

    PluginLibrary(const PluginLibrary &) = delete;
    PluginLibrary &operator=(const PluginLibrary &) = delete;
    ~PluginLibrary();

    /// The plugin's table as this host understands it: a zero-filled copy of the part the
    /// negotiated minor defines, so slots of later minors (inspect2 of a 1.0-negotiated plugin)
    /// read as NULL whatever the plugin's table holds there.
    [[nodiscard]] const ccattest_plugin_api &api() const noexcept { return api_; }
    [[nodiscard]] uint16_t negotiated_minor() const noexcept { return negotiated_minor_; }
    [[nodiscard]] const std::string &label() const noexcept { return options_.label; }
    [[nodiscard]] const std::filesystem::path &path() const noexcept { return options_.path; }
    [[nodiscard]] const JsonSchema &config_schema() const noexcept { return *config_schema_; }
    /// Non-fatal findings about the library (e.g. extra exported symbols). The symbol table is read
    /// on the first call, not at load, so a process that never asks (one `ccattest verify`) does
    /// not pay for reading it. Thread-safe.
    [[nodiscard]] const std::vector<std::string> &warnings() const;

    /// The host services table handed to the plugin (stable address for the library's lifetime).
    [[nodiscard]] const ccattest_host_api &host_api() const noexcept { return host_api_; }

    /// The network service behind host_api().fetch (null when none), and whether the table has
    /// passed its checks: fetches made during the entry call, before the namespace is known, are
    /// refused. Used by the host service trampolines.
    [[nodiscard]] std::shared_ptr<net::FetchService> network() const;
    [[nodiscard]] bool table_ready() const noexcept {
        return table_ready_.load(std::memory_order_acquire);
    }

private:
    PluginLibrary(Options options, int descriptor);
    void load();

    Options options_;
    int descriptor_; ///< the checked file, open while the library is loaded (see the destructor)
    boost::dll::shared_library library_;
    ccattest_host_api host_api_{};
    ccattest_plugin_api api_{};
    uint16_t negotiated_minor_ = 0;
    std::optional<JsonSchema> config_schema_;
    mutable std::once_flag warnings_once_;
    mutable std::vector<std::string> warnings_;
    mutable std::mutex network_mutex_;
    std::shared_ptr<net::FetchService> network_;
    std::atomic<bool> table_ready_{false};
};

/// The outcome of one plugin operation: a status, the plugin's message, and the output bytes.
struct OperationResult {
    ccattest_status status = CCATTEST_E_INTERNAL;
    std::string message;
    std::vector<uint8_t> output;
    [[nodiscard]] bool ok() const noexcept { return status == CCATTEST_OK; }
};

/// One configured instance of a plugin. Thread-safe as the ABI's threading contract allows:
/// operations run concurrently unless the plugin asked to be serialized, in which case they are
/// serialized here.
class Authorizer {
public:
    /// Validates `config` against the plugin's schema (violations name `origin`, a "file: pointer"
    /// prefix for the config block) and calls create. Throws LoadError.
    Authorizer(std::shared_ptr<PluginLibrary> library, const boost::json::object &config,
               const std::string &origin_file, const std::string &origin_pointer);
    ~Authorizer();
    Authorizer(const Authorizer &) = delete;
    Authorizer &operator=(const Authorizer &) = delete;

    [[nodiscard]] const PluginLibrary &library() const noexcept { return *library_; }
    [[nodiscard]] std::string namespace_id() const { return library_->api().namespace_id; }

    OperationResult generate(std::span<const uint8_t, CCATTEST_REPORT_DATA_SIZE> report_data);
    OperationResult
    verify(std::span<const uint8_t> token,
           std::optional<std::span<const uint8_t, CCATTEST_REPORT_DATA_SIZE>> expected_report_data,
           int64_t verification_time);
    /// Describes a token without verifying anything (the plugin's optional inspect slot).
    OperationResult inspect(std::span<const uint8_t> token);

private:
    template <typename Call> OperationResult run(Call &&call);

    std::shared_ptr<PluginLibrary> library_;
    ccattest_instance *instance_ = nullptr;
    std::optional<std::mutex> serialize_;
};

} // namespace ccattest
