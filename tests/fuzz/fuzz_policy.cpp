// Fuzz target: the result policy. The input is a policy document, optionally followed by
// fuzz::separator and a claims document. ccattest::Policy::parse either compiles the policy or
// throws ConfigError; nothing else may escape. A compiled policy then appraises, for every
// namespace it names (and one it does not), a fixed claims object (the real Milan vector's claims),
// the input's claims object, and an empty one, without throwing; and it is fail-closed: with no
// claims, every rule of a namespace fails (one failure per rule), and an unknown namespace is
// refused.
#include "fuzz_support.hpp"

#include "ccattest/core/config.hpp"
#include "ccattest/core/policy.hpp"
#include "report.hpp"

#include <ccattest/authorizer.hpp>
#include <ccattest/support/crypto.hpp>
#include <ccattest/support/json.hpp>

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>

namespace {
namespace json = boost::json;

// The claims libcc_snp.so returns for go-sev-guest's Milan report.
const json::object &fixed_claims() {
    static const json::object claims = [] {
        const auto bytes = ccattest::support::read_file(
            std::string(SNP_VECTORS) + "/gosev_milan_report.bin", 1U << 20U);
        const auto report = ccattest::snp::parse_report(bytes);
        json::object out = ccattest::snp::report_claims(report, ccattest::snp::Product::milan);
        out["simulated"] = false;
        out["token_form"] = "ccattest-snp-v1";
        out["evidence_digest"] = ccattest::support::to_hex(ccattest::snp::evidence_digest(report));
        out["chain"] = {{"root", "ARK-Milan"}, {"valid_until", "2030-11-14T22:13:20Z"}};
        return out;
    }();
    return claims;
}

void appraise(const ccattest::Policy &policy, const std::string &ns, const json::object &claims) {
    const ccattest::PolicyResult result = policy.appraise("site-a", ns, claims);
    fuzz::require(result.accepted == result.failures.empty(),
                  "accepted disagrees with the failures listed");
    for (const auto &failure : result.failures) {
        fuzz::require(!failure.message().empty(), "a failure without a message");
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int * /*argc*/, char *** /*argv*/) {
    (void)fixed_claims();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const auto parts = fuzz::split(fuzz::text_of(data, size), 2);
    json::value document;
    try {
        document = ccattest::support::parse_json(parts[0]);
    } catch (const ccattest::sdk::failure &) {
        return 0;
    }
    std::optional<ccattest::Policy> policy;
    try {
        policy = ccattest::Policy::parse(document, "fuzz policy");
    } catch (const ccattest::ConfigError &) {
        return 0;
    }
    // Parse validated the document against policy.schema.json: "namespaces" is an object of
    // objects, each with a "rules" array.
    std::set<std::string> namespaces = {"x-snp", "x-unknown-namespace"};
    for (const auto &[name, block] : document.at("namespaces").get_object()) {
        namespaces.emplace(name);
        fuzz::require(policy->knows(std::string(name)), "a namespace of the document is unknown");
    }
    json::object input_claims;
    if (parts.size() > 1) {
        try {
            json::value claims = ccattest::support::parse_json(parts[1]);
            input_claims = claims.is_object() ? std::move(claims.get_object())
                                              : json::object{{"value", std::move(claims)}};
        } catch (const ccattest::sdk::failure &) {
        }
    }
    for (const auto &ns : namespaces) {
        appraise(*policy, ns, fixed_claims());
        appraise(*policy, ns, input_claims);
        (void)policy->token_expiration(ns);
        const auto empty = policy->appraise("site-a", ns, {});
        if (!policy->knows(ns)) {
            fuzz::require(!empty.accepted && empty.failures.size() == 1,
                          "claims of an unknown namespace were not refused");
            continue;
        }
        const auto &rules = document.at("namespaces").at(ns).at("rules").get_array();
        fuzz::require(empty.failures.size() == rules.size(),
                      "with no claims, not every rule of " + ns + " failed (fail-open)");
    }
    for (const char *role : {"server", "client", "observer"}) {
        for (const auto &ns : policy->required_namespaces("site-a", role)) {
            fuzz::require(policy->knows(ns), "a required namespace has no rules");
        }
    }
    return 0;
}
