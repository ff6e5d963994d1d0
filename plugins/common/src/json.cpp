#include "ccattest/support/json.hpp"

#include <ccattest/authorizer.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/parse.hpp>

#include <cmath>
#include <set>
#include <vector>

namespace ccattest::support {
namespace json = boost::json;

namespace {

// A first pass that builds nothing and only watches object member names, since Boost.JSON keeps
// the last of two equal names without saying so.
class DuplicateFinder {
public:
    constexpr static size_t max_object_size = size_t(-1);
    constexpr static size_t max_array_size = size_t(-1);
    constexpr static size_t max_key_size = size_t(-1);
    constexpr static size_t max_string_size = size_t(-1);

    bool on_document_begin(json::error_code & /*ec*/) { return true; }
    bool on_document_end(json::error_code & /*ec*/) { return true; }
    bool on_object_begin(json::error_code & /*ec*/) {
        frames_.push_back(Frame{true, {}, {}, 0});
        return true;
    }
    bool on_object_end(size_t /*n*/, json::error_code & /*ec*/) { return close(); }
    bool on_array_begin(json::error_code & /*ec*/) {
        frames_.push_back(Frame{false, {}, {}, 0});
        return true;
    }
    bool on_array_end(size_t /*n*/, json::error_code & /*ec*/) { return close(); }
    bool on_key_part(json::string_view part, size_t /*n*/, json::error_code & /*ec*/) {
        key_.append(part.data(), part.size());
        return true;
    }
    bool on_key(json::string_view part, size_t /*n*/, json::error_code &ec) {
        key_.append(part.data(), part.size());
        Frame &frame = frames_.back();
        if (!frame.keys.insert(key_).second) {
            problem_ = "duplicate member " + pointer() + "/" + json_pointer_token(key_);
            ec = json::error::syntax;
            return false;
        }
        frame.key = std::move(key_);
        key_.clear();
        return true;
    }
    bool on_string_part(json::string_view /*s*/, size_t /*n*/, json::error_code & /*ec*/) {
        return true;
    }
    bool on_string(json::string_view /*s*/, size_t /*n*/, json::error_code & /*ec*/) {
        return scalar();
    }
    bool on_number_part(json::string_view /*s*/, json::error_code & /*ec*/) { return true; }
    bool on_int64(int64_t /*v*/, json::string_view /*s*/, json::error_code & /*ec*/) {
        return scalar();
    }
    bool on_uint64(uint64_t /*v*/, json::string_view /*s*/, json::error_code & /*ec*/) {
        return scalar();
    }
    bool on_double(double v, json::string_view /*s*/, json::error_code &ec) {
        if (!std::isfinite(v)) { // 1e400 would read as infinity and compare as no number does
            problem_ = "number out of range (not a finite double)";
            ec = json::error::syntax;
            return false;
        }
        return scalar();
    }
    bool on_bool(bool /*v*/, json::error_code & /*ec*/) { return scalar(); }
    bool on_null(json::error_code & /*ec*/) { return scalar(); }
    bool on_comment_part(json::string_view /*s*/, json::error_code & /*ec*/) { return true; }
    bool on_comment(json::string_view /*s*/, json::error_code & /*ec*/) { return true; }

    /// What the handler refused ("" when the parser itself found the error).
    [[nodiscard]] const std::string &problem() const { return problem_; }

private:
    struct Frame {
        bool object;
        std::set<std::string, std::less<>> keys;
        std::string key; // the member being read (objects)
        size_t index;    // elements completed so far (arrays)
    };

    bool scalar() {
        if (!frames_.empty() && !frames_.back().object) {
            ++frames_.back().index;
        }
        return true;
    }
    bool close() {
        frames_.pop_back();
        return scalar();
    }
    // The pointer of the container being read.
    [[nodiscard]] std::string pointer() const {
        std::string out;
        for (size_t i = 0; i + 1 < frames_.size(); ++i) {
            out += '/';
            out += json_pointer_token(frames_[i].object ? frames_[i].key
                                                        : std::to_string(frames_[i].index));
        }
        return out;
    }

    std::vector<Frame> frames_;
    std::string key_;
    std::string problem_;
};

std::string position(std::string_view text, size_t offset) {
    size_t line = 1;
    size_t column = 1;
    for (size_t i = 0; i < std::min(offset, text.size()); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

} // namespace

std::string json_pointer_token(std::string_view key) {
    std::string out;
    out.reserve(key.size());
    for (const char c : key) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

json::value parse_json(std::string_view text, size_t max_depth) {
    json::parse_options options;
    options.max_depth = max_depth;
    json::basic_parser<DuplicateFinder> finder(options);
    json::error_code ec;
    const size_t consumed = finder.write_some(false, text.data(), text.size(), ec);
    if (ec) {
        const auto &problem = finder.handler().problem();
        throw sdk::failure(CCATTEST_E_MALFORMED,
                           position(text, consumed) + ": " +
                               (problem.empty() ? "invalid JSON: " + ec.message() : problem));
    }
    if (consumed != text.size()) {
        throw sdk::failure(CCATTEST_E_MALFORMED,
                           position(text, consumed) + ": invalid JSON: data after the JSON value");
    }
    json::value value = json::parse(json::string_view(text.data(), text.size()), ec, {}, options);
    if (ec) { // not expected after the first pass accepted the text
        throw sdk::failure(CCATTEST_E_MALFORMED, "invalid JSON: " + ec.message());
    }
    return value;
}

} // namespace ccattest::support
