// A validator for the subset of JSON Schema (draft 2020-12) that ccattest's own schemas and plugin
// config schemas use. Keywords outside the subset make the schema itself invalid (fail closed), so
// a schema never silently loses a constraint. The subset is listed in config/schema/README.md.
#pragma once

#include <ccattest/support/json.hpp>

#include <boost/json/value.hpp>

#include <map>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ccattest {

/// One way a document fails its schema: where (a JSON Pointer, "" for the root) and why.
struct SchemaViolation {
    std::string pointer;
    std::string message;
};

/// The schema itself is malformed or uses an unsupported keyword.
class SchemaError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Escapes one reference token for a JSON Pointer (the support library's, shared with its parser).
using support::json_pointer_token;

/// A compiled schema. Construction checks the whole schema (every subschema, every $ref, every
/// pattern) and throws SchemaError naming the offending schema location.
class JsonSchema {
public:
    /// `siblings` are other schemas that `$ref` may name by file name ("plugin.schema.json").
    explicit JsonSchema(boost::json::value schema,
                        std::map<std::string, boost::json::value> siblings = {});

    /// Every violation found (document order), empty when the document is valid.
    [[nodiscard]] std::vector<SchemaViolation> validate(const boost::json::value &document) const;

private:
    void check_schema(const boost::json::value &schema, const std::string &document_name,
                      const std::string &location);
    const boost::json::value &resolve(const std::string &reference,
                                      const std::string &current_document) const;
    void validate_node(const boost::json::value &schema, const std::string &document_name,
                       const boost::json::value &instance, const std::string &pointer,
                       std::vector<SchemaViolation> &out, int depth) const;

    std::map<std::string, boost::json::value> documents_; // "" is the main schema
    std::map<std::string, std::regex> patterns_;
};

} // namespace ccattest
