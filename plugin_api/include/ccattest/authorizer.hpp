// Optional header-only C++17 helpers over authorizer.h, for plugin authors and hosts.
//
// Nothing here changes the ABI: these are conveniences that keep the rules of authorizer.h (R4
// ownership, R5 bounded errors, R6 no exceptions across the boundary) easy to follow from C++.
#ifndef CCATTEST_AUTHORIZER_HPP
#define CCATTEST_AUTHORIZER_HPP

#include <ccattest/authorizer.h>

#include <cstring>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace ccattest::sdk {

/// Stable lower-case name of a status code, e.g. "binding_mismatch"; "vendor" for vendor codes.
inline const char *status_name(ccattest_status status) noexcept {
    return ccattest_status_name(status);
}

/// Writes message into a caller-owned buffer (R5): truncated to fit, always NUL-terminated, nothing
/// written when the buffer is NULL or empty.
inline void write_error(char *buffer, size_t buffer_size, std::string_view message) noexcept {
    if (buffer == nullptr || buffer_size == 0) {
        return;
    }
    const size_t length = message.size() < buffer_size - 1 ? message.size() : buffer_size - 1;
    if (length != 0) {
        std::memcpy(buffer, message.data(), length);
    }
    buffer[length] = '\0';
}

/// Thrown inside a plugin to leave an ABI function with a status and a message; `guard` converts
/// it.
class failure : public std::runtime_error {
public:
    failure(ccattest_status status, const std::string &message)
        : std::runtime_error(message), status_(status) {}
    [[nodiscard]] ccattest_status status() const noexcept { return status_; }

private:
    ccattest_status status_;
};

/// Runs body() and turns every exception into a status and a message, so nothing C++ crosses the
/// boundary (R6). body returns a ccattest_status.
template <typename Body>
ccattest_status guard(char *error_message, size_t error_message_size, Body &&body) noexcept {
    try {
        const ccattest_status status = std::forward<Body>(body)();
        return status;
    } catch (const failure &e) {
        write_error(error_message, error_message_size, e.what());
        return e.status();
    } catch (const std::bad_alloc &) {
        write_error(error_message, error_message_size, "out of memory");
        return CCATTEST_E_NO_MEMORY;
    } catch (const std::exception &e) {
        write_error(error_message, error_message_size, std::string("internal error: ") + e.what());
        return CCATTEST_E_INTERNAL;
    } catch (...) {
        write_error(error_message, error_message_size, "internal error: unknown exception");
        return CCATTEST_E_INTERNAL;
    }
}

/// Copies bytes into a buffer allocated with the host's allocator (R4). Throws failure on
/// allocation failure, so the caller's guard reports it.
inline void give_to_host(const ccattest_host_api &host, const void *data, size_t size,
                         ccattest_buffer &out) {
    out.data = nullptr;
    out.size = 0;
    if (size == 0) {
        throw failure(CCATTEST_E_INTERNAL, "refusing to hand an empty output to the host");
    }
    auto *memory = static_cast<uint8_t *>(host.alloc(host.host_context, size));
    if (memory == nullptr) {
        throw failure(CCATTEST_E_NO_MEMORY,
                      "host allocation of " + std::to_string(size) + " bytes failed");
    }
    std::memcpy(memory, data, size);
    out.data = memory;
    out.size = size;
}

/// Entry-side negotiation (R2): checks the host table and picks the highest minor both sides speak.
/// The plugin speaks minors [plugin_minor_min, plugin_minor_max] of CCATTEST_ABI_MAJOR. On success
/// stores the chosen minor; otherwise writes a message naming both sides' versions.
inline ccattest_status negotiate(const ccattest_host_api *host, uint16_t plugin_minor_min,
                                 uint16_t plugin_minor_max, uint16_t &chosen_minor,
                                 char *error_message, size_t error_message_size) noexcept {
    if (host == nullptr) {
        write_error(error_message, error_message_size, "host services table is NULL");
        return CCATTEST_E_INVALID_ARGUMENT;
    }
    if (host->struct_size < CCATTEST_HOST_API_SIZE_1_0 || host->log == nullptr ||
        host->alloc == nullptr || host->free == nullptr || host->now == nullptr) {
        write_error(error_message, error_message_size,
                    "host services table is incomplete for ABI 1.0");
        return CCATTEST_E_INVALID_ARGUMENT;
    }
    const std::string plugin_range =
        std::to_string(CCATTEST_ABI_MAJOR) + "." + std::to_string(plugin_minor_min) + "-" +
        std::to_string(CCATTEST_ABI_MAJOR) + "." + std::to_string(plugin_minor_max);
    const std::string host_range =
        std::to_string(host->abi_major) + "." + std::to_string(host->abi_minor_min) + "-" +
        std::to_string(host->abi_major) + "." + std::to_string(host->abi_minor_max);
    const uint16_t highest =
        host->abi_minor_max < plugin_minor_max ? host->abi_minor_max : plugin_minor_max;
    const uint16_t lowest =
        host->abi_minor_min > plugin_minor_min ? host->abi_minor_min : plugin_minor_min;
    if (host->abi_major != CCATTEST_ABI_MAJOR || highest < lowest) {
        write_error(error_message, error_message_size,
                    "plugin speaks ABI " + plugin_range + ", host offers ABI " + host_range);
        return CCATTEST_E_VERSION_MISMATCH;
    }
    chosen_minor = highest;
    return CCATTEST_OK;
}

/// The whole entry of a plugin with one static table that speaks minors 0 to table.abi_minor:
/// negotiates, keeps the host table (valid until unload, R9) and answers with the table.
inline ccattest_status answer_entry(const ccattest_host_api *host, const ccattest_plugin_api &table,
                                    const ccattest_host_api *&kept_host,
                                    const ccattest_plugin_api **out_api, char *error_message,
                                    size_t error_message_size) noexcept {
    if (out_api == nullptr) {
        write_error(error_message, error_message_size, "out_api is NULL");
        return CCATTEST_E_INVALID_ARGUMENT;
    }
    *out_api = nullptr;
    uint16_t minor = 0;
    const ccattest_status status =
        negotiate(host, 0, table.abi_minor, minor, error_message, error_message_size);
    if (status != CCATTEST_OK) {
        return status;
    }
    kept_host = host;
    *out_api = &table;
    return CCATTEST_OK;
}

/// Argument checks every generate and verify starts with (R5): anything missing or a struct too
/// small for ABI 1.0 throws failure(CCATTEST_E_INVALID_ARGUMENT); the output is cleared.
inline void check_generate_args(const ccattest_instance *instance,
                                const ccattest_generate_args *args, ccattest_buffer *out) {
    if (instance == nullptr || args == nullptr || out == nullptr ||
        args->struct_size < CCATTEST_GENERATE_ARGS_SIZE_1_0 || args->report_data == nullptr) {
        throw failure(CCATTEST_E_INVALID_ARGUMENT,
                      "instance, args, report_data and the output buffer are required");
    }
    out->data = nullptr;
    out->size = 0;
}

inline void check_verify_args(const ccattest_instance *instance, const ccattest_verify_args *args,
                              ccattest_buffer *out) {
    if (instance == nullptr || args == nullptr || out == nullptr ||
        args->struct_size < CCATTEST_VERIFY_ARGS_SIZE_1_0 || args->token == nullptr ||
        args->token_size == 0) {
        throw failure(CCATTEST_E_INVALID_ARGUMENT,
                      "instance, args, a non-empty token and the output buffer are required");
    }
    out->data = nullptr;
    out->size = 0;
}

/// Sends a log line through the host (R7); a no-op when host is NULL.
inline void log(const ccattest_host_api *host, uint32_t level,
                const std::string &message) noexcept {
    if (host != nullptr) {
        host->log(host->host_context, level, message.c_str());
    }
}

} // namespace ccattest::sdk

#endif // CCATTEST_AUTHORIZER_HPP
