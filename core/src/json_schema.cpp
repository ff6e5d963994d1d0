#include "ccattest/core/json_schema.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>

namespace ccattest {
namespace json = boost::json;

namespace {

// Annotation keywords carry no constraint; "x-" keywords are ccattest annotations ("x-expected" is
// the human wording used in a violation message instead of the raw constraint).
constexpr std::array<std::string_view, 11> annotation_keywords = {
    "$schema",  "$id",        "$comment", "title",     "description", "default",
    "examples", "deprecated", "readOnly", "writeOnly", "$defs"};

constexpr std::array<std::string_view, 24> constraint_keywords = {"type",
                                                                  "enum",
                                                                  "const",
                                                                  "properties",
                                                                  "required",
                                                                  "additionalProperties",
                                                                  "items",
                                                                  "minItems",
                                                                  "maxItems",
                                                                  "uniqueItems",
                                                                  "minLength",
                                                                  "maxLength",
                                                                  "pattern",
                                                                  "minimum",
                                                                  "maximum",
                                                                  "exclusiveMinimum",
                                                                  "exclusiveMaximum",
                                                                  "minProperties",
                                                                  "maxProperties",
                                                                  "anyOf",
                                                                  "oneOf",
                                                                  "allOf",
                                                                  "not",
                                                                  "$ref"};

constexpr std::array<std::string_view, 7> type_names = {"null",   "boolean", "object", "array",
                                                        "number", "integer", "string"};

template <size_t N>
bool listed(const std::array<std::string_view, N> &list, std::string_view name) {
    return std::find(list.begin(), list.end(), name) != list.end();
}

constexpr int max_depth = 64;

std::string type_of(const json::value &v) {
    switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "boolean";
    case json::kind::object: return "object";
    case json::kind::array: return "array";
    case json::kind::string: return "string";
    case json::kind::double_: return "number";
    default: return "integer";
    }
}

bool has_type(const json::value &v, std::string_view type) {
    if (type == "number") {
        return v.is_number();
    }
    if (type == "integer") {
        if (v.is_int64() || v.is_uint64()) {
            return true;
        }
        return v.is_double() && std::isfinite(v.get_double()) &&
               std::floor(v.get_double()) == v.get_double();
    }
    return type_of(v) == type;
}

double as_double(const json::value &v) {
    if (v.is_int64()) {
        return static_cast<double>(v.get_int64());
    }
    if (v.is_uint64()) {
        return static_cast<double>(v.get_uint64());
    }
    return v.get_double();
}

bool json_equal(const json::value &a, const json::value &b) {
    if (a.is_number() && b.is_number()) {
        return as_double(a) == as_double(b);
    }
    return a == b;
}

std::string brief(const json::value &v) {
    std::string text = json::serialize(v);
    if (text.size() > 80) {
        text = text.substr(0, 77) + "...";
    }
    return text;
}

std::string number_text(const json::value &v) {
    return json::serialize(v);
}

// The longest string matched against a "pattern" (fail closed beyond it).
constexpr size_t max_pattern_subject = 4096;

// Length in Unicode code points, as JSON Schema counts string length.
size_t code_points(std::string_view s) {
    return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
    }));
}

} // namespace

JsonSchema::JsonSchema(json::value schema, std::map<std::string, json::value> siblings)
    : documents_(std::move(siblings)) {
    documents_[""] = std::move(schema);
    for (const auto &[name, document] : documents_) {
        check_schema(document, name, "");
    }
}

void JsonSchema::check_schema(const json::value &schema, const std::string &document_name,
                              const std::string &location) {
    const std::string where = (document_name.empty() ? std::string("schema") : document_name) +
                              " at " + (location.empty() ? "/" : location);
    auto fail = [&](const std::string &why) { throw SchemaError(where + ": " + why); };
    if (schema.is_bool()) {
        return;
    }
    if (!schema.is_object()) {
        fail("a schema must be an object or a boolean");
    }
    const json::object &object = schema.get_object();
    for (const auto &[key, value] : object) {
        const std::string_view name = key;
        if (listed(annotation_keywords, name) || name.substr(0, 2) == "x-") {
            continue;
        }
        if (!listed(constraint_keywords, name)) {
            fail("unsupported keyword \"" + std::string(name) + "\"");
        }
        const std::string sub = location + "/" + json_pointer_token(name);
        if (name == "type") {
            auto check_name = [&](const json::value &t) {
                if (!t.is_string() || !listed(type_names, t.get_string())) {
                    fail("\"type\" must name a JSON type, got " + brief(t));
                }
            };
            if (value.is_array()) {
                for (const auto &t : value.get_array()) {
                    check_name(t);
                }
            } else {
                check_name(value);
            }
        } else if (name == "enum" || name == "required" || name == "anyOf" || name == "oneOf" ||
                   name == "allOf") {
            if (!value.is_array() || value.get_array().empty()) {
                fail("\"" + std::string(name) + "\" must be a non-empty array");
            }
            if (name == "required") {
                for (const auto &r : value.get_array()) {
                    if (!r.is_string()) {
                        fail("\"required\" must list strings");
                    }
                }
            }
            if (name == "anyOf" || name == "oneOf" || name == "allOf") {
                size_t index = 0;
                for (const auto &s : value.get_array()) {
                    check_schema(s, document_name, sub + "/" + std::to_string(index++));
                }
            }
        } else if (name == "properties") {
            if (!value.is_object()) {
                fail("\"properties\" must be an object");
            }
            for (const auto &[property, subschema] : value.get_object()) {
                check_schema(subschema, document_name, sub + "/" + json_pointer_token(property));
            }
        } else if (name == "additionalProperties" || name == "items" || name == "not") {
            check_schema(value, document_name, sub);
        } else if (name == "minItems" || name == "maxItems" || name == "minLength" ||
                   name == "maxLength" || name == "minProperties" || name == "maxProperties") {
            if (!value.is_int64() && !value.is_uint64()) {
                fail("\"" + std::string(name) + "\" must be a non-negative integer");
            }
            if (value.is_int64() && value.get_int64() < 0) {
                fail("\"" + std::string(name) + "\" must be a non-negative integer");
            }
        } else if (name == "minimum" || name == "maximum" || name == "exclusiveMinimum" ||
                   name == "exclusiveMaximum") {
            if (!value.is_number()) {
                fail("\"" + std::string(name) + "\" must be a number");
            }
        } else if (name == "uniqueItems") {
            if (!value.is_bool()) {
                fail("\"uniqueItems\" must be a boolean");
            }
        } else if (name == "pattern") {
            if (!value.is_string()) {
                fail("\"pattern\" must be a string");
            }
            const std::string pattern(value.get_string());
            try {
                patterns_.try_emplace(pattern, pattern, std::regex::ECMAScript);
            } catch (const std::regex_error &e) {
                fail("\"pattern\" is not a valid regular expression: " + std::string(e.what()));
            }
        } else if (name == "$ref") {
            if (!value.is_string()) {
                fail("\"$ref\" must be a string");
            }
            try {
                (void)resolve(std::string(value.get_string()), document_name);
            } catch (const SchemaError &e) {
                fail(e.what());
            }
        }
    }
    if (const auto *defs = object.if_contains("$defs")) {
        if (!defs->is_object()) {
            fail("\"$defs\" must be an object");
        }
        for (const auto &[name, subschema] : defs->get_object()) {
            check_schema(subschema, document_name, location + "/$defs/" + json_pointer_token(name));
        }
    }
}

const json::value &JsonSchema::resolve(const std::string &reference,
                                       const std::string &current_document) const {
    const auto hash = reference.find('#');
    const std::string document_name = hash == 0 ? current_document : reference.substr(0, hash);
    const std::string fragment = hash == std::string::npos ? "" : reference.substr(hash + 1);
    const auto document = documents_.find(document_name);
    if (document == documents_.end()) {
        throw SchemaError("\"$ref\" names an unknown schema \"" + reference + "\"");
    }
    if (fragment.empty()) {
        return document->second;
    }
    boost::system::error_code ec;
    const json::value *target = document->second.find_pointer(fragment, ec);
    if (target == nullptr) {
        throw SchemaError("\"$ref\" points at nothing: \"" + reference + "\"");
    }
    return *target;
}

std::vector<SchemaViolation> JsonSchema::validate(const json::value &document) const {
    std::vector<SchemaViolation> out;
    validate_node(documents_.at(""), "", document, "", out, 0);
    return out;
}

void JsonSchema::validate_node(const json::value &schema, const std::string &document_name,
                               const json::value &instance, const std::string &pointer,
                               std::vector<SchemaViolation> &out, int depth) const {
    if (depth > max_depth) {
        out.push_back({pointer, "nesting deeper than the schema allows"});
        return;
    }
    if (schema.is_bool()) {
        if (!schema.get_bool()) {
            out.push_back({pointer, "not allowed here"});
        }
        return;
    }
    const json::object &s = schema.get_object();
    const json::value *expected_text = s.if_contains("x-expected");
    auto violation = [&](const std::string &message) {
        if (expected_text != nullptr && expected_text->is_string()) {
            out.push_back({pointer, "expected " + std::string(expected_text->get_string())});
        } else {
            out.push_back({pointer, message});
        }
    };

    if (const auto *ref = s.if_contains("$ref")) {
        const std::string reference(ref->get_string());
        const auto hash = reference.find('#');
        const std::string target_document = hash == 0 ? document_name : reference.substr(0, hash);
        validate_node(resolve(reference, document_name), target_document, instance, pointer, out,
                      depth + 1);
    }
    if (const auto *type = s.if_contains("type")) {
        bool ok = false;
        std::string wanted;
        if (type->is_array()) {
            for (const auto &t : type->get_array()) {
                ok = ok || has_type(instance, t.get_string());
                wanted += (wanted.empty() ? "" : " or ") + std::string(t.get_string());
            }
        } else {
            ok = has_type(instance, type->get_string());
            wanted = type->get_string();
        }
        if (!ok) {
            violation("expected " + wanted + ", got " + type_of(instance));
            return; // further keywords would only repeat the type error
        }
    }
    if (const auto *allowed = s.if_contains("enum")) {
        const auto &values = allowed->get_array();
        if (std::none_of(values.begin(), values.end(),
                         [&](const json::value &v) { return json_equal(v, instance); })) {
            std::string list;
            for (const auto &v : values) {
                list += (list.empty() ? "" : ", ") + brief(v);
            }
            violation("expected one of " + list + ", got " + brief(instance));
        }
    }
    if (const auto *constant = s.if_contains("const")) {
        if (!json_equal(*constant, instance)) {
            violation("expected " + brief(*constant) + ", got " + brief(instance));
        }
    }
    if (instance.is_string()) {
        const std::string_view text = instance.get_string();
        const size_t length = code_points(text);
        if (const auto *min = s.if_contains("minLength");
            min != nullptr && length < min->to_number<size_t>()) {
            violation(min->to_number<size_t>() == 1
                          ? std::string("expected a non-empty string")
                          : "expected at least " + number_text(*min) + " characters, got " +
                                std::to_string(length));
        }
        if (const auto *max = s.if_contains("maxLength");
            max != nullptr && length > max->to_number<size_t>()) {
            violation("expected at most " + number_text(*max) + " characters, got " +
                      std::to_string(length));
        }
        if (const auto *pattern = s.if_contains("pattern")) {
            const std::string source(pattern->get_string());
            if (text.size() > max_pattern_subject) {
                // std::regex recurses per character: a long enough string overflows the stack.
                violation("expected a string matching " + source + " of at most " +
                          std::to_string(max_pattern_subject) + " bytes, got " +
                          std::to_string(text.size()) + " bytes");
            } else if (!std::regex_search(text.begin(), text.end(), patterns_.at(source))) {
                violation("expected a string matching " + source + ", got " + brief(instance));
            }
        }
    }
    if (instance.is_number()) {
        const double value = as_double(instance);
        auto bound = [&](const char *keyword, auto fails, const char *relation) {
            if (const auto *b = s.if_contains(keyword);
                b != nullptr && fails(value, as_double(*b))) {
                violation("expected a number " + std::string(relation) + " " + number_text(*b) +
                          ", got " + number_text(instance));
            }
        };
        bound(
            "minimum", [](double v, double b) { return v < b; }, ">=");
        bound(
            "maximum", [](double v, double b) { return v > b; }, "<=");
        bound(
            "exclusiveMinimum", [](double v, double b) { return v <= b; }, ">");
        bound(
            "exclusiveMaximum", [](double v, double b) { return v >= b; }, "<");
    }
    if (instance.is_array()) {
        const auto &items = instance.get_array();
        if (const auto *min = s.if_contains("minItems");
            min != nullptr && items.size() < min->to_number<size_t>()) {
            violation("expected at least " + number_text(*min) + " items, got " +
                      std::to_string(items.size()));
        }
        if (const auto *max = s.if_contains("maxItems");
            max != nullptr && items.size() > max->to_number<size_t>()) {
            violation("expected at most " + number_text(*max) + " items, got " +
                      std::to_string(items.size()));
        }
        if (const auto *unique = s.if_contains("uniqueItems");
            unique != nullptr && unique->get_bool()) {
            for (size_t i = 0; i < items.size(); ++i) {
                for (size_t j = i + 1; j < items.size(); ++j) {
                    if (json_equal(items[i], items[j])) {
                        out.push_back({pointer + "/" + std::to_string(j),
                                       "duplicate of item " + std::to_string(i)});
                    }
                }
            }
        }
        if (const auto *item_schema = s.if_contains("items")) {
            for (size_t i = 0; i < items.size(); ++i) {
                validate_node(*item_schema, document_name, items[i],
                              pointer + "/" + std::to_string(i), out, depth + 1);
            }
        }
    }
    if (instance.is_object()) {
        const auto &members = instance.get_object();
        if (const auto *min = s.if_contains("minProperties");
            min != nullptr && members.size() < min->to_number<size_t>()) {
            violation("expected at least " + number_text(*min) + " keys");
        }
        if (const auto *max = s.if_contains("maxProperties");
            max != nullptr && members.size() > max->to_number<size_t>()) {
            violation("expected at most " + number_text(*max) + " keys");
        }
        if (const auto *required = s.if_contains("required")) {
            for (const auto &key : required->get_array()) {
                if (!members.contains(key.get_string())) {
                    out.push_back({pointer, "missing required key \"" +
                                                std::string(key.get_string()) + "\""});
                }
            }
        }
        const json::object *properties = nullptr;
        if (const auto *p = s.if_contains("properties")) {
            properties = &p->get_object();
        }
        const json::value *additional = s.if_contains("additionalProperties");
        for (const auto &[key, value] : members) {
            const std::string child = pointer + "/" + json_pointer_token(key);
            if (properties != nullptr) {
                if (const auto *property_schema = properties->if_contains(key)) {
                    validate_node(*property_schema, document_name, value, child, out, depth + 1);
                    continue;
                }
            }
            if (additional != nullptr) {
                if (additional->is_bool() && !additional->get_bool()) {
                    out.push_back({child, "unknown key"});
                } else {
                    validate_node(*additional, document_name, value, child, out, depth + 1);
                }
            }
        }
    }
    auto count_matches = [&](const json::array &alternatives) {
        size_t matches = 0;
        for (const auto &alternative : alternatives) {
            std::vector<SchemaViolation> scratch;
            validate_node(alternative, document_name, instance, pointer, scratch, depth + 1);
            matches += scratch.empty() ? 1 : 0;
        }
        return matches;
    };
    if (const auto *any = s.if_contains("anyOf");
        any != nullptr && count_matches(any->get_array()) == 0) {
        violation("does not match any of the allowed forms");
    }
    if (const auto *one = s.if_contains("oneOf");
        one != nullptr && count_matches(one->get_array()) != 1) {
        violation("must match exactly one of the allowed forms");
    }
    if (const auto *all = s.if_contains("allOf")) {
        for (const auto &alternative : all->get_array()) {
            validate_node(alternative, document_name, instance, pointer, out, depth + 1);
        }
    }
    if (const auto *negated = s.if_contains("not")) {
        std::vector<SchemaViolation> scratch;
        validate_node(*negated, document_name, instance, pointer, scratch, depth + 1);
        if (scratch.empty()) {
            violation("matches a form that is not allowed");
        }
    }
}

} // namespace ccattest
