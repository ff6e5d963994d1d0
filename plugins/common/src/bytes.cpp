#include "ccattest/support/bytes.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <cstdint>

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

namespace {
template <typename T> T big_endian(std::span<const uint8_t> bytes) {
    T value = 0;
    for (const uint8_t b : bytes) {
        value = static_cast<T>((value << 8U) | b);
    }
    return value;
}
} // namespace

std::span<const uint8_t> ByteCursor::take(size_t length, std::string_view field) {
    if (length > remaining()) {
        throw sdk::failure(CCATTEST_E_MALFORMED, what_ + ": " + std::string(field) + " at offset " +
                                                     std::to_string(position_) + " needs " +
                                                     std::to_string(length) + " bytes, " +
                                                     std::to_string(remaining()) + " left");
    }
    const auto out = data_.subspan(position_, length);
    position_ += length;
    return out;
}

uint8_t ByteCursor::u8(std::string_view field) {
    return take(1, field)[0];
}
uint16_t ByteCursor::u16_le(std::string_view field) {
    return little_endian<uint16_t>(take(2, field));
}
uint32_t ByteCursor::u32_le(std::string_view field) {
    return little_endian<uint32_t>(take(4, field));
}
uint64_t ByteCursor::u64_le(std::string_view field) {
    return little_endian<uint64_t>(take(8, field));
}
uint16_t ByteCursor::u16_be(std::string_view field) {
    return big_endian<uint16_t>(take(2, field));
}
uint32_t ByteCursor::u32_be(std::string_view field) {
    return big_endian<uint32_t>(take(4, field));
}

ByteCursor ByteCursor::sub(size_t length, std::string_view field) {
    return {take(length, field), what_ + ", " + std::string(field)};
}

std::span<const uint8_t> ByteCursor::rest() noexcept {
    const auto out = data_.subspan(position_);
    position_ = data_.size();
    return out;
}

void ByteCursor::expect_end(std::string_view after_field) const {
    if (!at_end()) {
        throw sdk::failure(CCATTEST_E_MALFORMED, what_ + ": " + std::to_string(remaining()) +
                                                     (remaining() == 1 ? " byte" : " bytes") +
                                                     " after " + std::string(after_field));
    }
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

std::optional<Bytes> parse_hex(std::string_view text) {
    if (text.size() % 2 != 0) {
        return std::nullopt;
    }
    Bytes out(text.size() / 2);
    size_t length = 0;
    // '\0': no separator between digit pairs.
    if (!text.empty() && OPENSSL_hexstr2buf_ex(out.data(), out.size(), &length,
                                               std::string(text).c_str(), '\0') != 1) {
        return std::nullopt;
    }
    out.resize(length);
    return out;
}

Bytes from_hex(std::string_view text, std::string_view what) {
    auto out = parse_hex(text);
    if (!out) {
        throw sdk::failure(CCATTEST_E_INVALID_ARGUMENT,
                           std::string(what) + " is not an even number of hex digits");
    }
    return std::move(*out);
}

std::string base64_encode(std::span<const uint8_t> data) {
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()), data.data(),
                                       static_cast<int>(data.size()));
    out.resize(static_cast<size_t>(length));
    return out;
}

std::optional<Bytes> parse_base64(std::string_view text) {
    if (text.size() % 4 != 0 || text.size() > size_t{INT32_MAX}) {
        return std::nullopt;
    }
    Bytes out(3 * (text.size() / 4));
    const int length =
        EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char *>(text.data()),
                        static_cast<int>(text.size()));
    if (length < 0) {
        return std::nullopt;
    }
    // EVP_DecodeBlock counts padding as zero bytes: remove one per '='.
    size_t padding = 0;
    for (size_t i = text.size(); i > 0 && text[i - 1] == '=' && padding < 2; --i) {
        ++padding;
    }
    if (static_cast<size_t>(length) < padding) {
        return std::nullopt;
    }
    out.resize(static_cast<size_t>(length) - padding);
    // Canonical only: re-encoding must give the text back (this also refuses whitespace, which
    // EVP_DecodeBlock skips, and non-zero unused bits).
    if (base64_encode(out) != text) {
        return std::nullopt;
    }
    return out;
}

Bytes base64_decode(std::string_view text, const std::string &what) {
    if (text.size() % 4 != 0) {
        throw sdk::failure(CCATTEST_E_MALFORMED, what + " is not base64 (length " +
                                                     std::to_string(text.size()) +
                                                     " is not a multiple of 4)");
    }
    auto out = parse_base64(text);
    if (!out) {
        throw sdk::failure(CCATTEST_E_MALFORMED, what + " is not canonical base64");
    }
    return std::move(*out);
}

std::string base64url_encode(std::span<const uint8_t> data) {
    std::string out = base64_encode(data);
    while (!out.empty() && out.back() == '=') {
        out.pop_back();
    }
    std::replace(out.begin(), out.end(), '+', '-');
    std::replace(out.begin(), out.end(), '/', '_');
    return out;
}

Bytes base64url_decode(std::string_view text, const std::string &what) {
    const auto bad = std::find_if(text.begin(), text.end(), [](char c) {
        return !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_');
    });
    if (bad != text.end()) {
        const auto at = static_cast<size_t>(bad - text.begin());
        const auto code = static_cast<unsigned>(static_cast<unsigned char>(*bad));
        throw sdk::failure(CCATTEST_E_MALFORMED,
                           what + " is not unpadded base64url: character " +
                               (code >= 0x21 && code < 0x7F ? "'" + std::string(1, *bad) + "'"
                                                            : "code " + std::to_string(code)) +
                               " at position " + std::to_string(at));
    }
    if (text.size() % 4 == 1) {
        throw sdk::failure(CCATTEST_E_MALFORMED, what + " is not base64url (length " +
                                                     std::to_string(text.size()) +
                                                     " leaves a lone character)");
    }
    std::string standard(text);
    std::replace(standard.begin(), standard.end(), '-', '+');
    std::replace(standard.begin(), standard.end(), '_', '/');
    standard.append((4 - standard.size() % 4) % 4, '=');
    auto out = parse_base64(standard);
    if (!out) {
        throw sdk::failure(CCATTEST_E_MALFORMED,
                           what + " is not canonical base64url (unused bits are not zero)");
    }
    return std::move(*out);
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

std::string percent_decode(std::string_view text, const std::string &what) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out.push_back(text[i]);
            continue;
        }
        const std::optional<Bytes> byte =
            i + 2 < text.size() ? parse_hex(text.substr(i + 1, 2)) : std::nullopt;
        if (!byte) {
            throw sdk::failure(CCATTEST_E_MALFORMED, what + ": \"%\" at offset " +
                                                         std::to_string(i) +
                                                         " is not followed by two hex digits");
        }
        out.push_back(static_cast<char>(byte->front()));
        i += 2;
    }
    return out;
}

} // namespace ccattest::support
