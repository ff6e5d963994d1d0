// DCAP collateral documents: strict decoding of TCB info and QE identity, the exact signed bytes,
// the signature and the validity window.
//
// Decisions (collateral.hpp states the contract):
//  - Whitespace between JSON tokens is accepted (Intel's service writes compact JSON, but a copy
//    saved by a tool may be pretty-printed); the signed bytes are still the value's exact text.
//  - The body member need not come first: the signature covers the body's value only, never the
//    document around it, so member order changes nothing that is signed. The raw scan finds the
//    body wherever it is.
//  - Dates are "YYYY-MM-DDThh:mm:ssZ" only: Intel writes whole seconds in UTC, and one spelling
//    per instant keeps the text and the number in SignedDocument from disagreeing. Fractional
//    seconds and offsets are refused.
//  - Hex is accepted in either case (Intel writes both: "50806f000000", "FFFFFFFFFFFFFFFF"), but a
//    string mixing cases is refused as garbage.
#include "collateral.hpp"

#include <ccattest/authorizer.hpp>
#include <ccattest/support/json.hpp>
#include <ccattest/support/signatures.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <limits>
#include <string_view>

namespace ccattest::tdx {

namespace json = boost::json;
using sdk::failure;

namespace {

// ---- the exact bytes of a top-level member's value --------------------------------------------

/// Walks the top-level object of a text the strict parser already accepted, to find where one
/// member's value starts and ends. It only needs to tell strings (which may hold braces and
/// escaped quotes) from structure; anything inconsistent is a bug, not bad input.
class TopLevelScanner {
public:
    explicit TopLevelScanner(std::string_view text) : text_(text) {}

    std::string_view value_of(std::string_view name) {
        pos_ = 0;
        skip_whitespace();
        expect('{');
        while (true) {
            skip_whitespace();
            const size_t key_start = pos_;
            skip_string();
            const bool wanted = key_text(text_.substr(key_start, pos_ - key_start)) == name;
            skip_whitespace();
            expect(':');
            skip_whitespace();
            const size_t value_start = pos_;
            skip_value();
            if (wanted) {
                return text_.substr(value_start, pos_ - value_start);
            }
            skip_whitespace();
            if (peek() == '}') {
                break;
            }
            expect(',');
        }
        throw failure(CCATTEST_E_INTERNAL,
                      "collateral: member \"" + std::string(name) + "\" not found by the raw scan");
    }

private:
    [[nodiscard]] char peek() const {
        if (pos_ >= text_.size()) {
            throw failure(CCATTEST_E_INTERNAL, "collateral: raw scan ran past the end");
        }
        return text_[pos_];
    }
    void expect(char c) {
        if (peek() != c) {
            throw failure(CCATTEST_E_INTERNAL, "collateral: raw scan out of step");
        }
        ++pos_;
    }
    void skip_whitespace() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                       text_[pos_] == '\n' || text_[pos_] == '\r')) {
            ++pos_;
        }
    }
    // At an opening quote; moves past the closing one. A backslash always escapes the next
    // character (\uXXXX has no quote or backslash in its four digits).
    void skip_string() {
        expect('"');
        while (peek() != '"') {
            pos_ += peek() == '\\' ? 2 : 1;
        }
        ++pos_;
    }
    void skip_value() {
        const char first = peek();
        if (first == '"') {
            skip_string();
            return;
        }
        if (first != '{' && first != '[') {
            while (pos_ < text_.size() && std::strchr(",}] \t\n\r", text_[pos_]) == nullptr) {
                ++pos_;
            }
            return;
        }
        size_t depth = 0;
        do {
            const char c = peek();
            if (c == '"') {
                skip_string();
                continue;
            }
            if (c == '{' || c == '[') {
                ++depth;
            } else if (c == '}' || c == ']') {
                --depth;
            }
            ++pos_;
        } while (depth > 0);
    }
    // A key with escapes ("tcb\u0049nfo") names the same member as its plain spelling.
    static std::string key_text(std::string_view quoted) {
        if (quoted.find('\\') == std::string_view::npos) {
            return std::string(quoted.substr(1, quoted.size() - 2));
        }
        return std::string(json::parse(quoted).as_string());
    }

    std::string_view text_;
    size_t pos_ = 0;
};

// ---- typed members ----------------------------------------------------------------------------

/// Reads members of one document, naming the document and the member's path in every refusal.
class Reader {
public:
    explicit Reader(std::string what) : what_(std::move(what)) {}

    [[noreturn]] void fail(const std::string &path, const std::string &problem) const {
        throw failure(CCATTEST_E_MALFORMED, what_ + ": " + path + ": " + problem);
    }

    const json::object &object(const json::value &value, const std::string &path) const {
        if (!value.is_object()) {
            fail(path, "is not an object");
        }
        return value.get_object();
    }
    const json::array &array(const json::value &value, const std::string &path) const {
        if (!value.is_array()) {
            fail(path, "is not an array");
        }
        return value.get_array();
    }
    const json::value &member(const json::object &object, std::string_view name,
                              const std::string &path) const {
        const json::value *found = object.if_contains(name);
        if (found == nullptr) {
            fail(join(path, name), "missing");
        }
        return *found;
    }
    std::string_view string(const json::value &value, const std::string &path) const {
        if (!value.is_string()) {
            fail(path, "is not a string");
        }
        return value.get_string();
    }
    int64_t integer(const json::value &value, const std::string &path, int64_t min,
                    int64_t max) const {
        int64_t number = 0;
        if (value.is_int64()) {
            number = value.get_int64();
        } else if (value.is_uint64()) {
            number = std::numeric_limits<int64_t>::max(); // above every range used here
        } else {
            fail(path, "is not an integer");
        }
        if (number < min || number > max) {
            fail(path, json::serialize(value) + " is outside " + std::to_string(min) + ".." +
                           std::to_string(max));
        }
        return number;
    }
    template <size_t N>
    std::array<uint8_t, N> hex(const json::value &value, const std::string &path) const {
        const std::string_view text = string(value, path);
        if (text.size() != 2 * N) {
            fail(path, "is " + std::to_string(text.size()) + " hex digits, expected " +
                           std::to_string(2 * N));
        }
        const bool upper = text.find_first_of("ABCDEF") != std::string_view::npos;
        const bool lower = text.find_first_of("abcdef") != std::string_view::npos;
        const auto bytes = support::parse_hex(text);
        if (!bytes || (upper && lower)) {
            fail(path, "\"" + std::string(text) +
                           "\" is not hex (digits of one case: 0-9 with A-F or a-f)");
        }
        std::array<uint8_t, N> out{};
        std::copy(bytes->begin(), bytes->end(), out.begin());
        return out;
    }
    int64_t date(const json::value &value, const std::string &path, std::string &text) const {
        text = std::string(string(value, path));
        const auto seconds = support::parse_rfc3339(text);
        if (!seconds) {
            fail(path, "\"" + text + "\" is not a UTC time like 2023-06-18T08:42:58Z");
        }
        return *seconds;
    }
    TcbStatus status(const json::value &value, const std::string &path) const {
        const std::string_view name = string(value, path);
        const auto status = parse_tcb_status(name);
        if (!status) {
            fail(path, "\"" + std::string(name) + "\" is not a TCB status Intel defines");
        }
        return *status;
    }
    std::vector<std::string> advisory_ids(const json::object &level,
                                          const std::string &path) const {
        std::vector<std::string> ids;
        const json::value *list = level.if_contains("advisoryIDs");
        if (list == nullptr) {
            return ids;
        }
        const std::string list_path = join(path, "advisoryIDs");
        const json::array &items = array(*list, list_path);
        for (size_t i = 0; i < items.size(); ++i) {
            ids.emplace_back(string(items[i], index(list_path, i)));
        }
        return ids;
    }

    static std::string join(const std::string &path, std::string_view name) {
        return path + "." + std::string(name);
    }
    static std::string index(const std::string &path, size_t i) {
        return path + "[" + std::to_string(i) + "]";
    }

private:
    std::string what_;
};

constexpr int64_t max_u8 = 0xFF;
constexpr int64_t max_u16 = 0xFFFF;
constexpr int64_t max_u32 = 0xFFFFFFFF;

/// The {body, signature} document: its parsed body, and the signed bytes and signature filled in.
const json::object &open_document(std::span<const uint8_t> bytes, std::string_view body_name,
                                  const Reader &reader, const std::string &what,
                                  json::value &holder, SignedDocument &document) {
    if (bytes.size() > max_collateral_json_size) {
        throw failure(CCATTEST_E_MALFORMED, what + ": " + std::to_string(bytes.size()) +
                                                " bytes, more than the " +
                                                std::to_string(max_collateral_json_size) +
                                                " a collateral document may have");
    }
    const std::string_view text(reinterpret_cast<const char *>(bytes.data()), bytes.size());
    try {
        holder = support::parse_json(text);
    } catch (const failure &e) {
        throw failure(CCATTEST_E_MALFORMED, what + ": " + e.what());
    }
    const json::object &top = reader.object(holder, "document");
    const std::string shape = "{\"" + std::string(body_name) + "\", \"signature\"}";
    if (top.size() != 2 || !top.contains(body_name) || !top.contains("signature")) {
        reader.fail("document", "its members are not exactly " + shape);
    }
    const auto signature = reader.hex<64>(top.at("signature"), "signature");
    std::copy(signature.begin(), signature.end(), document.signature.begin());
    const std::string_view body = TopLevelScanner(text).value_of(body_name);
    document.signed_body.assign(body.begin(), body.end());
    return reader.object(top.at(body_name), std::string(body_name));
}

/// The members every signed document's body has.
void read_common(const json::object &body, const std::string &path, const Reader &reader,
                 SignedDocument &document) {
    document.issue_date = reader.date(reader.member(body, "issueDate", path),
                                      Reader::join(path, "issueDate"), document.issue_date_text);
    document.next_update = reader.date(reader.member(body, "nextUpdate", path),
                                       Reader::join(path, "nextUpdate"), document.next_update_text);
    document.tcb_evaluation_data_number =
        reader.integer(reader.member(body, "tcbEvaluationDataNumber", path),
                       Reader::join(path, "tcbEvaluationDataNumber"), 0, max_u32);
}

/// A list of exactly 16 {svn, category?, type?} components.
std::array<uint8_t, 16> read_components(const json::value &value, const std::string &path,
                                        const Reader &reader) {
    const json::array &items = reader.array(value, path);
    if (items.size() != 16) {
        reader.fail(path, "has " + std::to_string(items.size()) + " components, expected 16");
    }
    std::array<uint8_t, 16> svns{};
    for (size_t i = 0; i < items.size(); ++i) {
        const std::string item_path = Reader::index(path, i);
        const json::object &item = reader.object(items[i], item_path);
        svns[i] = static_cast<uint8_t>(reader.integer(reader.member(item, "svn", item_path),
                                                      Reader::join(item_path, "svn"), 0, max_u8));
    }
    return svns;
}

TcbLevel read_platform_level(const json::value &value, const std::string &path, bool tdx,
                             const Reader &reader) {
    const json::object &level = reader.object(value, path);
    const std::string tcb_path = Reader::join(path, "tcb");
    const json::object &tcb = reader.object(reader.member(level, "tcb", path), tcb_path);
    TcbLevel out;
    out.sgx_components = read_components(reader.member(tcb, "sgxtcbcomponents", tcb_path),
                                         Reader::join(tcb_path, "sgxtcbcomponents"), reader);
    out.pcesvn = static_cast<uint16_t>(reader.integer(
        reader.member(tcb, "pcesvn", tcb_path), Reader::join(tcb_path, "pcesvn"), 0, max_u16));
    if (tdx) {
        out.tdx_components = read_components(reader.member(tcb, "tdxtcbcomponents", tcb_path),
                                             Reader::join(tcb_path, "tdxtcbcomponents"), reader);
    }
    out.tcb_date = reader.date(reader.member(level, "tcbDate", path), Reader::join(path, "tcbDate"),
                               out.tcb_date_text);
    out.status =
        reader.status(reader.member(level, "tcbStatus", path), Reader::join(path, "tcbStatus"));
    out.advisory_ids = reader.advisory_ids(level, path);
    return out;
}

TdxModule read_module(const json::object &module, const std::string &path, const Reader &reader) {
    TdxModule out;
    out.mrsigner =
        reader.hex<48>(reader.member(module, "mrsigner", path), Reader::join(path, "mrsigner"));
    out.attributes =
        reader.hex<8>(reader.member(module, "attributes", path), Reader::join(path, "attributes"));
    out.attributes_mask = reader.hex<8>(reader.member(module, "attributesMask", path),
                                        Reader::join(path, "attributesMask"));
    return out;
}

/// {tcb{isvsvn}, tcbDate, tcbStatus, advisoryIDs?}, the level shape of module identities and the
/// QE identity.
template <typename Level>
Level read_isvsvn_level(const json::value &value, const std::string &path, int64_t max_isvsvn,
                        const Reader &reader) {
    const json::object &level = reader.object(value, path);
    const std::string tcb_path = Reader::join(path, "tcb");
    const json::object &tcb = reader.object(reader.member(level, "tcb", path), tcb_path);
    Level out;
    out.isvsvn = static_cast<decltype(out.isvsvn)>(reader.integer(
        reader.member(tcb, "isvsvn", tcb_path), Reader::join(tcb_path, "isvsvn"), 0, max_isvsvn));
    out.tcb_date = reader.date(reader.member(level, "tcbDate", path), Reader::join(path, "tcbDate"),
                               out.tcb_date_text);
    out.status =
        reader.status(reader.member(level, "tcbStatus", path), Reader::join(path, "tcbStatus"));
    out.advisory_ids = reader.advisory_ids(level, path);
    return out;
}

template <typename Level, typename Read>
std::vector<Level> read_levels(const json::object &body, const std::string &path,
                               const Reader &reader, Read &&read_one) {
    const std::string levels_path = Reader::join(path, "tcbLevels");
    const json::array &items = reader.array(reader.member(body, "tcbLevels", path), levels_path);
    if (items.empty()) {
        reader.fail(levels_path, "is empty");
    }
    std::vector<Level> levels;
    levels.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
        levels.push_back(read_one(items[i], Reader::index(levels_path, i)));
    }
    return levels;
}

std::vector<TdxModuleIdentity>
read_module_identities(const json::value &value, const std::string &path, const Reader &reader) {
    const json::array &items = reader.array(value, path);
    std::vector<TdxModuleIdentity> identities;
    for (size_t i = 0; i < items.size(); ++i) {
        const std::string item_path = Reader::index(path, i);
        const json::object &item = reader.object(items[i], item_path);
        TdxModuleIdentity identity;
        identity.id = std::string(
            reader.string(reader.member(item, "id", item_path), Reader::join(item_path, "id")));
        identity.module = read_module(item, item_path, reader);
        identity.levels = read_levels<ModuleTcbLevel>(
            item, item_path, reader, [&](const json::value &level, const std::string &at) {
                return read_isvsvn_level<ModuleTcbLevel>(level, at, max_u8, reader);
            });
        identities.push_back(std::move(identity));
    }
    return identities;
}

} // namespace

TcbInfo parse_tcb_info(std::span<const uint8_t> json_text, const std::string &what) {
    const Reader reader(what);
    json::value holder;
    TcbInfo info;
    const json::object &body = open_document(json_text, "tcbInfo", reader, what, holder, info);
    const std::string path = "tcbInfo";
    info.id = std::string(reader.string(reader.member(body, "id", path), Reader::join(path, "id")));
    info.version = static_cast<int>(reader.integer(reader.member(body, "version", path),
                                                   Reader::join(path, "version"), 0, max_u16));
    if (info.version != 3) {
        reader.fail(Reader::join(path, "version"),
                    "version " + std::to_string(info.version) + " is not supported (3)");
    }
    read_common(body, path, reader, info);
    info.fmspc = reader.hex<6>(reader.member(body, "fmspc", path), Reader::join(path, "fmspc"));
    info.pce_id = reader.hex<2>(reader.member(body, "pceId", path), Reader::join(path, "pceId"));
    info.tcb_type = static_cast<int>(reader.integer(reader.member(body, "tcbType", path),
                                                    Reader::join(path, "tcbType"), 0, max_u8));
    if (const json::value *module = body.if_contains("tdxModule")) {
        const std::string module_path = Reader::join(path, "tdxModule");
        info.tdx_module = read_module(reader.object(*module, module_path), module_path, reader);
    }
    if (const json::value *identities = body.if_contains("tdxModuleIdentities")) {
        info.tdx_module_identities =
            read_module_identities(*identities, Reader::join(path, "tdxModuleIdentities"), reader);
    }
    // An SGX TCB info has no TDX components; the verifier refuses it by its id.
    const bool tdx = info.id == "TDX";
    info.levels = read_levels<TcbLevel>(body, path, reader,
                                        [&](const json::value &level, const std::string &at) {
                                            return read_platform_level(level, at, tdx, reader);
                                        });
    return info;
}

QeIdentity parse_qe_identity(std::span<const uint8_t> json_text, const std::string &what) {
    const Reader reader(what);
    json::value holder;
    QeIdentity identity;
    const json::object &body =
        open_document(json_text, "enclaveIdentity", reader, what, holder, identity);
    const std::string path = "enclaveIdentity";
    const auto member = [&](std::string_view name) -> const json::value & {
        return reader.member(body, name, path);
    };
    const auto at = [&](std::string_view name) { return Reader::join(path, name); };
    identity.id = std::string(reader.string(member("id"), at("id")));
    identity.version =
        static_cast<int>(reader.integer(member("version"), at("version"), 0, max_u16));
    if (identity.version != 2) {
        reader.fail(at("version"),
                    "version " + std::to_string(identity.version) + " is not supported (2)");
    }
    read_common(body, path, reader, identity);
    // MISCSELECT and its mask are written as the 32-bit number, most significant digit first.
    const auto to_u32 = [](const std::array<uint8_t, 4> &b) {
        return (uint32_t{b[0]} << 24U) | (uint32_t{b[1]} << 16U) | (uint32_t{b[2]} << 8U) |
               uint32_t{b[3]};
    };
    identity.miscselect = to_u32(reader.hex<4>(member("miscselect"), at("miscselect")));
    identity.miscselect_mask =
        to_u32(reader.hex<4>(member("miscselectMask"), at("miscselectMask")));
    identity.attributes = reader.hex<16>(member("attributes"), at("attributes"));
    identity.attributes_mask = reader.hex<16>(member("attributesMask"), at("attributesMask"));
    identity.mrsigner = reader.hex<32>(member("mrsigner"), at("mrsigner"));
    identity.isvprodid =
        static_cast<uint16_t>(reader.integer(member("isvprodid"), at("isvprodid"), 0, max_u16));
    identity.levels = read_levels<QeTcbLevel>(
        body, path, reader, [&](const json::value &level, const std::string &level_path) {
            return read_isvsvn_level<QeTcbLevel>(level, level_path, max_u16, reader);
        });
    return identity;
}

void verify_document_signature(const SignedDocument &document, const support::Certificate &signer,
                               const std::string &what) {
    bool valid = false;
    try {
        valid = support::ecdsa_verify_raw(signer.public_key(), support::EcdsaAlgorithm::p256_sha256,
                                          document.signed_body, document.signature);
    } catch (const failure &e) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED, what + ": signature: " + e.what());
    }
    if (!valid) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      what + ": the signature does not verify with the key of " +
                          support::describe_certificate(signer));
    }
}

void check_document_window(const SignedDocument &document, int64_t when, const std::string &what) {
    const std::string window = "issued " + document.issue_date_text + ", next update " +
                               document.next_update_text + ", checked at " + support::rfc3339(when);
    if (when < document.issue_date) {
        throw failure(CCATTEST_E_EXPIRED, what + " is not valid yet (" + window + ")");
    }
    if (when > document.next_update) {
        throw failure(CCATTEST_E_EXPIRED, what + " has expired (" + window + ")");
    }
}

} // namespace ccattest::tdx
