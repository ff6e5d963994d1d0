// The one JSON parser of the project: every document the core or a plugin reads (site config,
// conf.d, policy, scenarios, CC info, tokens, plugin configs) goes through parse_json.
#pragma once

#include <boost/json/value.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace ccattest::support {

/// Deepest nesting parse_json accepts unless told otherwise.
inline constexpr size_t default_json_depth = 64;

/// Parses RFC 8259 JSON text (UTF-8, no comments, no trailing commas, nothing after the value,
/// nesting at most `max_depth`) and refuses an object with two members of one name, which other
/// parsers resolve differently ("last wins" here, "first wins" there), so a document could say one
/// thing to a reader and another to the code. Throws sdk::failure(CCATTEST_E_MALFORMED) whose
/// message gives "line L, column C: ..." (for a duplicate: where its repeated name ends) and, for a
/// duplicate, the member's JSON pointer.
boost::json::value parse_json(std::string_view text, size_t max_depth = default_json_depth);

/// One JSON pointer reference token (RFC 6901 escaping: "~" as "~0", "/" as "~1").
std::string json_pointer_token(std::string_view key);

} // namespace ccattest::support
