// Bounds-checked reading of binary evidence (fixed offsets, or a cursor for length-prefixed and
// variable-length structures), and the project's one hex, base64 and base64url.
#pragma once

#include <ccattest/authorizer.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ccattest::support {

using Bytes = std::vector<uint8_t>;

/// Reads fixed-offset fields of a buffer; every read is checked against the buffer's size and a
/// violation throws sdk::failure(CCATTEST_E_MALFORMED) naming the field.
class ByteReader {
public:
    explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}

    [[nodiscard]] size_t size() const noexcept { return data_.size(); }
    [[nodiscard]] std::span<const uint8_t> bytes(size_t offset, size_t length,
                                                 std::string_view field) const;
    [[nodiscard]] uint8_t u8(size_t offset, std::string_view field) const;
    [[nodiscard]] uint16_t u16(size_t offset, std::string_view field) const;
    [[nodiscard]] uint32_t u32(size_t offset, std::string_view field) const;
    [[nodiscard]] uint64_t u64(size_t offset, std::string_view field) const;
    [[nodiscard]] bool all_zero(size_t offset, size_t length, std::string_view field) const;

private:
    std::span<const uint8_t> data_;
};

/// Reads a buffer front to back, for structures whose layout depends on what was read before
/// (length-prefixed records: TDX quote signature data, SPDM measurement blocks). Every read is
/// checked; a read past the end throws sdk::failure(CCATTEST_E_MALFORMED) naming the input, the
/// field, its offset and how many bytes were left.
class ByteCursor {
public:
    /// `what` names the input in messages ("quote signature data").
    ByteCursor(std::span<const uint8_t> data, std::string what)
        : data_(data), what_(std::move(what)) {}

    [[nodiscard]] size_t position() const noexcept { return position_; }
    [[nodiscard]] size_t remaining() const noexcept { return data_.size() - position_; }
    [[nodiscard]] bool at_end() const noexcept { return position_ == data_.size(); }
    [[nodiscard]] const std::string &what() const noexcept { return what_; }

    /// The next `length` bytes.
    std::span<const uint8_t> take(size_t length, std::string_view field);
    void skip(size_t length, std::string_view field) { (void)take(length, field); }
    uint8_t u8(std::string_view field);
    uint16_t u16_le(std::string_view field);
    uint32_t u32_le(std::string_view field);
    uint64_t u64_le(std::string_view field);
    uint16_t u16_be(std::string_view field);
    uint32_t u32_be(std::string_view field);
    /// A cursor over the next `length` bytes (a record whose size its header gave), named
    /// "<what>, <field>"; this cursor moves past them.
    ByteCursor sub(size_t length, std::string_view field);
    /// Everything not yet read (the cursor moves to the end).
    std::span<const uint8_t> rest() noexcept;
    /// Throws sdk::failure(CCATTEST_E_MALFORMED) when bytes are left ("N bytes after <field>").
    void expect_end(std::string_view after_field) const;

private:
    std::span<const uint8_t> data_;
    std::string what_;
    size_t position_ = 0;
};

/// Lower-case hex of bytes.
std::string to_hex(std::span<const uint8_t> bytes);
/// Bytes of hex text (either case); nullopt when the text is not an even number of hex digits.
std::optional<Bytes> parse_hex(std::string_view text);
/// parse_hex that throws sdk::failure(CCATTEST_E_INVALID_ARGUMENT) naming `what`.
Bytes from_hex(std::string_view text, std::string_view what);

/// Standard base64 (the "+/" alphabet, with padding).
std::string base64_encode(std::span<const uint8_t> data);
/// Bytes of canonical standard base64 only: correct padding, unused bits zero, no whitespace, so
/// one byte string has exactly one spelling (a changed character is always a changed token);
/// nullopt otherwise.
std::optional<Bytes> parse_base64(std::string_view text);
/// parse_base64 that throws sdk::failure(CCATTEST_E_MALFORMED) naming `what`.
Bytes base64_decode(std::string_view text, const std::string &what);

/// base64url (the "-_" alphabet) without padding, as JOSE spells its parts.
std::string base64url_encode(std::span<const uint8_t> data);
/// Bytes of canonical unpadded base64url only (no '=', '+', '/', whitespace; unused bits zero).
/// Throws sdk::failure(CCATTEST_E_MALFORMED) naming `what` and the problem.
Bytes base64url_decode(std::string_view text, const std::string &what);

bool is_all_zero(std::span<const uint8_t> bytes) noexcept;

/// Percent-decoding of a URL component or header value ("%2D" -> "-"; "+" stays "+"). Throws
/// sdk::failure(CCATTEST_E_MALFORMED) naming `what` for a "%" not followed by two hex digits.
std::string percent_decode(std::string_view text, const std::string &what);

void put_u32_le(uint8_t *out, uint32_t value) noexcept;
void put_u64_le(uint8_t *out, uint64_t value) noexcept;

} // namespace ccattest::support
