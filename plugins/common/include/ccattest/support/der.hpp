// A small, strict DER walker for the values X.509 libraries do not decode: vendor extensions
// (Intel's SGX extension sequence, AMD's VCEK extensions, NVIDIA's FWID), signature values.
#pragma once

#include "ccattest/support/bytes.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ccattest::support {

/// Universal tags (one byte, low-tag-number form) the walker names in messages.
namespace der_tag {
inline constexpr uint8_t boolean = 0x01;
inline constexpr uint8_t integer = 0x02;
inline constexpr uint8_t bit_string = 0x03;
inline constexpr uint8_t octet_string = 0x04;
inline constexpr uint8_t null = 0x05;
inline constexpr uint8_t object_identifier = 0x06;
inline constexpr uint8_t enumerated = 0x0A;
inline constexpr uint8_t utf8_string = 0x0C;
inline constexpr uint8_t printable_string = 0x13;
inline constexpr uint8_t ia5_string = 0x16;
inline constexpr uint8_t sequence = 0x30;
inline constexpr uint8_t set = 0x31;
/// [n] EXPLICIT / constructed context-specific tag.
constexpr uint8_t context(uint8_t n) {
    return static_cast<uint8_t>(0xA0U | n);
}
} // namespace der_tag

/// One TLV: its tag, its contents, and its whole encoding (tag and length included).
struct DerElement {
    uint8_t tag = 0;
    std::span<const uint8_t> contents;
    std::span<const uint8_t> encoded;
};

/// Reads consecutive DER elements of a buffer, front to back. Refuses, with
/// sdk::failure(CCATTEST_E_MALFORMED) naming the input, the field and the problem: a length that
/// runs past the end, indefinite length, a non-minimal length, high tag numbers, a different tag
/// than expected, and values that break their type's DER rule (a non-minimal INTEGER, a non-ASCII
/// IA5String, invalid UTF-8, a malformed OID). Nested structures are walked with sequence(),
/// which returns a walker over the contents.
class DerReader {
public:
    DerReader(std::span<const uint8_t> der, std::string what)
        : data_(der), what_(std::move(what)) {}

    [[nodiscard]] bool at_end() const noexcept { return position_ == data_.size(); }
    [[nodiscard]] const std::string &what() const noexcept { return what_; }
    /// The tag of the next element (throws when at the end).
    [[nodiscard]] uint8_t peek_tag(std::string_view field) const;

    /// The next element, whatever its tag.
    DerElement next(std::string_view field);
    /// The next element, which must have `tag`.
    DerElement expect(uint8_t tag, std::string_view field);
    /// The next element if it has `tag` (an OPTIONAL member), else nothing is consumed.
    std::optional<DerElement> optional(uint8_t tag, std::string_view field);

    /// A walker over the contents of the next element, which must have `tag` (a SEQUENCE by
    /// default), named "<what>, <field>".
    DerReader enter(std::string_view field, uint8_t tag = der_tag::sequence);

    /// INTEGER as int64 (at most 8 content bytes, negative values allowed).
    int64_t integer(std::string_view field);
    /// INTEGER's contents, big-endian two's complement (minimal: no redundant leading byte).
    std::span<const uint8_t> integer_bytes(std::string_view field);
    std::span<const uint8_t> octet_string(std::string_view field);
    std::string oid(std::string_view field); ///< dotted text, "1.2.840.113549.1.1.11"
    std::string ia5_string(std::string_view field);
    std::string utf8_string(std::string_view field);
    bool boolean(std::string_view field);

    /// Throws unless every byte was read ("N bytes after <field>").
    void expect_end(std::string_view after_field) const;

private:
    [[noreturn]] void fail(std::string_view field, const std::string &problem) const;
    std::span<const uint8_t> data_;
    std::string what_;
    size_t position_ = 0;
};

/// Single-value decoders (exactly one element, nothing after it), for extension values; throw
/// sdk::failure(CCATTEST_E_MALFORMED) naming `what`.
int64_t der_integer(std::span<const uint8_t> der, const std::string &what);
std::string der_ia5_string(std::span<const uint8_t> der, const std::string &what);
Bytes der_octet_string(std::span<const uint8_t> der, const std::string &what);

} // namespace ccattest::support
