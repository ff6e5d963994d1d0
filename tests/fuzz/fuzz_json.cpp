// Fuzz target: the project's one strict JSON parser (ccattest::support::parse_json), against
// Boost.JSON as the oracle, at the default nesting limit and at a small one.
//  - only sdk::failure may escape;
//  - when parse_json accepts, Boost.JSON accepts too and gives an equal value, and serialize writes
//    it back as text parse_json reads as the same value;
//  - when the text has no object with two members of one name and Boost.JSON accepts it, parse_json
//    accepts it (it refuses duplicates and nothing else that is valid JSON).
// Duplicates are counted independently of the parser under test: member names the tokenizer reports
// against members the parsed value holds (Boost.JSON keeps one member per name).
#include "fuzz_support.hpp"

#include <ccattest/authorizer.hpp>
#include <ccattest/support/json.hpp>

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace {
namespace json = boost::json;

// Counts member names (keys) in the text; builds nothing.
class KeyCounter {
public:
    constexpr static size_t max_object_size = size_t(-1);
    constexpr static size_t max_array_size = size_t(-1);
    constexpr static size_t max_key_size = size_t(-1);
    constexpr static size_t max_string_size = size_t(-1);

    size_t keys = 0;

    bool on_document_begin(json::error_code & /*ec*/) { return true; }
    bool on_document_end(json::error_code & /*ec*/) { return true; }
    bool on_object_begin(json::error_code & /*ec*/) { return true; }
    bool on_object_end(size_t /*n*/, json::error_code & /*ec*/) { return true; }
    bool on_array_begin(json::error_code & /*ec*/) { return true; }
    bool on_array_end(size_t /*n*/, json::error_code & /*ec*/) { return true; }
    bool on_key_part(json::string_view /*s*/, size_t /*n*/, json::error_code & /*ec*/) {
        return true;
    }
    bool on_key(json::string_view /*s*/, size_t /*n*/, json::error_code & /*ec*/) {
        ++keys;
        return true;
    }
    bool on_string_part(json::string_view /*s*/, size_t /*n*/, json::error_code & /*ec*/) {
        return true;
    }
    bool on_string(json::string_view /*s*/, size_t /*n*/, json::error_code & /*ec*/) {
        return true;
    }
    bool on_number_part(json::string_view /*s*/, json::error_code & /*ec*/) { return true; }
    bool on_int64(int64_t /*v*/, json::string_view /*s*/, json::error_code & /*ec*/) {
        return true;
    }
    bool on_uint64(uint64_t /*v*/, json::string_view /*s*/, json::error_code & /*ec*/) {
        return true;
    }
    bool on_double(double /*v*/, json::string_view /*s*/, json::error_code & /*ec*/) {
        return true;
    }
    bool on_bool(bool /*v*/, json::error_code & /*ec*/) { return true; }
    bool on_null(json::error_code & /*ec*/) { return true; }
    bool on_comment_part(json::string_view /*s*/, json::error_code & /*ec*/) { return true; }
    bool on_comment(json::string_view /*s*/, json::error_code & /*ec*/) { return true; }
};

// Value equality where NaN equals NaN: Boost.JSON 1.81 reads "0e309" as NaN (and "1e400" as
// Infinity), so both parsers giving NaN is agreement. Whether such a number should be accepted at
// all is a separate question (see README.md, findings).
// With `ulps` > 0, doubles may differ by that many units in the last place: Boost.JSON 1.81 does
// not always read back the exact double its serializer wrote (it parses decimal text without
// correct rounding; "precise" number parsing came in Boost 1.83).
bool same(const json::value &a, const json::value &b, int ulps = 0) {
    if (a.kind() != b.kind()) {
        return false;
    }
    switch (a.kind()) {
    case json::kind::double_: {
        const double x = a.get_double();
        double y = b.get_double();
        if (x == y || (std::isnan(x) && std::isnan(y))) {
            return true;
        }
        for (int i = 0; i < ulps; ++i) {
            y = std::nextafter(y, x);
            if (x == y) {
                return true;
            }
        }
        return false;
    }
    case json::kind::array: {
        const auto &x = a.get_array();
        const auto &y = b.get_array();
        return x.size() == y.size() &&
               std::equal(x.begin(), x.end(), y.begin(),
                          [ulps](const auto &p, const auto &q) { return same(p, q, ulps); });
    }
    case json::kind::object: {
        const auto &x = a.get_object();
        const auto &y = b.get_object();
        if (x.size() != y.size()) {
            return false;
        }
        for (const auto &member : x) {
            const auto *other = y.if_contains(member.key());
            if (other == nullptr || !same(member.value(), *other, ulps)) {
                return false;
            }
        }
        return true;
    }
    default: return a == b;
    }
}

bool finite_numbers(const json::value &value) {
    if (value.is_double()) {
        return std::isfinite(value.get_double());
    }
    if (value.is_array()) {
        const auto &array = value.get_array();
        return std::all_of(array.begin(), array.end(), finite_numbers);
    }
    if (value.is_object()) {
        const auto &object = value.get_object();
        return std::all_of(object.begin(), object.end(),
                           [](const auto &member) { return finite_numbers(member.value()); });
    }
    return true;
}

size_t members_in(const json::value &value) {
    size_t count = 0;
    if (value.is_object()) {
        for (const auto &member : value.get_object()) {
            count += 1 + members_in(member.value());
        }
    } else if (value.is_array()) {
        for (const auto &element : value.get_array()) {
            count += members_in(element);
        }
    }
    return count;
}

void check(std::string_view text, size_t max_depth) {
    std::optional<json::value> ours;
    try {
        ours = ccattest::support::parse_json(text, max_depth);
    } catch (const ccattest::sdk::failure &e) {
        fuzz::require(e.status() == CCATTEST_E_MALFORMED,
                      std::string("parse_json refused with a status other than malformed: ") +
                          e.what());
    }
    json::parse_options options;
    options.max_depth = max_depth;
    json::error_code ec;
    const json::value theirs =
        json::parse(json::string_view(text.data(), text.size()), ec, {}, options);
    if (ours) {
        fuzz::require(!ec, "parse_json accepted text Boost.JSON refuses: " + ec.message());
        fuzz::require(same(*ours, theirs), "parse_json and Boost.JSON give different values");
        // Numbers that are not finite doubles (1e400) are refused, so every accepted value is
        // written back as JSON that reads the same.
        fuzz::require(finite_numbers(*ours), "parse_json accepted a number that is not finite");
        const std::string written = json::serialize(*ours);
        json::value again;
        try {
            again = ccattest::support::parse_json(written, max_depth);
        } catch (const ccattest::sdk::failure &e) {
            fuzz::finding("parse_json refuses what serialize wrote: " + written + ": " + e.what());
        }
        fuzz::require(same(again, *ours, 2), "serialize and parse_json do not round-trip");
        return;
    }
    if (ec) {
        return;
    }
    json::basic_parser<KeyCounter> counter(options);
    json::error_code count_ec;
    (void)counter.write_some(false, text.data(), text.size(), count_ec);
    fuzz::require(!count_ec, "Boost.JSON's tokenizer refuses what its parser accepts");
    fuzz::require(counter.handler().keys != members_in(theirs) || !finite_numbers(theirs),
                  "parse_json refused valid JSON that has no duplicate member and finite numbers");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string_view text = fuzz::text_of(data, size);
    check(text, ccattest::support::default_json_depth);
    check(text, 3);
    return 0;
}
