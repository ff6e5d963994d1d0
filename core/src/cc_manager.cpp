#include "ccattest/core/cc_manager.hpp"

#include "ccattest/core/config.hpp"
#include "ccattest/core/logging.hpp"

#include <ccattest/authorizer.hpp>
#include <ccattest/support/bytes.hpp>
#include <ccattest/support/json.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <thread>

namespace ccattest {
namespace json = boost::json;

json::value CcInfo::to_json() const {
    json::object tokens_out;
    for (const auto &[ns, token] : tokens) {
        tokens_out[ns] = support::base64_encode(token);
    }
    return json::object{{"site", site},
                        {"issued_at", issued_at},
                        {"challenge", support::to_hex(challenge)},
                        {"tokens", std::move(tokens_out)}};
}

json::object VerdictReason::to_json() const {
    json::object out{{"code", code}};
    if (!namespace_id.empty()) {
        out["namespace"] = namespace_id;
    }
    if (!status.empty()) {
        out["status"] = status;
    }
    out["message"] = message;
    return out;
}

std::vector<std::string> Verdict::messages() const {
    std::vector<std::string> out;
    out.reserve(reasons.size());
    for (const auto &reason : reasons) {
        out.push_back(reason.message);
    }
    return out;
}

void Verdict::decide() {
    accepted = reasons.empty();
    authentic = std::all_of(reasons.begin(), reasons.end(),
                            [](const VerdictReason &reason) { return reason.is_policy(); });
}

CcInfo CcInfo::from_json(const json::value &value) {
    auto bad = [](const std::string &what) { return MalformedEvidence("cc info: " + what); };
    if (!value.is_object()) {
        throw bad("not a JSON object");
    }
    const auto &object = value.get_object();
    for (const auto &member : object) {
        const std::string_view key = member.key();
        if (key != "site" && key != "issued_at" && key != "challenge" && key != "tokens") {
            throw bad("unknown member \"" + std::string(key) + "\"");
        }
    }
    CcInfo info;
    const auto *site = object.if_contains("site");
    const auto *issued = object.if_contains("issued_at");
    const auto *challenge = object.if_contains("challenge");
    const auto *tokens = object.if_contains("tokens");
    if (site == nullptr || !site->is_string() || issued == nullptr || !issued->is_int64() ||
        challenge == nullptr || !challenge->is_string() || tokens == nullptr ||
        !tokens->is_object()) {
        throw bad("needs site (string), issued_at (integer), challenge (hex) and tokens (object)");
    }
    info.site = std::string(site->get_string());
    if (info.site.empty()) {
        throw bad("site is empty");
    }
    info.issued_at = issued->get_int64();
    if (info.issued_at < 0 || info.issued_at > max_issued_at) {
        throw bad("issued_at " + std::to_string(info.issued_at) + " is outside 0.." +
                  std::to_string(max_issued_at));
    }
    const auto challenge_bytes = support::parse_hex(challenge->get_string());
    if (!challenge_bytes || challenge_bytes->size() != info.challenge.size() ||
        support::to_hex(*challenge_bytes) != challenge->get_string()) {
        throw bad("challenge is not 64 lower-case hex digits");
    }
    std::copy(challenge_bytes->begin(), challenge_bytes->end(), info.challenge.begin());
    for (const auto &[ns, token] : tokens->get_object()) {
        const auto bytes =
            token.is_string() ? support::parse_base64(token.get_string()) : std::nullopt;
        if (!bytes || bytes->empty()) {
            throw bad("token of " + std::string(ns) + " is not canonical base64");
        }
        info.tokens.emplace(std::string(ns), *bytes);
    }
    return info;
}

CcInfo CcInfo::from_text(std::string_view text, const std::string &origin) {
    json::value document;
    try {
        document = support::parse_json(text);
    } catch (const std::exception &e) {
        throw MalformedEvidence(origin + ": " + e.what());
    }
    try {
        return from_json(document);
    } catch (const MalformedEvidence &e) {
        throw MalformedEvidence(origin + ": " + e.what());
    }
}

CCManager::CCManager(std::shared_ptr<Registry> registry, Policy policy, ManagerSettings settings,
                     Clock clock)
    : registry_(std::move(registry)), policy_(std::move(policy)), settings_(std::move(settings)),
      clock_(std::move(clock)) {
    if (!settings_.state_dir.empty()) {
        replay_ = std::make_unique<ReplayStore>(settings_.state_dir / "replay.log",
                                                settings_.replay_limits);
    }
}

CcInfo CCManager::generate(const Challenge &challenge) {
    CcInfo info;
    info.site = settings_.site;
    info.issued_at = clock_();
    info.challenge = challenge;
    if (!settings_.cc_enabled) {
        return info;
    }
    const ReportData report_data = report_data_for(
        challenge, site_identity(settings_.site, settings_.tls_key_sha256.value_or("")),
        info.issued_at);
    for (const auto &record : registry_->plugins()) {
        if (!record.authorizer || record.entry.verify_only ||
            (record.authorizer->library().api().capabilities & CCATTEST_CAP_GENERATE) == 0) {
            continue;
        }
        const auto result = record.authorizer->generate(report_data);
        if (!result.ok()) {
            throw std::runtime_error(
                settings_.site + ": issuer " + record.authorizer->namespace_id() +
                " cannot generate a token: " + sdk::status_name(result.status) + ": " +
                result.message);
        }
        info.tokens[record.authorizer->namespace_id()] = result.output;
    }
    return info;
}

void CCManager::bootstrap() {
    const std::lock_guard lock(registration_mutex_);
    bootstrap_locked();
}

void CCManager::bootstrap_locked() {
    if (registry_->startup_failure()) {
        throw std::runtime_error(settings_.site + ": " + *registry_->startup_failure());
    }
    registration_ = generate(new_challenge());
    logging::write(LogLevel::info, "cc-manager",
                   settings_.site + ": bootstrap generated " +
                       std::to_string(registration_->tokens.size()) + " token(s)");
}

CcInfo CCManager::registration_info() {
    const std::lock_guard lock(registration_mutex_);
    if (!registration_) {
        bootstrap_locked();
    }
    const int64_t age = clock_() - registration_->issued_at;
    for (const auto &[ns, token] : registration_->tokens) {
        if (age >= policy_.token_expiration(ns).value_or(settings_.default_token_expiration)) {
            logging::write(LogLevel::info, "cc-manager",
                           settings_.site + ": tokens are " + std::to_string(age) +
                               " s old; regenerating");
            registration_ = generate(new_challenge());
            break;
        }
    }
    return *registration_;
}

CcInfo CCManager::fresh_info(const Challenge &challenge) {
    return generate(challenge);
}

namespace {

// a - b, or nullopt when it does not fit (times and bounds come from outside).
std::optional<int64_t> checked_sub(int64_t a, int64_t b) {
    int64_t out = 0;
    return __builtin_sub_overflow(a, b, &out) ? std::nullopt : std::optional<int64_t>(out);
}

// The plugin's evidence_digest claim (authorizer.h: 64 lower-case hex, SHA-256 of the signed
// evidence), or nullopt.
std::optional<Digest> evidence_digest_of(const json::object &claims) {
    const auto *claim = claims.if_contains("evidence_digest");
    if (claim == nullptr || !claim->is_string()) {
        return std::nullopt;
    }
    const auto bytes = support::parse_hex(claim->get_string());
    if (!bytes || bytes->size() != 32 || support::to_hex(*bytes) != claim->get_string()) {
        return std::nullopt;
    }
    Digest digest{};
    std::copy(bytes->begin(), bytes->end(), digest.begin());
    return digest;
}

} // namespace

void CCManager::appraise_token(const std::string &ns, const std::vector<uint8_t> &token,
                               const CcInfo &info, const std::string &site,
                               const ReportData &expected, int64_t now, Verdict &verdict,
                               std::vector<Digest> &replay_keys) {
    auto refuse = [&](const char *code, const std::string &reason, std::string status = {}) {
        verdict.reasons.push_back({code, ns, std::move(status), site + ": " + ns + ": " + reason});
    };
    if (!policy_.knows(ns)) {
        return refuse("unknown_namespace", "namespace not in this site's policy");
    }
    const int64_t expiration =
        policy_.token_expiration(ns).value_or(settings_.default_token_expiration);
    if (expiration < 1 || expiration > max_token_expiration) {
        return refuse("bad_token_expiration", "token_expiration " + std::to_string(expiration) +
                                                  " s is outside 1.." +
                                                  std::to_string(max_token_expiration) + " s");
    }
    const auto age = checked_sub(now, info.issued_at);
    if (!age) {
        return refuse("issue_time_out_of_range",
                      "issue time " + std::to_string(info.issued_at) + " is out of range");
    }
    if (*age > expiration) {
        return refuse("expired", "token issued " + std::to_string(*age) +
                                     " s ago is older than token_expiration " +
                                     std::to_string(expiration) + " s");
    }
    if (*age < -max_clock_skew) {
        return refuse("issued_in_future", "token is issued " + std::to_string(-*age) +
                                              " s in the future (more than " +
                                              std::to_string(max_clock_skew) + " s of clock skew)");
    }
    const auto authorizer = registry_->find(ns);
    if (!authorizer) {
        return refuse("no_plugin", "no plugin here verifies this namespace");
    }
    const auto result = authorizer->verify(token, std::span<const uint8_t, 64>(expected), now);
    if (!result.ok()) {
        return refuse("plugin_refused",
                      std::string(sdk::status_name(result.status)) + ": " + result.message,
                      sdk::status_name(result.status));
    }
    json::object claims;
    try {
        auto document = support::parse_json(std::string_view(
            reinterpret_cast<const char *>(result.output.data()), result.output.size()));
        if (!document.is_object()) {
            return refuse("malformed_claims", "plugin returned claims that are not a JSON object");
        }
        claims = std::move(document.get_object());
    } catch (const std::exception &e) {
        return refuse("malformed_claims",
                      std::string("plugin returned malformed claims: ") + e.what());
    }
    const auto evidence_digest = evidence_digest_of(claims);
    if (!evidence_digest) {
        return refuse("no_evidence_digest",
                      "plugin returned no evidence_digest claim (64 lower-case hex), which "
                      "authorizer.h requires of verify");
    }
    replay_keys.push_back(replay_key(ns, *evidence_digest));
    const auto appraisal = policy_.appraise(site, ns, claims);
    for (const auto &failure : appraisal.failures) {
        verdict.reasons.push_back({"policy", ns, "", failure.message()});
    }
    verdict.claims.emplace(ns, std::move(claims));
}

void CCManager::check_replay(const std::vector<std::string> &namespaces,
                             const std::vector<Digest> &keys, const std::string &site, int64_t now,
                             Verdict &verdict) {
    auto refuse = [&](const char *code, size_t position, const std::string &reason) {
        verdict.reasons.push_back(
            {code, namespaces[position], "", site + ": " + namespaces[position] + ": " + reason});
        verdict.claims.erase(namespaces[position]);
    };
    if (!verdict.reasons.empty()) {
        // Rejected anyway: say whether it was also a replay, but record nothing, so evidence that
        // is refused cannot fill the store.
        for (const size_t position : replay_->seen(keys, now)) {
            refuse("replay", position, "evidence was presented before (replay)");
        }
        return;
    }
    // Every token of the presentation is recorded together, kept until the end of the longest
    // window in which any could be accepted again, from this verifier's clock and bounds only.
    const int64_t keep_until = now + max_clock_skew + max_token_expiration + 1;
    const auto result = replay_->check_and_record(keys, site, keep_until, now);
    switch (result.outcome) {
    case ReplayStore::Outcome::recorded: break;
    case ReplayStore::Outcome::replayed:
        for (const size_t position : result.replayed) {
            refuse("replay", position, "evidence was presented before (replay)");
        }
        break;
    case ReplayStore::Outcome::site_quota_exceeded:
        refuse("replay_quota", 0,
               "this site already holds the most live replay records a site may (" +
                   std::to_string(settings_.replay_limits.max_per_site) + ")");
        break;
    }
}

Verdict CCManager::appraise(const CcInfo &info, const std::string &authenticated_site,
                            const std::string &role,
                            const std::optional<Challenge> &expected_challenge, bool replay) {
    Verdict verdict;
    verdict.site = authenticated_site;
    auto refuse = [&](const char *code, const std::string &reason, std::string ns = {}) {
        verdict.reasons.push_back({code, std::move(ns), "", authenticated_site + ": " + reason});
    };
    if (info.site != authenticated_site) {
        refuse("identity_mismatch", "evidence names site \"" + info.site +
                                        "\" but the sender is \"" + authenticated_site + "\"");
    }
    if (expected_challenge && info.challenge != *expected_challenge) {
        refuse("challenge_mismatch", "evidence is bound to another challenge than the one issued");
    }
    if (info.issued_at < 0 || info.issued_at > max_issued_at) {
        refuse("issue_time_out_of_range",
               "issue time " + std::to_string(info.issued_at) + " is out of range");
    }
    for (const auto &ns : policy_.required_namespaces(authenticated_site, role)) {
        if (info.tokens.count(ns) == 0) {
            refuse("missing_namespace", "required namespace " + ns + " is missing", ns);
        }
    }
    if (const auto one_of = policy_.required_one_of(authenticated_site, role);
        !one_of.empty() && std::none_of(one_of.begin(), one_of.end(), [&](const std::string &ns) {
            return info.tokens.count(ns) != 0;
        })) {
        std::string names;
        for (const auto &ns : one_of) {
            names += (names.empty() ? "" : ", ") + ns;
        }
        refuse("missing_one_of",
               "presents none of the namespaces its role must present one of: " + names);
    }
    const int64_t now = clock_();
    const ReportData expected =
        report_data_for(info.challenge, site_identity(authenticated_site), info.issued_at);
    std::vector<std::string> verified;
    std::vector<Digest> keys;
    for (const auto &[ns, token] : info.tokens) {
        const size_t before = keys.size();
        appraise_token(ns, token, info, authenticated_site, expected, now, verdict, keys);
        if (keys.size() > before) {
            verified.push_back(ns);
        }
    }
    if (replay && replay_ && !keys.empty()) {
        check_replay(verified, keys, authenticated_site, now, verdict);
    }
    verdict.decide();
    logging::write(verdict.accepted ? LogLevel::info : LogLevel::warning, "cc-manager",
                   settings_.site + " appraised " + authenticated_site + ": " +
                       (verdict.accepted ? "accepted"
                                         : "rejected (" + std::to_string(verdict.reasons.size()) +
                                               " reason(s))"));
    return verdict;
}

namespace {

// An appraisal that could not finish (the replay store unwritable, memory exhausted, ...) refuses
// that site alone; the batch's other verdicts stand.
Verdict failed_appraisal(const std::string &site, const std::string &what) {
    Verdict verdict;
    verdict.site = site;
    verdict.reasons.push_back(
        {"appraisal_failed", "", "", site + ": appraisal could not finish: " + what});
    verdict.decide();
    logging::write(LogLevel::error, "cc-manager", verdict.reasons.back().message);
    return verdict;
}

} // namespace

std::vector<Verdict> CCManager::appraise_all(const std::vector<Submission> &submissions,
                                             unsigned threads) {
    std::vector<Verdict> verdicts(submissions.size());
    if (threads == 0) {
        threads = std::max(1U, std::thread::hardware_concurrency());
    }
    threads = static_cast<unsigned>(std::min<size_t>(threads, submissions.size()));
    std::atomic<size_t> next{0};
    auto work = [&] {
        for (size_t i = next++; i < submissions.size(); i = next++) {
            const auto &s = submissions[i];
            try {
                verdicts[i] = appraise(s.info, s.site, s.role, s.challenge, s.replay);
            } catch (const std::exception &e) {
                verdicts[i] = failed_appraisal(s.site, e.what());
            } catch (...) {
                verdicts[i] = failed_appraisal(s.site, "unknown exception");
            }
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) {
        pool.emplace_back(work);
    }
    work();
    for (auto &thread : pool) {
        thread.join();
    }
    return verdicts;
}

} // namespace ccattest
