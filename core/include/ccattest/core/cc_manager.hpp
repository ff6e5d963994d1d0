// CCManager: the attestation runtime of one site of a federation (DESIGN.md, "The core"). The host
// system delivers events (bootstrap, registration, deployment, peer tokens, periodic checks); the
// manager generates this site's evidence, verifies other sites' evidence with this site's policy,
// and explains every decision.
#pragma once

#include "ccattest/core/binding.hpp"
#include "ccattest/core/policy.hpp"
#include "ccattest/core/registry.hpp"

#include <boost/json/value.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ccattest {

/// CC info (another site's evidence) that is not well-formed; what() says what is wrong.
class MalformedEvidence : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Latest issue time CC info may carry (9999-12-31T23:59:59Z); earlier than 0 is malformed too.
inline constexpr int64_t max_issued_at = 253402300799;
/// How far in the future (verifier's clock) an issue time may lie: clocks of sites differ.
inline constexpr int64_t max_clock_skew = 300;
/// The longest token_expiration a policy may set (the policy schema's maximum). Replay records
/// are kept for this long whatever the policy in force, so raising a namespace's token_expiration
/// later, or processes with different policies sharing a state folder, cannot shorten a record
/// below the window in which its evidence is acceptable.
inline constexpr int64_t max_token_expiration = 86400;

/// One site's evidence as it travels: tokens per namespace, bound to (challenge, site identity,
/// issue time).
struct CcInfo {
    std::string site;
    int64_t issued_at = 0;
    Challenge challenge{};
    std::map<std::string, std::vector<uint8_t>> tokens; ///< namespace -> token

    [[nodiscard]] boost::json::value to_json() const;
    /// Exactly the members to_json writes, each of its type and range; throws MalformedEvidence
    /// naming what is wrong.
    static CcInfo from_json(const boost::json::value &value);
    /// Parses CC info text (strict JSON: duplicate members are malformed); `origin` names it.
    static CcInfo from_text(std::string_view text, const std::string &origin);
};

/// One reason a verdict is not an acceptance. `code` is stable for programs (core/README.md lists
/// them): "identity_mismatch", "challenge_mismatch", "issue_time_out_of_range",
/// "missing_namespace", "missing_one_of", "unknown_namespace", "bad_token_expiration", "expired",
/// "issued_in_future", "no_plugin", "plugin_refused" (with the plugin's `status`),
/// "malformed_claims", "no_evidence_digest", "policy", "replay", "replay_quota",
/// "appraisal_failed". `message` explains it to an operator, naming the site and namespace.
struct VerdictReason {
    std::string code;
    std::string namespace_id; ///< "" when the reason concerns the presentation as a whole
    std::string status;       ///< the plugin's status name for plugin_refused, else ""
    std::string message;

    /// A policy rule that the claims fail; every other code means the evidence is not authentic.
    [[nodiscard]] bool is_policy() const noexcept { return code == "policy"; }
    /// {"code", "namespace", "status", "message"}; namespace and status only when set.
    [[nodiscard]] boost::json::object to_json() const;
};

/// The outcome of appraising one site's evidence.
struct Verdict {
    std::string site;
    bool accepted = false;  ///< authentic and within this site's policy
    bool authentic = false; ///< binding, freshness, replay and signatures hold (policy aside)
    std::vector<VerdictReason> reasons;                ///< every failure, explained
    std::map<std::string, boost::json::object> claims; ///< namespace -> verified claims

    [[nodiscard]] std::vector<std::string> messages() const; ///< each reason's message
    /// accepted and authentic from the reasons: authentic when none but policy failures.
    void decide();
};

struct ManagerSettings {
    std::string site;
    std::string role = "client";               ///< "server" or "client"
    bool cc_enabled = true;                    ///< a site without CC generates nothing
    std::optional<std::string> tls_key_sha256; ///< part of the identity when the host knows it
    std::filesystem::path state_dir;           ///< replay store lives here
    int64_t default_token_expiration = 3600;
    ReplayStore::Limits replay_limits; ///< live records in all and per site
};

class CCManager {
public:
    using Clock = std::function<int64_t()>;

    CCManager(std::shared_ptr<Registry> registry, Policy policy, ManagerSettings settings,
              Clock clock);

    /// Bootstrap: generate this site's tokens with every configured issuer. Throws
    /// std::runtime_error with the reason when one cannot (the site must not start).
    void bootstrap();

    /// Registration data: the cached tokens, bound to an attester-chosen challenge, regenerated
    /// when older than their token_expiration.
    CcInfo registration_info();
    /// Fresh evidence bound to a verifier's challenge (deployment and periodic checks).
    CcInfo fresh_info(const Challenge &challenge);

    /// Appraises another site's evidence: the site named in it is the authenticated identity, every
    /// required namespace is present and known, the issue time is neither older than the
    /// namespace's token_expiration nor more than max_clock_skew ahead, each token binds
    /// (challenge, identity, issue time), each verifies through its plugin, the claims satisfy this
    /// policy, and, when `replay` is set, the evidence (keyed by the plugin's evidence_digest) was
    /// not accepted before. Only an accepted presentation is recorded (all its tokens together),
    /// until now + max_clock_skew + max_token_expiration: past the end of any window in which it
    /// could be accepted again.
    Verdict appraise(const CcInfo &info, const std::string &authenticated_site,
                     const std::string &role, const std::optional<Challenge> &expected_challenge,
                     bool replay);

    /// One piece of evidence to appraise (see appraise).
    struct Submission {
        CcInfo info;
        std::string site;
        std::string role;
        std::optional<Challenge> challenge;
        bool replay = false;
    };
    /// Appraises independent submissions in parallel on up to `threads` threads (0: one per core);
    /// verdicts come back in submission order.
    std::vector<Verdict> appraise_all(const std::vector<Submission> &submissions,
                                      unsigned threads = 0);

    [[nodiscard]] const ManagerSettings &settings() const noexcept { return settings_; }
    [[nodiscard]] const Policy &policy() const noexcept { return policy_; }
    [[nodiscard]] int64_t now() const { return clock_(); }
    [[nodiscard]] std::string identity_of(const std::string &site) const {
        return site_identity(site);
    }

private:
    CcInfo generate(const Challenge &challenge);
    void bootstrap_locked(); // with registration_mutex_ held

    std::shared_ptr<Registry> registry_;
    Policy policy_;
    ManagerSettings settings_;
    Clock clock_;
    // One token: age, verification, claims and policy; failures are added to `verdict`, the
    // replay key of verified evidence to `replay_keys`.
    void appraise_token(const std::string &ns, const std::vector<uint8_t> &token,
                        const CcInfo &info, const std::string &site, const ReportData &expected,
                        int64_t now, Verdict &verdict, std::vector<Digest> &replay_keys);
    // Records the keys of an accepted presentation together, or reports which were seen before.
    void check_replay(const std::vector<std::string> &namespaces, const std::vector<Digest> &keys,
                      const std::string &site, int64_t now, Verdict &verdict);

    std::unique_ptr<ReplayStore> replay_; // thread-safe and shared across processes
    std::mutex registration_mutex_;       // registration_info is called from several connections
    std::optional<CcInfo> registration_;
};

} // namespace ccattest
