// The result policy: a typed, fail-closed set of rules per namespace over the claims plugins
// return, with explained results (config/schema/policy.schema.json).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ccattest {

/// One failed rule or requirement, explained.
struct PolicyFailure {
    std::string site; ///< whose claims
    std::string namespace_id;
    std::string rule;  ///< e.g. "/policy/debug equals false", or "required namespace"
    std::string claim; ///< JSON Pointer, or "" for requirements not about a claim
    std::string expected;
    std::string actual;
    std::string why; ///< the rule's own explanation, if it has one

    [[nodiscard]] std::string message() const;
};

struct PolicyResult {
    bool accepted = true;
    std::vector<PolicyFailure> failures;
};

class Policy {
public:
    /// Validates against policy.schema.json (errors name `origin` and the JSON path) and compiles.
    /// Throws ConfigError.
    static Policy parse(const boost::json::value &document, const std::string &origin);
    static Policy load(const std::filesystem::path &file);

    /// Appraises one namespace's claims of a site. Claims of a namespace the policy does not list
    /// are refused.
    [[nodiscard]] PolicyResult appraise(const std::string &site, const std::string &namespace_id,
                                        const boost::json::object &claims) const;

    /// The namespaces a site of `role` must present ("server", "client"); none for an exempt site.
    [[nodiscard]] std::vector<std::string> required_namespaces(const std::string &site,
                                                               const std::string &role) const;
    /// Namespaces of which a site of `role` must present at least one (a federation of mixed
    /// platforms); none for an exempt site.
    [[nodiscard]] std::vector<std::string> required_one_of(const std::string &site,
                                                           const std::string &role) const;
    /// Seconds a token of the namespace stays acceptable; nullopt when the policy sets no limit.
    [[nodiscard]] std::optional<int64_t> token_expiration(const std::string &namespace_id) const;
    [[nodiscard]] bool knows(const std::string &namespace_id) const {
        return namespaces_.count(namespace_id) != 0;
    }

private:
    struct Rule {
        std::string claim;
        std::string op;
        boost::json::value operand;
        std::string why;
    };
    struct NamespaceRules {
        std::vector<Rule> rules;
        std::optional<int64_t> token_expiration;
    };
    std::map<std::string, NamespaceRules> namespaces_;
    std::map<std::string, std::vector<std::string>> required_;
    std::map<std::string, std::vector<std::string>> required_one_of_;
    std::vector<std::string> exempt_;

    /// Reads a {role: [namespace...]} member (each namespace must have rules) into `into`.
    static void read_role_lists(const boost::json::object &root, const char *key,
                                const Policy &policy, const std::string &origin,
                                std::map<std::string, std::vector<std::string>> &into);
    [[nodiscard]] std::vector<std::string>
    role_list(const std::map<std::string, std::vector<std::string>> &lists, const std::string &site,
              const std::string &role) const;
};

} // namespace ccattest
