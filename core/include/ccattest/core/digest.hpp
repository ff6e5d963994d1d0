// Hex, base64 and SHA-256 through OpenSSL.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ccattest {

/// Lower-case hex of bytes.
std::string to_hex(std::span<const uint8_t> bytes);
/// Bytes from hex (either case); nullopt when the text is not an even number of hex digits.
std::optional<std::vector<uint8_t>> from_hex(std::string_view text);
/// Standard base64 (RFC 4648, padded).
std::string to_base64(std::span<const uint8_t> bytes);
/// Bytes of canonical base64 only (so one byte string has one spelling); nullopt otherwise.
std::optional<std::vector<uint8_t>> from_base64(std::string_view text);
/// SHA-256 of everything readable from an open file descriptor (read from offset 0). Throws
/// std::runtime_error on a read error.
std::array<uint8_t, 32> sha256_of_descriptor(int descriptor);

} // namespace ccattest
