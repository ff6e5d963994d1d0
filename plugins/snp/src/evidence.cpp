#include "evidence.hpp"

#include "report.hpp"

#include <ccattest/support/crypto.hpp>
#include <ccattest/support/json.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

namespace ccattest::snp {
using sdk::failure;
using support::Bytes;

namespace {

using Guid = std::array<uint8_t, 16>;

// Certificate table GUIDs, stored in the table in their string byte order (RFC 4122).
constexpr Guid guid_ark = {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
                           0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae};
constexpr Guid guid_ask = {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
                           0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82};
constexpr Guid guid_vcek = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
                            0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
constexpr Guid guid_vlek = {0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e,
                            0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1};
constexpr Guid guid_crl = {0x92, 0xf8, 0x1b, 0xc3, 0x58, 0x11, 0x4d, 0x3d,
                           0x97, 0xff, 0xd1, 0x9f, 0x88, 0xdc, 0x67, 0xea};

constexpr size_t entry_size = 24;

struct Slot {
    const char *name;
    const Guid *guid;
    std::optional<Bytes> Evidence::*member;
};

constexpr std::array<Slot, 5> slots = {{
    {"ark", &guid_ark, &Evidence::ark},
    {"ask", &guid_ask, &Evidence::ask},
    {"vcek", &guid_vcek, &Evidence::vcek},
    {"vlek", &guid_vlek, &Evidence::vlek},
    {"crl", &guid_crl, &Evidence::crl},
}};

bool is_space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

} // namespace

std::string_view token_form_name(TokenForm form) {
    switch (form) {
    case TokenForm::ccattest: return token_format_id;
    case TokenForm::flare_base64: return "flare-snp-base64";
    case TokenForm::raw_report: return "raw-report";
    }
    return token_format_id;
}

Evidence decode_token(std::span<const uint8_t> token) {
    if (token.size() > max_token_size) {
        throw failure(CCATTEST_E_MALFORMED, "token is " + std::to_string(token.size()) +
                                                " bytes, more than the " +
                                                std::to_string(max_token_size) + " allowed");
    }
    Evidence evidence;
    const bool binary = std::any_of(token.begin(), token.end(), [](uint8_t b) {
        return b >= 0x7F || (b < 0x20 && std::isspace(b) == 0);
    });
    if (binary) { // raw evidence: the report itself (its size is checked by the parser)
        evidence.report.assign(token.begin(), token.end());
        evidence.form = TokenForm::raw_report;
        return evidence;
    }
    if (token.size() == report_size && token[0] != '{') {
        evidence.report.assign(token.begin(), token.end());
        evidence.form = TokenForm::raw_report;
        return evidence;
    }
    // Whitespace is refused, never trimmed: " T" and "T\n" would otherwise be two more tokens of
    // the evidence in T.
    const std::string_view text(reinterpret_cast<const char *>(token.data()), token.size());
    if (text.empty()) {
        throw failure(CCATTEST_E_MALFORMED, "token is empty");
    }
    if (is_space(text.front()) || is_space(text.back())) {
        throw failure(CCATTEST_E_MALFORMED,
                      std::string("token ") + (is_space(text.front()) ? "starts" : "ends") +
                          " with whitespace; only the exact token text is accepted");
    }
    if (text.front() != '{') {
        evidence.report = support::base64_decode(text, "token (FLARE base64 report)");
        if (evidence.report.size() != report_size) {
            throw failure(CCATTEST_E_MALFORMED, "token (FLARE base64 report) decodes to " +
                                                    std::to_string(evidence.report.size()) +
                                                    " bytes, expected " +
                                                    std::to_string(report_size));
        }
        evidence.form = TokenForm::flare_base64;
        return evidence;
    }
    boost::json::value document;
    try {
        document = support::parse_json(text, 8);
    } catch (const failure &e) {
        throw failure(CCATTEST_E_MALFORMED, std::string("token is not a JSON object: ") + e.what());
    }
    if (!document.is_object()) {
        throw failure(CCATTEST_E_MALFORMED, "token is not a JSON object");
    }
    const auto &object = document.get_object();
    for (const auto &[key, value] : object) {
        if (key != "format" && key != "report" && key != "certificates") {
            throw failure(CCATTEST_E_MALFORMED,
                          "token has an unknown member \"" + std::string(key) + "\"");
        }
    }
    const auto *format = object.if_contains("format");
    if (format == nullptr || !format->is_string() || format->get_string() != token_format_id) {
        throw failure(CCATTEST_E_MALFORMED,
                      std::string("token format is not \"") + token_format_id + "\"");
    }
    const auto *report = object.if_contains("report");
    if (report == nullptr || !report->is_string()) {
        throw failure(CCATTEST_E_MALFORMED, "token has no \"report\" string");
    }
    evidence.report = support::base64_decode(report->get_string(), "token report");
    if (const auto *certificates = object.if_contains("certificates")) {
        if (!certificates->is_object()) {
            throw failure(CCATTEST_E_MALFORMED, "token \"certificates\" is not an object");
        }
        for (const auto &member : certificates->get_object()) {
            const std::string_view key = member.key();
            const auto &value = member.value();
            const auto slot = std::find_if(slots.begin(), slots.end(),
                                           [key](const Slot &s) { return key == s.name; });
            if (slot == slots.end() || !value.is_string()) {
                throw failure(CCATTEST_E_MALFORMED, "token certificate \"" + std::string(key) +
                                                        "\" is unknown or not a string");
            }
            evidence.*(slot->member) =
                support::base64_decode(value.get_string(), "token certificate " + std::string(key));
        }
    }
    evidence.form = TokenForm::ccattest;
    // Tokens are written by encode_token; only that exact text is accepted, so no two texts carry
    // the same token and no member can hide behind a duplicate.
    if (encode_token(evidence) != text) {
        throw failure(CCATTEST_E_MALFORMED,
                      "token is not in canonical form (members out of order, duplicate members, "
                      "whitespace, escapes or an empty \"certificates\" object, none of which "
                      "encode_token writes)");
    }
    return evidence;
}

void refuse_unused_certificates(const Evidence &evidence, SigningKey signing_key) {
    if (signing_key == SigningKey::vcek && evidence.vlek) {
        throw failure(CCATTEST_E_MALFORMED,
                      "token carries a \"vlek\" certificate, but the report is signed with the "
                      "VCEK (SIGNING_KEY 0): a certificate the report does not use is refused");
    }
    if (signing_key == SigningKey::vlek && evidence.vcek) {
        throw failure(CCATTEST_E_MALFORMED,
                      "token carries a \"vcek\" certificate, but the report is signed with the "
                      "VLEK (SIGNING_KEY 1): a certificate the report does not use is refused");
    }
}

void drop_unused_certificates(Evidence &evidence) {
    if (evidence.report.size() != report_size) {
        return; // verify names the problem
    }
    const uint32_t key_info = support::ByteReader(evidence.report).u32(0x48, "KEY_INFO");
    switch ((key_info >> 2U) & 7U) {
    case 0: evidence.vlek.reset(); break;
    case 1: evidence.vcek.reset(); break;
    default: break; // unsigned or reserved: verify refuses the report itself
    }
}

std::string encode_token(const Evidence &evidence) {
    boost::json::object certificates;
    for (const auto &slot : slots) {
        if (const auto &bytes = evidence.*(slot.member)) {
            certificates[slot.name] = support::base64_encode(*bytes);
        }
    }
    boost::json::object token{{"format", token_format_id},
                              {"report", support::base64_encode(evidence.report)}};
    if (!certificates.empty()) {
        token["certificates"] = std::move(certificates);
    }
    return boost::json::serialize(token);
}

void read_certificate_table(std::span<const uint8_t> table, Evidence &into) {
    const support::ByteReader in(table);
    for (size_t at = 0;; at += entry_size) {
        if (at + entry_size > table.size()) {
            if (table.empty()) {
                return; // no certificates at all
            }
            throw failure(CCATTEST_E_MALFORMED, "certificate table has no terminating entry");
        }
        const auto guid = in.bytes(at, 16, "certificate table GUID");
        const uint32_t offset = in.u32(at + 16, "certificate table offset");
        const uint32_t length = in.u32(at + 20, "certificate table length");
        if (support::is_all_zero(guid) && offset == 0 && length == 0) {
            break;
        }
        if (offset < at + entry_size) {
            throw failure(CCATTEST_E_MALFORMED, "certificate table entry " +
                                                    std::to_string(at / entry_size) +
                                                    " points into the table's header");
        }
        const auto blob = in.bytes(offset, length, "certificate table blob");
        for (const auto &slot : slots) {
            if (std::equal(guid.begin(), guid.end(), slot.guid->begin())) {
                into.*(slot.member) = Bytes(blob.begin(), blob.end());
            }
        }
    }
}

Bytes write_certificate_table(const Evidence &evidence) {
    std::vector<std::pair<const Guid *, const Bytes *>> present;
    for (const auto &slot : slots) {
        if (const auto &bytes = evidence.*(slot.member)) {
            present.emplace_back(slot.guid, &*bytes);
        }
    }
    size_t offset = (present.size() + 1) * entry_size;
    Bytes table(offset, 0);
    size_t at = 0;
    for (const auto &[guid, bytes] : present) {
        std::memcpy(table.data() + at, guid->data(), guid->size());
        support::put_u32_le(table.data() + at + 16, static_cast<uint32_t>(offset));
        support::put_u32_le(table.data() + at + 20, static_cast<uint32_t>(bytes->size()));
        table.insert(table.end(), bytes->begin(), bytes->end());
        offset += bytes->size();
        at += entry_size;
    }
    return table;
}

} // namespace ccattest::snp
