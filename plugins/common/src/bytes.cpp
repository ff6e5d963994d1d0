#include "ccattest/support/bytes.hpp"

#include <openssl/crypto.h>

#include <algorithm>

namespace ccattest::support {

std::span<const uint8_t> ByteReader::bytes(size_t offset, size_t length,
                                           std::string_view field) const {
    if (offset > data_.size() || length > data_.size() - offset) {
        throw sdk::failure(CCATTEST_E_MALFORMED,
                           std::string(field) + " at offset " + std::to_string(offset) + " (" +
                               std::to_string(length) + " bytes) lies outside the " +
                               std::to_string(data_.size()) + "-byte input");
    }
    return data_.subspan(offset, length);
}

uint8_t ByteReader::u8(size_t offset, std::string_view field) const {
    return bytes(offset, 1, field)[0];
}

namespace {
template <typename T> T little_endian(std::span<const uint8_t> bytes) {
    T value = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
        value = static_cast<T>(value | (static_cast<T>(bytes[i]) << (8 * i)));
    }
    return value;
}
} // namespace

uint16_t ByteReader::u16(size_t offset, std::string_view field) const {
    return little_endian<uint16_t>(bytes(offset, 2, field));
}

uint32_t ByteReader::u32(size_t offset, std::string_view field) const {
    return little_endian<uint32_t>(bytes(offset, 4, field));
}

uint64_t ByteReader::u64(size_t offset, std::string_view field) const {
    return little_endian<uint64_t>(bytes(offset, 8, field));
}

bool ByteReader::all_zero(size_t offset, size_t length, std::string_view field) const {
    return is_all_zero(bytes(offset, length, field));
}

std::string to_hex(std::span<const uint8_t> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const uint8_t b : bytes) {
        out += digits[b >> 4U];
        out += digits[b & 0x0FU];
    }
    return out;
}

Bytes from_hex(std::string_view text, std::string_view what) {
    Bytes out(text.size() / 2);
    size_t length = 0;
    if (text.size() % 2 != 0 ||
        (!text.empty() && OPENSSL_hexstr2buf_ex(out.data(), out.size(), &length,
                                                std::string(text).c_str(), '\0') != 1)) {
        throw sdk::failure(CCATTEST_E_INVALID_ARGUMENT,
                           std::string(what) + " is not an even number of hex digits");
    }
    out.resize(length);
    return out;
}

bool is_all_zero(std::span<const uint8_t> bytes) noexcept {
    return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
}

void put_u32_le(uint8_t *out, uint32_t value) noexcept {
    for (size_t i = 0; i < 4; ++i) {
        out[i] = static_cast<uint8_t>(value >> (8 * i));
    }
}

void put_u64_le(uint8_t *out, uint64_t value) noexcept {
    for (size_t i = 0; i < 8; ++i) {
        out[i] = static_cast<uint8_t>(value >> (8 * i));
    }
}

} // namespace ccattest::support
