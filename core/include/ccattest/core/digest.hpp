// SHA-256 of an open file through OpenSSL (hex and base64 are ccattest::support's:
// plugins/common/include/ccattest/support/bytes.hpp).
#pragma once

#include <array>
#include <cstdint>

namespace ccattest {

/// SHA-256 of everything readable from an open file descriptor (read from offset 0). Throws
/// std::runtime_error on a read error.
std::array<uint8_t, 32> sha256_of_descriptor(int descriptor);

} // namespace ccattest
