#include "ccattest/support/der.hpp"

#include <algorithm>

namespace ccattest::support {
using sdk::failure;

namespace {

std::string tag_name(uint8_t tag) {
    switch (tag) {
    case der_tag::boolean: return "BOOLEAN";
    case der_tag::integer: return "INTEGER";
    case der_tag::bit_string: return "BIT STRING";
    case der_tag::octet_string: return "OCTET STRING";
    case der_tag::null: return "NULL";
    case der_tag::object_identifier: return "OBJECT IDENTIFIER";
    case der_tag::enumerated: return "ENUMERATED";
    case der_tag::utf8_string: return "UTF8String";
    case der_tag::printable_string: return "PrintableString";
    case der_tag::ia5_string: return "IA5String";
    case der_tag::sequence: return "SEQUENCE";
    case der_tag::set: return "SET";
    default: break;
    }
    if ((tag & 0xC0U) == 0x80U) {
        return "[" + std::to_string(tag & 0x1FU) + "]";
    }
    return "tag 0x" + to_hex(std::span(&tag, 1));
}

// Whether text is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool valid_utf8(std::span<const uint8_t> text) {
    size_t i = 0;
    while (i < text.size()) {
        const uint8_t lead = text[i];
        size_t extra = 0;
        uint32_t code = 0;
        uint32_t minimum = 0;
        if (lead < 0x80U) {
            ++i;
            continue;
        }
        if ((lead & 0xE0U) == 0xC0U) {
            extra = 1;
            code = lead & 0x1FU;
            minimum = 0x80;
        } else if ((lead & 0xF0U) == 0xE0U) {
            extra = 2;
            code = lead & 0x0FU;
            minimum = 0x800;
        } else if ((lead & 0xF8U) == 0xF0U) {
            extra = 3;
            code = lead & 0x07U;
            minimum = 0x10000;
        } else {
            return false;
        }
        if (extra >= text.size() - i) {
            return false;
        }
        for (size_t k = 1; k <= extra; ++k) {
            if ((text[i + k] & 0xC0U) != 0x80U) {
                return false;
            }
            code = (code << 6U) | (text[i + k] & 0x3FU);
        }
        if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
            return false;
        }
        i += extra + 1;
    }
    return true;
}

} // namespace

void DerReader::fail(std::string_view field, const std::string &problem) const {
    throw failure(CCATTEST_E_MALFORMED, what_ + ": " + std::string(field) + " (offset " +
                                            std::to_string(position_) + ") " + problem);
}

uint8_t DerReader::peek_tag(std::string_view field) const {
    if (at_end()) {
        fail(field, "is missing: no bytes left");
    }
    return data_[position_];
}

DerElement DerReader::next(std::string_view field) {
    const size_t left = data_.size() - position_;
    if (left < 2) {
        fail(field, left == 0 ? "is missing: no bytes left" : "is truncated: 1 byte left");
    }
    const uint8_t tag = data_[position_];
    if ((tag & 0x1FU) == 0x1FU) {
        fail(field, "has a high tag number, which no supported structure uses");
    }
    const uint8_t first = data_[position_ + 1];
    size_t header = 2;
    size_t length = first;
    if (first == 0x80U) {
        fail(field, "has an indefinite length, which DER forbids");
    }
    if (first > 0x80U) {
        const size_t count = first & 0x7FU;
        if (count > 4) {
            fail(field, "has a " + std::to_string(count) + "-byte length field (at most 4)");
        }
        if (count > left - 2) {
            fail(field, "has a length field that runs past the end");
        }
        length = 0;
        for (size_t k = 0; k < count; ++k) {
            length = (length << 8U) | data_[position_ + 2 + k];
        }
        if (data_[position_ + 2] == 0 || length < 0x80U) {
            fail(field, "has a non-minimal length encoding, which DER forbids");
        }
        header += count;
    }
    if (length > left - header) {
        fail(field, "(" + tag_name(tag) + ") claims " + std::to_string(length) + " bytes, " +
                        std::to_string(left - header) + " left");
    }
    DerElement out{tag, data_.subspan(position_ + header, length),
                   data_.subspan(position_, header + length)};
    position_ += header + length;
    return out;
}

DerElement DerReader::expect(uint8_t tag, std::string_view field) {
    const uint8_t actual = peek_tag(field);
    if (actual != tag) {
        fail(field, "is " + tag_name(actual) + ", expected " + tag_name(tag));
    }
    return next(field);
}

std::optional<DerElement> DerReader::optional(uint8_t tag, std::string_view field) {
    if (at_end() || data_[position_] != tag) {
        return std::nullopt;
    }
    return next(field);
}

DerReader DerReader::enter(std::string_view field, uint8_t tag) {
    return {expect(tag, field).contents, what_ + ", " + std::string(field)};
}

std::span<const uint8_t> DerReader::integer_bytes(std::string_view field) {
    const size_t start = position_;
    const auto contents = expect(der_tag::integer, field).contents;
    if (contents.empty() ||
        (contents.size() > 1 && ((contents[0] == 0x00 && (contents[1] & 0x80U) == 0) ||
                                 (contents[0] == 0xFF && (contents[1] & 0x80U) != 0)))) {
        position_ = start;
        fail(field, contents.empty() ? "is an empty INTEGER"
                                     : "is an INTEGER with a redundant leading byte");
    }
    return contents;
}

int64_t DerReader::integer(std::string_view field) {
    const size_t start = position_;
    const auto contents = integer_bytes(field);
    if (contents.size() > 8) {
        position_ = start;
        fail(field,
             "is an INTEGER of " + std::to_string(contents.size()) + " bytes, more than 64 bits");
    }
    // Two's complement: start from all ones when negative.
    uint64_t value = (contents[0] & 0x80U) != 0 ? ~uint64_t{0} : 0;
    for (const uint8_t b : contents) {
        value = (value << 8U) | b;
    }
    return static_cast<int64_t>(value);
}

std::span<const uint8_t> DerReader::octet_string(std::string_view field) {
    return expect(der_tag::octet_string, field).contents;
}

bool DerReader::boolean(std::string_view field) {
    const size_t start = position_;
    const auto contents = expect(der_tag::boolean, field).contents;
    if (contents.size() != 1 || (contents[0] != 0x00 && contents[0] != 0xFF)) {
        position_ = start;
        fail(field, "is not a DER BOOLEAN (one byte, 00 or FF)");
    }
    return contents[0] == 0xFF;
}

std::string DerReader::oid(std::string_view field) {
    const size_t start = position_;
    const auto contents = expect(der_tag::object_identifier, field).contents;
    std::string out;
    uint64_t value = 0;
    bool first = true;
    for (size_t i = 0; i < contents.size(); ++i) {
        const uint8_t b = contents[i];
        if (value == 0 && b == 0x80U) {
            position_ = start;
            fail(field, "is an OID with a padded sub-identifier");
        }
        if (value > (~uint64_t{0} >> 7U)) {
            position_ = start;
            fail(field, "is an OID with a sub-identifier above 64 bits");
        }
        value = (value << 7U) | (b & 0x7FU);
        if ((b & 0x80U) != 0) {
            continue;
        }
        if (first) {
            const uint64_t arc = std::min<uint64_t>(value / 40, 2);
            out = std::to_string(arc) + "." + std::to_string(value - 40 * arc);
            first = false;
        } else {
            out += "." + std::to_string(value);
        }
        value = 0;
    }
    if (contents.empty() || (contents.back() & 0x80U) != 0) {
        position_ = start;
        fail(field, contents.empty() ? "is an empty OID" : "is an OID cut inside a sub-identifier");
    }
    return out;
}

std::string DerReader::ia5_string(std::string_view field) {
    const size_t start = position_;
    const auto contents = expect(der_tag::ia5_string, field).contents;
    if (!std::all_of(contents.begin(), contents.end(), [](uint8_t c) { return c < 0x80U; })) {
        position_ = start;
        fail(field, "is an IA5String with a non-ASCII byte");
    }
    return {contents.begin(), contents.end()};
}

std::string DerReader::utf8_string(std::string_view field) {
    const size_t start = position_;
    const auto contents = expect(der_tag::utf8_string, field).contents;
    if (!valid_utf8(contents)) {
        position_ = start;
        fail(field, "is a UTF8String that is not valid UTF-8");
    }
    return {contents.begin(), contents.end()};
}

void DerReader::expect_end(std::string_view after_field) const {
    if (!at_end()) {
        const size_t left = data_.size() - position_;
        throw failure(CCATTEST_E_MALFORMED, what_ + ": " + std::to_string(left) +
                                                (left == 1 ? " byte" : " bytes") + " after " +
                                                std::string(after_field));
    }
}

namespace {
template <typename Read>
auto single_value(std::span<const uint8_t> der, const std::string &what, const char *type,
                  Read read) {
    try {
        DerReader reader(der, "value");
        auto value = read(reader);
        reader.expect_end(type);
        return value;
    } catch (const failure &e) {
        throw failure(CCATTEST_E_MALFORMED, what + " is not a DER " + type + " (" + e.what() + ")");
    }
}
} // namespace

int64_t der_integer(std::span<const uint8_t> der, const std::string &what) {
    return single_value(der, what, "INTEGER", [](DerReader &r) { return r.integer("INTEGER"); });
}

std::string der_ia5_string(std::span<const uint8_t> der, const std::string &what) {
    return single_value(der, what, "IA5String",
                        [](DerReader &r) { return r.ia5_string("IA5String"); });
}

Bytes der_octet_string(std::span<const uint8_t> der, const std::string &what) {
    return single_value(der, what, "OCTET STRING", [](DerReader &r) {
        const auto contents = r.octet_string("OCTET STRING");
        return Bytes(contents.begin(), contents.end());
    });
}

} // namespace ccattest::support
