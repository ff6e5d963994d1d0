// Bounds-checked reading of little-endian binary evidence, and hex.
#pragma once

#include <ccattest/authorizer.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
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

/// Lower-case hex of bytes.
std::string to_hex(std::span<const uint8_t> bytes);
/// Bytes of hex text (either case); throws sdk::failure(CCATTEST_E_INVALID_ARGUMENT) when not hex.
Bytes from_hex(std::string_view text, std::string_view what);

bool is_all_zero(std::span<const uint8_t> bytes) noexcept;

void put_u32_le(uint8_t *out, uint32_t value) noexcept;
void put_u64_le(uint8_t *out, uint64_t value) noexcept;

} // namespace ccattest::support
