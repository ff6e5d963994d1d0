#include "ccattest/core/policy.hpp"

#include "ccattest/core/config.hpp"
#include "ccattest/core/json_schema.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <compare>

namespace ccattest {
namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 7> operators = {"equals",  "one_of",     "min",     "max",
                                                       "min_tcb", "bits_clear", "bits_set"};

std::string text(const json::value &value) {
    std::string out = json::serialize(value);
    return out.size() > 200 ? out.substr(0, 197) + "..." : out;
}

bool integral(const json::value &v) {
    return v.is_int64() || v.is_uint64();
}

// An integer as sign and magnitude, so int64 and uint64 claims compare without conversion loss.
struct Integer {
    bool negative = false;
    uint64_t magnitude = 0;
};

Integer integer_of(const json::value &v) {
    if (v.is_uint64()) {
        return {false, v.get_uint64()};
    }
    const int64_t i = v.get_int64();
    // Two's complement magnitude: exact also for INT64_MIN.
    return i < 0 ? Integer{true, uint64_t{0} - static_cast<uint64_t>(i)}
                 : Integer{false, static_cast<uint64_t>(i)};
}

std::strong_ordering compare_integers(const Integer &a, const Integer &b) {
    if (a.negative != b.negative) {
        return a.negative ? std::strong_ordering::less : std::strong_ordering::greater;
    }
    return a.negative ? b.magnitude <=> a.magnitude : a.magnitude <=> b.magnitude;
}

// An integer against a double, exactly: the double's integral part is exact in 64 bits once the
// out-of-range cases are settled, and its fraction decides a tie.
std::partial_ordering compare_integer_with_double(const Integer &a, double d) {
    constexpr double two_to_64 = 18446744073709551616.0;
    if (std::isnan(d)) {
        return std::partial_ordering::unordered;
    }
    if (d >= two_to_64) {
        return std::partial_ordering::less;
    }
    if (d <= -two_to_64) {
        return std::partial_ordering::greater;
    }
    const double whole = std::trunc(d);
    const Integer truncated{whole < 0, static_cast<uint64_t>(std::fabs(whole))};
    const auto order = compare_integers(a, truncated);
    if (order != std::strong_ordering::equal) {
        return order;
    }
    return whole < d
               ? std::partial_ordering::less
               : (whole > d ? std::partial_ordering::greater : std::partial_ordering::equivalent);
}

// Numbers in their exact order: 64-bit claims (TCB values, policy words) never pass through
// double, where 2^53 + 1 would equal 2^53.
std::partial_ordering compare_numbers(const json::value &a, const json::value &b) {
    if (integral(a) && integral(b)) {
        return compare_integers(integer_of(a), integer_of(b));
    }
    if (integral(a)) {
        return compare_integer_with_double(integer_of(a), b.get_double());
    }
    if (integral(b)) {
        const auto order = compare_integer_with_double(integer_of(b), a.get_double());
        return std::is_lt(order) ? std::partial_ordering::greater
                                 : (std::is_gt(order) ? std::partial_ordering::less : order);
    }
    return a.get_double() <=> b.get_double();
}

bool same(const json::value &a, const json::value &b) {
    if (a.is_number() && b.is_number()) {
        return compare_numbers(a, b) == std::partial_ordering::equivalent;
    }
    return a == b;
}

uint64_t as_bits(const json::value &v) {
    return v.is_uint64() ? v.get_uint64() : static_cast<uint64_t>(v.get_int64());
}

} // namespace

std::string PolicyFailure::message() const {
    std::string out = site + ": " + namespace_id + ": " + rule;
    if (!claim.empty() || !expected.empty()) {
        out += ": expected " + expected + ", got " + actual;
    } else if (!actual.empty()) {
        out += ": " + actual;
    }
    if (!why.empty()) {
        out += " (" + why + ")";
    }
    return out;
}

Policy Policy::parse(const json::value &document, const std::string &origin) {
    static const JsonSchema schema(builtin_schema("policy.schema.json"));
    require_valid(schema, document, origin);
    Policy policy;
    const auto &root = document.get_object();
    for (const auto &[name, block] : root.at("namespaces").get_object()) {
        NamespaceRules compiled;
        const auto &object = block.get_object();
        if (const auto *expiration = object.if_contains("token_expiration")) {
            compiled.token_expiration = expiration->to_number<int64_t>();
        }
        size_t index = 0;
        for (const auto &item : object.at("rules").get_array()) {
            const auto &rule = item.get_object();
            const std::string pointer =
                "/namespaces/" + json_pointer_token(name) + "/rules/" + std::to_string(index++);
            std::vector<std::string> present;
            for (const auto op : operators) {
                if (rule.contains(op)) {
                    present.emplace_back(op);
                }
            }
            if (present.size() != 1) {
                throw ConfigError(
                    {config_problem(origin, pointer,
                                    "a rule needs exactly one of equals, one_of, min, "
                                    "max, min_tcb, bits_clear, bits_set")});
            }
            Rule compiled_rule{std::string(rule.at("claim").get_string()),
                               present.front(),
                               rule.at(present.front()),
                               {}};
            if (const auto *why = rule.if_contains("why")) {
                compiled_rule.why = std::string(why->get_string());
            }
            compiled.rules.push_back(std::move(compiled_rule));
        }
        policy.namespaces_.emplace(std::string(name), std::move(compiled));
    }
    read_role_lists(root, "required_namespaces", policy, origin, policy.required_);
    read_role_lists(root, "required_one_of", policy, origin, policy.required_one_of_);
    if (const auto *exempt = root.if_contains("exempt_sites")) {
        for (const auto &site : exempt->get_array()) {
            policy.exempt_.emplace_back(site.get_string());
        }
    }
    return policy;
}

Policy Policy::load(const std::filesystem::path &file) {
    return parse(read_json_file(file), file.string());
}

void Policy::read_role_lists(const json::object &root, const char *key, const Policy &policy,
                             const std::string &origin,
                             std::map<std::string, std::vector<std::string>> &into) {
    const auto *lists = root.if_contains(key);
    if (lists == nullptr) {
        return;
    }
    for (const auto &[role, list] : lists->get_object()) {
        for (const auto &ns : list.get_array()) {
            const std::string namespace_id(ns.get_string());
            if (!policy.knows(namespace_id)) {
                throw ConfigError({config_problem(
                    origin, "/" + std::string(key) + "/" + std::string(role),
                    "requires " + namespace_id + ", which has no rules under /namespaces")});
            }
            into[std::string(role)].push_back(namespace_id);
        }
    }
}

std::vector<std::string>
Policy::role_list(const std::map<std::string, std::vector<std::string>> &lists,
                  const std::string &site, const std::string &role) const {
    if (std::find(exempt_.begin(), exempt_.end(), site) != exempt_.end()) {
        return {};
    }
    const auto found = lists.find(role);
    return found == lists.end() ? std::vector<std::string>{} : found->second;
}

std::vector<std::string> Policy::required_namespaces(const std::string &site,
                                                     const std::string &role) const {
    return role_list(required_, site, role);
}

std::vector<std::string> Policy::required_one_of(const std::string &site,
                                                 const std::string &role) const {
    return role_list(required_one_of_, site, role);
}

std::optional<int64_t> Policy::token_expiration(const std::string &namespace_id) const {
    const auto found = namespaces_.find(namespace_id);
    return found == namespaces_.end() ? std::nullopt : found->second.token_expiration;
}

PolicyResult Policy::appraise(const std::string &site, const std::string &namespace_id,
                              const json::object &claims) const {
    PolicyResult result;
    const auto found = namespaces_.find(namespace_id);
    if (found == namespaces_.end()) {
        result.accepted = false;
        result.failures.push_back({site, namespace_id, "namespace not in this policy", "", "", "",
                                   "this site's policy has no rules for it"});
        return result;
    }
    const json::value document(claims);
    for (const Rule &rule : found->second.rules) {
        const std::string description = rule.claim + " " + rule.op + " " + text(rule.operand);
        auto fail = [&](std::string expected, std::string actual) {
            result.failures.push_back({site, namespace_id, description, rule.claim,
                                       std::move(expected), std::move(actual), rule.why});
        };
        boost::system::error_code ec;
        const json::value *claim = document.find_pointer(rule.claim, ec);
        if (claim == nullptr) {
            fail(text(rule.operand), "no such claim");
            continue;
        }
        const std::string actual = text(*claim);
        if (rule.op == "equals") {
            if (claim->kind() != rule.operand.kind() &&
                !(claim->is_number() && rule.operand.is_number())) {
                fail(text(rule.operand), actual + " (another type)");
            } else if (!same(*claim, rule.operand)) {
                fail(text(rule.operand), actual);
            }
        } else if (rule.op == "one_of") {
            const auto &values = rule.operand.get_array();
            if (std::none_of(values.begin(), values.end(),
                             [&](const json::value &v) { return same(v, *claim); })) {
                fail("one of " + text(rule.operand), actual);
            }
        } else if (rule.op == "min" || rule.op == "max") {
            if (!claim->is_number()) {
                fail((rule.op == "min" ? ">= " : "<= ") + text(rule.operand),
                     actual + " (not a number)");
            } else if (const auto order = compare_numbers(*claim, rule.operand);
                       rule.op == "min" ? !std::is_gteq(order) : !std::is_lteq(order)) {
                fail((rule.op == "min" ? ">= " : "<= ") + text(rule.operand), actual);
            }
        } else if (rule.op == "min_tcb") {
            if (!claim->is_object()) {
                fail("a TCB at least " + text(rule.operand), actual + " (not an object)");
                continue;
            }
            for (const auto &[component, minimum] : rule.operand.get_object()) {
                const auto *value = claim->get_object().if_contains(component);
                if (value == nullptr || !integral(*value)) {
                    fail(std::string(component) + " >= " + text(minimum), "no such component");
                } else if (std::is_lt(compare_numbers(*value, minimum))) {
                    fail(std::string(component) + " >= " + text(minimum),
                         std::string(component) + " " + text(*value));
                }
            }
        } else { // bits_clear, bits_set
            if (!integral(*claim)) {
                fail(rule.op + " " + text(rule.operand), actual + " (not an integer)");
                continue;
            }
            const uint64_t bits = as_bits(rule.operand);
            const uint64_t value = as_bits(*claim);
            const bool ok = rule.op == "bits_clear" ? (value & bits) == 0 : (value & bits) == bits;
            if (!ok) {
                fail(rule.op + " " + text(rule.operand), actual);
            }
        }
    }
    result.accepted = result.failures.empty();
    return result;
}

} // namespace ccattest
