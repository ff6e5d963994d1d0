#include "evidence.hpp"

#include <ccattest/support/json.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace ccattest::tdx {
using sdk::failure;
using support::Bytes;

namespace {

struct Slot {
    const char *name;
    std::optional<Bytes> CarriedCollateral::*member;
    bool der; ///< a certificate or CRL (DER), else a JSON document's exact bytes
};

// The order encode_token writes them in.
constexpr std::array<Slot, 5> slots = {{
    {"tcb_info", &CarriedCollateral::tcb_info, false},
    {"qe_identity", &CarriedCollateral::qe_identity, false},
    {"tcb_signing_certificate", &CarriedCollateral::tcb_signing_certificate, true},
    {"pck_crl", &CarriedCollateral::pck_crl, true},
    {"root_ca_crl", &CarriedCollateral::root_ca_crl, true},
}};
constexpr std::array<std::string_view, 3> top_members = {"format", "quote", "collateral"};

bool is_space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

// The quote's first field is its version, a little-endian u16 (quote.hpp): 4 or 5.
bool is_raw_quote(std::span<const uint8_t> token) {
    return token.size() >= 2 && (token[0] == 4 || token[0] == 5) && token[1] == 0;
}

bool is_base64url_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
}

Evidence ita_jwt(std::string_view text) {
    if (std::count(text.begin(), text.end(), '.') != 2) {
        throw failure(CCATTEST_E_MALFORMED,
                      "token looks like an Intel Trust Authority JWT (\"eyJ...\") but does not "
                      "have three parts separated by two dots");
    }
    const auto bad = std::find_if(text.begin(), text.end(),
                                  [](char c) { return c != '.' && !is_base64url_char(c); });
    if (bad != text.end()) {
        throw failure(CCATTEST_E_MALFORMED,
                      "token looks like an Intel Trust Authority JWT (\"eyJ...\") but holds a "
                      "character outside base64url and '.' at offset " +
                          std::to_string(bad - text.begin()));
    }
    Evidence evidence;
    evidence.jwt = std::string(text);
    evidence.form = TokenForm::ita_jwt;
    return evidence;
}

// Member order is part of the one spelling; naming the first misplaced member helps whoever wrote
// the token by hand.
template <size_t N>
void require_order(const boost::json::object &object, const std::array<std::string_view, N> &order,
                   const std::string &where) {
    size_t next = 0;
    for (const auto &member : object) {
        const auto at = std::find(order.begin(), order.end(), member.key());
        if (at == order.end()) {
            throw failure(CCATTEST_E_MALFORMED,
                          where + " has an unknown member \"" + std::string(member.key()) + "\"");
        }
        const auto position = static_cast<size_t>(at - order.begin());
        if (position < next) {
            throw failure(CCATTEST_E_MALFORMED, where + " member \"" + std::string(member.key()) +
                                                    "\" is out of order (the order is " +
                                                    std::string(order.front()) + ", ..., " +
                                                    std::string(order.back()) + ")");
        }
        next = position + 1;
    }
}

std::array<std::string_view, slots.size()> slot_names() {
    std::array<std::string_view, slots.size()> names{};
    std::transform(slots.begin(), slots.end(), names.begin(),
                   [](const Slot &slot) { return std::string_view(slot.name); });
    return names;
}

void read_collateral(const boost::json::value &value, CarriedCollateral &into) {
    if (!value.is_object()) {
        throw failure(CCATTEST_E_MALFORMED, "token \"collateral\" is not an object");
    }
    const auto &object = value.get_object();
    if (object.empty()) {
        throw failure(CCATTEST_E_MALFORMED,
                      "token has an empty \"collateral\" object; a token without collateral "
                      "omits the member");
    }
    require_order(object, slot_names(), "token \"collateral\"");
    for (const auto &slot : slots) {
        const auto *member = object.if_contains(slot.name);
        if (member == nullptr) {
            continue;
        }
        const std::string what = std::string("token collateral \"") + slot.name + "\"";
        if (!member->is_string()) {
            throw failure(CCATTEST_E_MALFORMED, what + " is not a string");
        }
        Bytes bytes = support::base64_decode(member->get_string(), what);
        if (bytes.empty()) {
            throw failure(CCATTEST_E_MALFORMED, what + " is empty");
        }
        // A certificate or CRL in DER starts with a SEQUENCE; PEM here would be a second
        // spelling of the same token.
        if (slot.der && bytes.front() != 0x30) {
            throw failure(CCATTEST_E_MALFORMED, what + " is not DER (it does not start with a "
                                                       "SEQUENCE)");
        }
        into.*(slot.member) = std::move(bytes);
    }
}

Evidence ccattest_json(std::string_view text) {
    boost::json::value document;
    try {
        document = support::parse_json(text, 4);
    } catch (const failure &e) {
        throw failure(CCATTEST_E_MALFORMED, std::string("token is not a JSON object: ") + e.what());
    }
    if (!document.is_object()) {
        throw failure(CCATTEST_E_MALFORMED, "token is not a JSON object");
    }
    const auto &object = document.get_object();
    require_order(object, top_members, "token");
    const auto *format = object.if_contains("format");
    if (format == nullptr || !format->is_string() || format->get_string() != token_format_id) {
        throw failure(CCATTEST_E_MALFORMED,
                      std::string("token format is not \"") + token_format_id + "\"");
    }
    const auto *quote = object.if_contains("quote");
    if (quote == nullptr || !quote->is_string()) {
        throw failure(CCATTEST_E_MALFORMED, "token has no \"quote\" string");
    }
    Evidence evidence;
    evidence.quote = support::base64_decode(quote->get_string(), "token quote");
    if (evidence.quote.empty()) {
        throw failure(CCATTEST_E_MALFORMED, "token \"quote\" is empty");
    }
    if (const auto *collateral = object.if_contains("collateral")) {
        read_collateral(*collateral, evidence.collateral);
    }
    evidence.form = TokenForm::ccattest;
    // Whatever the checks above let through (escapes, whitespace between members) is refused
    // here: only the text encode_token writes is a token, so no two texts carry the same one.
    if (encode_token(evidence) != text) {
        throw failure(CCATTEST_E_MALFORMED,
                      "token is not in canonical form (whitespace or escapes, which "
                      "encode_token does not write)");
    }
    return evidence;
}

} // namespace

std::string_view token_form_name(TokenForm form) noexcept {
    switch (form) {
    case TokenForm::ccattest: return token_format_id;
    case TokenForm::raw_quote: return "raw-quote";
    case TokenForm::ita_jwt: return "intel-trust-authority-jwt";
    }
    return token_format_id;
}

Evidence decode_token(std::span<const uint8_t> token) {
    if (token.size() > max_token_size) {
        throw failure(CCATTEST_E_MALFORMED, "token is " + std::to_string(token.size()) +
                                                " bytes, more than the " +
                                                std::to_string(max_token_size) + " allowed");
    }
    if (token.empty()) {
        throw failure(CCATTEST_E_MALFORMED, "token is empty");
    }
    if (is_raw_quote(token)) { // its structure is checked by the quote parser
        Evidence evidence;
        evidence.quote.assign(token.begin(), token.end());
        evidence.form = TokenForm::raw_quote;
        return evidence;
    }
    // Whitespace is refused, never trimmed: " T" and "T\n" would otherwise be two more tokens of
    // the evidence in T.
    const std::string_view text(reinterpret_cast<const char *>(token.data()), token.size());
    if (is_space(text.front()) || is_space(text.back())) {
        throw failure(CCATTEST_E_MALFORMED,
                      std::string("token ") + (is_space(text.front()) ? "starts" : "ends") +
                          " with whitespace; only the exact token text is accepted");
    }
    if (text.starts_with("eyJ")) { // base64url of '{"': a JWS header
        return ita_jwt(text);
    }
    if (text.front() == '{') {
        return ccattest_json(text);
    }
    throw failure(CCATTEST_E_MALFORMED,
                  std::string("token is neither a ") + token_format_id +
                      " JSON object, a raw TDX quote (version 4 or 5) nor an Intel Trust "
                      "Authority JWT");
}

std::string encode_token(const Evidence &evidence) {
    switch (evidence.form) {
    case TokenForm::raw_quote:
        return {reinterpret_cast<const char *>(evidence.quote.data()), evidence.quote.size()};
    case TokenForm::ita_jwt: return evidence.jwt;
    case TokenForm::ccattest: break;
    }
    boost::json::object collateral;
    for (const auto &slot : slots) {
        if (const auto &bytes = evidence.collateral.*(slot.member)) {
            collateral[slot.name] = support::base64_encode(*bytes);
        }
    }
    boost::json::object token{{"format", token_format_id},
                              {"quote", support::base64_encode(evidence.quote)}};
    if (!collateral.empty()) {
        token["collateral"] = std::move(collateral);
    }
    return boost::json::serialize(token);
}

} // namespace ccattest::tdx
