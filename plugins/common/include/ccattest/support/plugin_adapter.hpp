// The plugin adapter: turns a C++ class into the whole ABI edge of authorizer.h (the entry, the
// table, argument checks, guards, hand-over of outputs), so a plugin's plugin.cpp is its
// description and its operations, and nothing of the ABI is written twice.
//
// A plugin class provides:
//
//   static constexpr ccattest::support::PluginDescription description{...};
//   static std::unique_ptr<Plugin> create(const boost::json::object &config,
//                                         const ccattest::support::Host &host);
//   Output generate(std::span<const uint8_t, CCATTEST_REPORT_DATA_SIZE> report_data) const;
//   Output verify(const ccattest::support::VerifyRequest &request) const;       // claims
//   Output inspect(std::span<const uint8_t> token) const;                       // optional
//
// where Output is bytes (anything a std::span<const uint8_t> views), text (anything a
// std::string_view views) or a boost::json::object/value (serialized compactly). Errors are thrown
// as sdk::failure(status, message). generate and verify must exist exactly when the description's
// capabilities say so; inspect is detected, and then both inspect (ABI 1.0) and inspect2 (ABI 1.1)
// are offered. One .so defines one entry: CCATTEST_DEFINE_PLUGIN(Plugin) at namespace scope.
//
// What the adapter does for every plugin: negotiates ABI 1.0 to 1.1 and keeps the host table (R2,
// R9); parses the config with support::parse_json (CCATTEST_E_CONFIG naming the problem, also for
// JSON-shape errors thrown by create); checks every argument once (CCATTEST_E_INVALID_ARGUMENT);
// turns every exception into a status and message (R5, R6); hands outputs over in host memory (R4).
#pragma once

#include <ccattest/authorizer.h>
#include <ccattest/authorizer.hpp>
#include <ccattest/support/json.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/system/system_error.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace ccattest::support {

/// What a plugin says about itself: the strings and capabilities of ccattest_plugin_api. Every
/// member but `description` is required (authorizer.h, "Mandatory in ABI 1.0").
struct PluginDescription {
    const char *name = nullptr;
    const char *vendor = nullptr;
    const char *version = nullptr;
    const char *namespace_id = nullptr;
    const char *token_format = nullptr;
    const char *evidence_format = nullptr;
    const char *description = nullptr;
    uint64_t capabilities = 0;
    const char *config_schema = nullptr;
};

/// The host's services as a plugin uses them. Cheap to copy; valid until the library is unloaded
/// (R9), so an instance may keep one.
class Host {
public:
    Host() = default;
    explicit Host(const ccattest_host_api *api) noexcept : api_(api) {}

    /// Logs through the host (R7); a no-op without a host.
    void log(uint32_t level, const std::string &message) const noexcept {
        sdk::log(api_, level, message);
    }
    /// The host's clock, in seconds since the epoch.
    [[nodiscard]] int64_t now() const {
        if (api_ == nullptr) {
            throw sdk::failure(CCATTEST_E_INTERNAL, "no host services: the entry was not called");
        }
        return api_->now(api_->host_context);
    }
    /// Whether the host offers its network service (ABI 1.1, R3: only when struct_size covers the
    /// slots). A 1.0 host, or one without a network channel, has none.
    [[nodiscard]] bool can_fetch() const noexcept {
        return api_ != nullptr && api_->struct_size >= CCATTEST_HOST_API_SIZE_1_1 &&
               api_->fetch != nullptr && api_->cache_validity != nullptr;
    }
    /// The raw table, for services this wrapper does not cover (see collateral.hpp for fetch).
    [[nodiscard]] const ccattest_host_api *api() const noexcept { return api_; }

private:
    const ccattest_host_api *api_ = nullptr;
};

/// What verify is asked (ccattest_verify_args, checked).
struct VerifyRequest {
    std::span<const uint8_t> token; ///< never empty
    /// CCATTEST_REPORT_DATA_SIZE bytes the token must bind, or empty when no value is expected.
    std::span<const uint8_t> expected_report_data;
    int64_t verification_time = 0;
};

/// Runs `make` (a part of create, e.g. the verifier); a file the config names that cannot be read
/// (CCATTEST_E_IO) is reported as what it is at create: a config error.
template <typename Make> auto config_part(Make &&make) -> decltype(make()) {
    try {
        return make();
    } catch (const sdk::failure &e) {
        throw sdk::failure(e.status() == CCATTEST_E_IO ? CCATTEST_E_CONFIG : e.status(), e.what());
    }
}

/// The warnings every plugin with a simulator logs at create: that this instance trusts simulated
/// hardware (`platform`, e.g. "TDX"), and that its evidence source is the simulator.
inline void warn_about_simulation(const Host &host, const std::string &platform,
                                  bool trusts_simulated, bool generates_simulated) {
    if (trusts_simulated) {
        host.log(CCATTEST_LOG_WARNING, "SIMULATED " + platform +
                                           " hardware is trusted by this instance "
                                           "(allow_simulated): its claims carry simulated=true");
    }
    if (generates_simulated) {
        host.log(CCATTEST_LOG_WARNING,
                 "evidence source is the SIMULATOR: tokens prove nothing about hardware");
    }
}

using ReportData = std::span<const uint8_t, CCATTEST_REPORT_DATA_SIZE>;

template <typename Plugin>
concept plugin_generates = requires(const Plugin &plugin, ReportData report_data) {
    plugin.generate(report_data);
};
template <typename Plugin>
concept plugin_verifies = requires(const Plugin &plugin, const VerifyRequest &request) {
    plugin.verify(request);
};
template <typename Plugin>
concept plugin_inspects = requires(const Plugin &plugin, std::span<const uint8_t> token) {
    plugin.inspect(token);
};

namespace adapter_detail {

/// Hands an operation's output to the host in host memory (R4).
template <typename Output>
void hand_over(const ccattest_host_api &host, const Output &output, ccattest_buffer &out) {
    if constexpr (std::is_same_v<Output, boost::json::object> ||
                  std::is_same_v<Output, boost::json::value>) {
        const std::string text = boost::json::serialize(output);
        sdk::give_to_host(host, text.data(), text.size(), out);
    } else if constexpr (std::is_convertible_v<const Output &, std::string_view>) {
        const std::string_view text(output);
        sdk::give_to_host(host, text.data(), text.size(), out);
    } else {
        const std::span<const uint8_t> bytes(output);
        sdk::give_to_host(host, bytes.data(), bytes.size(), out);
    }
}

/// The config text as an object; anything else is CCATTEST_E_CONFIG.
inline boost::json::object parse_config(std::string_view text) {
    boost::json::value document;
    try { // the support library's strict parser: duplicate members are refused
        document = parse_json(text);
    } catch (const sdk::failure &e) {
        throw sdk::failure(CCATTEST_E_CONFIG, std::string("config: ") + e.what());
    }
    if (!document.is_object()) {
        throw sdk::failure(CCATTEST_E_CONFIG, "config is not a JSON object");
    }
    return std::move(document.get_object());
}

} // namespace adapter_detail

/// The ABI edge of one plugin class. Only `entry` is used from outside (CCATTEST_DEFINE_PLUGIN).
template <typename Plugin> class PluginAdapter {
    static constexpr PluginDescription described = Plugin::description;
    static_assert(((described.capabilities & CCATTEST_CAP_GENERATE) != 0) ==
                      plugin_generates<Plugin>,
                  "CCATTEST_CAP_GENERATE must be set exactly when the class has generate");
    static_assert(((described.capabilities & CCATTEST_CAP_VERIFY) != 0) == plugin_verifies<Plugin>,
                  "CCATTEST_CAP_VERIFY must be set exactly when the class has verify");
    static_assert(described.name != nullptr && described.vendor != nullptr &&
                      described.version != nullptr && described.namespace_id != nullptr &&
                      described.token_format != nullptr && described.evidence_format != nullptr &&
                      described.config_schema != nullptr,
                  "every description string but `description` is required");

public:
    static ccattest_status entry(const ccattest_host_api *host, const ccattest_plugin_api **out_api,
                                 char *error_message, size_t error_message_size) noexcept {
        return sdk::answer_entry(host, table, host_, out_api, error_message, error_message_size);
    }

private:
    static const Plugin &instance(const ccattest_instance *handle) noexcept {
        return *reinterpret_cast<const Plugin *>(handle);
    }

    /// Plugin::create, with the JSON-shape errors of boost::json accessors (a member of the wrong
    /// type or missing) reported as config errors.
    static std::unique_ptr<Plugin> build(const boost::json::object &config) {
        try {
            return Plugin::create(config, Host(host_));
        } catch (const boost::system::system_error &e) {
            throw sdk::failure(CCATTEST_E_CONFIG, std::string("config: ") + e.what());
        } catch (const std::invalid_argument &e) {
            throw sdk::failure(CCATTEST_E_CONFIG, std::string("config: ") + e.what());
        } catch (const std::out_of_range &e) {
            throw sdk::failure(CCATTEST_E_CONFIG, std::string("config: ") + e.what());
        }
    }

    static ccattest_status create(const char *config_json, size_t config_json_size,
                                  ccattest_instance **out_instance, char *error_message,
                                  size_t error_message_size) noexcept {
        return sdk::guard(error_message, error_message_size, [&] {
            if (config_json == nullptr || out_instance == nullptr) {
                throw sdk::failure(CCATTEST_E_INVALID_ARGUMENT,
                                   "config_json and out_instance must not be NULL");
            }
            *out_instance = nullptr;
            std::unique_ptr<Plugin> made = build(
                adapter_detail::parse_config(std::string_view(config_json, config_json_size)));
            if (made == nullptr) {
                throw sdk::failure(CCATTEST_E_INTERNAL, "create returned no instance");
            }
            *out_instance = reinterpret_cast<ccattest_instance *>(made.release());
            return CCATTEST_OK;
        });
    }

    static void destroy(ccattest_instance *handle) noexcept {
        delete reinterpret_cast<Plugin *>(handle);
    }

    static ccattest_status generate(ccattest_instance *handle, const ccattest_generate_args *args,
                                    ccattest_buffer *out_token, char *error_message,
                                    size_t error_message_size) noexcept {
        return sdk::guard(error_message, error_message_size, [&] {
            sdk::check_generate_args(handle, args, out_token);
            const ReportData report_data(args->report_data, CCATTEST_REPORT_DATA_SIZE);
            adapter_detail::hand_over(*host_, instance(handle).generate(report_data), *out_token);
            return CCATTEST_OK;
        });
    }

    static ccattest_status verify(ccattest_instance *handle, const ccattest_verify_args *args,
                                  ccattest_buffer *out_claims, char *error_message,
                                  size_t error_message_size) noexcept {
        return sdk::guard(error_message, error_message_size, [&] {
            sdk::check_verify_args(handle, args, out_claims);
            VerifyRequest request;
            request.token = std::span(args->token, args->token_size);
            if (args->expected_report_data != nullptr) {
                request.expected_report_data =
                    std::span(args->expected_report_data, CCATTEST_REPORT_DATA_SIZE);
            }
            request.verification_time = args->verification_time;
            adapter_detail::hand_over(*host_, instance(handle).verify(request), *out_claims);
            return CCATTEST_OK;
        });
    }

    static ccattest_status inspect_token(ccattest_instance *handle, const uint8_t *token,
                                         size_t token_size, ccattest_buffer *out_description) {
        if (handle == nullptr || token == nullptr || token_size == 0 ||
            out_description == nullptr) {
            throw sdk::failure(CCATTEST_E_INVALID_ARGUMENT,
                               "instance, a non-empty token and the output buffer are required");
        }
        out_description->data = nullptr;
        out_description->size = 0;
        adapter_detail::hand_over(*host_, instance(handle).inspect(std::span(token, token_size)),
                                  *out_description);
        return CCATTEST_OK;
    }

    static ccattest_status inspect(ccattest_instance *handle, const uint8_t *token,
                                   size_t token_size, ccattest_buffer *out_description,
                                   char *error_message, size_t error_message_size) noexcept {
        return sdk::guard(error_message, error_message_size, [&] {
            return inspect_token(handle, token, token_size, out_description);
        });
    }

    static ccattest_status inspect2(ccattest_instance *handle, const ccattest_inspect_args *args,
                                    ccattest_buffer *out_description, char *error_message,
                                    size_t error_message_size) noexcept {
        return sdk::guard(error_message, error_message_size, [&] {
            if (args == nullptr || args->struct_size < CCATTEST_INSPECT_ARGS_SIZE_1_1) {
                throw sdk::failure(CCATTEST_E_INVALID_ARGUMENT,
                                   "inspect arguments are missing or too small for ABI 1.1");
            }
            return inspect_token(handle, args->token, args->token_size, out_description);
        });
    }

    static constexpr ccattest_plugin_api make_table() noexcept {
        ccattest_plugin_api made{
            .struct_size = sizeof(ccattest_plugin_api),
            .abi_major = CCATTEST_ABI_MAJOR,
            .abi_minor = CCATTEST_ABI_MINOR,
            .name = described.name,
            .vendor = described.vendor,
            .plugin_version = described.version,
            .namespace_id = described.namespace_id,
            .token_format = described.token_format,
            .evidence_format = described.evidence_format,
            .description = described.description,
            .capabilities = described.capabilities,
            .config_schema = described.config_schema,
            .create = &create,
            .destroy = &destroy,
            .generate = nullptr,
            .verify = nullptr,
            .inspect = nullptr,
            .inspect2 = nullptr,
        };
        if constexpr (plugin_generates<Plugin>) {
            made.generate = &generate;
        }
        if constexpr (plugin_verifies<Plugin>) {
            made.verify = &verify;
        }
        if constexpr (plugin_inspects<Plugin>) {
            made.inspect = &inspect;
            made.inspect2 = &inspect2;
        }
        return made;
    }

    /// Static, so the table and its strings live until unload (R9).
    static const ccattest_plugin_api table;
    /// Set by the entry; valid until unload (R9).
    inline static const ccattest_host_api *host_ = nullptr;
};

// Defined after the class, where make_table is complete, so the table is constant-initialized.
template <typename Plugin>
const ccattest_plugin_api PluginAdapter<Plugin>::table = PluginAdapter<Plugin>::make_table();

} // namespace ccattest::support

/// Defines the one exported entry of a plugin library (R1) for the class `Plugin`.
#define CCATTEST_DEFINE_PLUGIN(Plugin)                                                             \
    extern "C" CCATTEST_EXPORT ccattest_status ccattest_authorizer_entry(                          \
        const ccattest_host_api *host, const ccattest_plugin_api **out_api, char *error_message,   \
        size_t error_message_size) {                                                               \
        return ::ccattest::support::PluginAdapter<Plugin>::entry(host, out_api, error_message,     \
                                                                 error_message_size);              \
    }
