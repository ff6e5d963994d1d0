// Readers for members of a plugin's config object that the host already validated against the
// plugin's JSON Schema: what remains to check is only what a schema cannot say (a hex string's
// byte count), reported as CCATTEST_E_CONFIG naming the key.
#pragma once

#include <ccattest/authorizer.hpp>
#include <ccattest/support/bytes.hpp>

#include <boost/json/object.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace ccattest::support {

/// The string member `key`, or nullopt when absent.
inline std::optional<std::string> config_text(const boost::json::object &object, const char *key) {
    const auto *value = object.if_contains(key);
    return value != nullptr ? std::optional(std::string(value->as_string())) : std::nullopt;
}

/// The hex string member `key` into `out` (exactly N bytes); `out` is unchanged when absent.
template <size_t N>
void config_hex(const boost::json::object &object, const char *key, std::array<uint8_t, N> &out) {
    if (const auto *value = object.if_contains(key)) {
        const auto bytes = from_hex(value->as_string(), key);
        if (bytes.size() != N) {
            throw sdk::failure(CCATTEST_E_CONFIG, std::string(key) + " is " +
                                                      std::to_string(bytes.size()) +
                                                      " bytes, expected " + std::to_string(N));
        }
        std::copy(bytes.begin(), bytes.end(), out.begin());
    }
}

} // namespace ccattest::support
