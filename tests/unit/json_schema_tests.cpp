#include "ccattest/core/json_schema.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

using ccattest::JsonSchema;
using ccattest::SchemaError;
namespace json = boost::json;

namespace {

// "pointer: message" lines for every violation, for exact comparison.
std::vector<std::string> problems(const char *schema, const char *document) {
    const JsonSchema compiled(json::parse(schema));
    std::vector<std::string> out;
    for (const auto &v : compiled.validate(json::parse(document))) {
        out.push_back(v.pointer + ": " + v.message);
    }
    return out;
}

using Lines = std::vector<std::string>;

} // namespace

BOOST_AUTO_TEST_SUITE(json_schema)

BOOST_AUTO_TEST_CASE(valid_documents_have_no_violations) {
    const char *schema = R"({"type":"object","required":["a"],"additionalProperties":false,
        "properties":{"a":{"type":"integer","minimum":1},"b":{"type":"array","items":{"type":"string"}}}})";
    BOOST_TEST(problems(schema, R"({"a":3,"b":["x","y"]})").empty());
}

BOOST_AUTO_TEST_CASE(type_required_and_unknown_keys) {
    const char *schema = R"({"type":"object","required":["a","c"],"additionalProperties":false,
        "properties":{"a":{"type":"integer"},"c":{"type":["string","null"]}}})";
    BOOST_TEST(problems(schema, R"({"a":"3","zz":1})") ==
                   (Lines{": missing required key \"c\"", "/a: expected integer, got string",
                          "/zz: unknown key"}),
               boost::test_tools::per_element());
    BOOST_TEST(problems(schema, "[]") == (Lines{": expected object, got array"}),
               boost::test_tools::per_element());
    BOOST_TEST(problems(schema, R"({"a":1,"c":null})").empty());
    BOOST_TEST(problems(schema, R"({"a":1.5,"c":null})") ==
                   (Lines{"/a: expected integer, got number"}),
               boost::test_tools::per_element());
    BOOST_TEST(problems(schema, R"({"a":2.0,"c":null})").empty());
}

BOOST_AUTO_TEST_CASE(string_constraints_and_expected_wording) {
    const char *schema = R"({"type":"object","properties":{
        "hex":{"type":"string","pattern":"^[0-9a-f]{4}$","x-expected":"4 hex digits"},
        "raw":{"type":"string","pattern":"^a+$"},
        "short":{"type":"string","minLength":2,"maxLength":3}}})";
    BOOST_TEST(problems(schema, R"({"hex":"xyz","raw":"b","short":"abcd"})") ==
                   (Lines{"/hex: expected 4 hex digits",
                          "/raw: expected a string matching ^a+$, got \"b\"",
                          "/short: expected at most 3 characters, got 4"}),
               boost::test_tools::per_element());
    // Lengths count code points, not bytes: "é" is one character.
    BOOST_TEST(problems(schema, R"({"short":"é"})") ==
                   (Lines{"/short: expected at least 2 characters, got 1"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(numbers_enums_consts_arrays) {
    const char *schema = R"({"type":"object","properties":{
        "n":{"type":"number","minimum":0,"exclusiveMaximum":10},
        "e":{"enum":["a","b"]}, "k":{"const":5},
        "l":{"type":"array","minItems":1,"maxItems":2,"uniqueItems":true}}})";
    BOOST_TEST(problems(schema, R"({"n":10,"e":"c","k":5.0,"l":[1,1,1]})") ==
                   (Lines{"/n: expected a number < 10, got 10",
                          "/e: expected one of \"a\", \"b\", got \"c\"",
                          "/l: expected at most 2 items, got 3", "/l/1: duplicate of item 0",
                          "/l/2: duplicate of item 0", "/l/2: duplicate of item 1"}),
               boost::test_tools::per_element());
    BOOST_TEST(
        problems(schema, R"({"n":-1,"l":[]})") ==
            (Lines{"/n: expected a number >= 0, got -1", "/l: expected at least 1 items, got 0"}),
        boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(refs_defs_and_combinators) {
    const char *schema = R"({"$defs":{"port":{"type":"integer","minimum":1,"maximum":65535}},
        "type":"object","properties":{"p":{"$ref":"#/$defs/port"},
        "any":{"anyOf":[{"type":"string"},{"type":"integer"}]},
        "one":{"oneOf":[{"type":"integer"},{"type":"number"}]},
        "not":{"not":{"type":"null"}}}})";
    BOOST_TEST(problems(schema, R"({"p":0,"any":true,"one":1,"not":null})") ==
                   (Lines{"/p: expected a number >= 1, got 0",
                          "/any: does not match any of the allowed forms",
                          "/one: must match exactly one of the allowed forms",
                          "/not: matches a form that is not allowed"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(pointer_tokens_are_escaped) {
    BOOST_TEST(ccattest::json_pointer_token("a/b~c") == "a~1b~0c");
    const char *schema = R"({"type":"object","additionalProperties":false})";
    BOOST_TEST(problems(schema, R"({"a/b":1})") == (Lines{"/a~1b: unknown key"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unsupported_or_malformed_schemas_are_refused) {
    auto message = [](const char *schema) {
        try {
            JsonSchema compiled(json::parse(schema));
        } catch (const SchemaError &e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    BOOST_TEST(message(R"({"type":"object","patternProperties":{}})") ==
               "schema at /: unsupported keyword \"patternProperties\"");
    BOOST_TEST(message(R"({"properties":{"a":{"type":"strin"}}})") ==
               "schema at /properties/a: \"type\" must name a JSON type, got \"strin\"");
    BOOST_TEST(message(R"({"pattern":"("})")
                   .find("schema at /: \"pattern\" is not a valid regular expression") == 0u);
    BOOST_TEST(message(R"({"$ref":"#/$defs/missing"})") ==
               "schema at /: \"$ref\" points at nothing: \"#/$defs/missing\"");
    BOOST_TEST(message(R"({"$ref":"other.json"})") ==
               "schema at /: \"$ref\" names an unknown schema \"other.json\"");
    BOOST_TEST(message("[1]") == "schema at /: a schema must be an object or a boolean");
    BOOST_TEST(message(R"({"minLength":-1})") ==
               "schema at /: \"minLength\" must be a non-negative integer");
    BOOST_TEST(message(R"({"title":"t","x-anything":1,"$comment":"c"})") == "accepted");
}

BOOST_AUTO_TEST_CASE(recursive_refs_are_bounded) {
    const JsonSchema looping(
        json::parse(R"({"$defs":{"a":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"})"));
    const auto violations = looping.validate(json::parse("1"));
    BOOST_REQUIRE_EQUAL(violations.size(), 1u);
    BOOST_TEST(violations[0].message == "nesting deeper than the schema allows");
}

BOOST_AUTO_TEST_SUITE_END()
