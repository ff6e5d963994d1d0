#include "ccattest/core/cc_manager.hpp"

#include "ccattest/core/config.hpp"
#include "ccattest/core/digest.hpp"
#include "ccattest/core/logging.hpp"

#include <ccattest/authorizer.hpp>

#include <boost/json.hpp>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <atomic>
#include <thread>

namespace ccattest {
namespace json = boost::json;

json::value CcInfo::to_json() const {
    json::object tokens_out;
    for (const auto &[ns, token] : tokens) {
        tokens_out[ns] = to_base64(token);
    }
    return json::object{{"site", site},
                        {"issued_at", issued_at},
                        {"challenge", to_hex(challenge)},
                        {"tokens", std::move(tokens_out)}};
}

CcInfo CcInfo::from_json(const json::value &value) {
    auto bad = [](const std::string &what) { return ConfigError({"cc info: " + what}); };
    if (!value.is_object()) {
        throw bad("not a JSON object");
    }
    const auto &object = value.get_object();
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
    info.issued_at = issued->get_int64();
    const auto challenge_bytes = from_hex(challenge->get_string());
    if (!challenge_bytes || challenge_bytes->size() != info.challenge.size()) {
        throw bad("challenge is not 32 bytes of hex");
    }
    std::copy(challenge_bytes->begin(), challenge_bytes->end(), info.challenge.begin());
    for (const auto &[ns, token] : tokens->get_object()) {
        const auto bytes = token.is_string() ? from_base64(token.get_string()) : std::nullopt;
        if (!bytes || bytes->empty()) {
            throw bad("token of " + std::string(ns) + " is not base64");
        }
        info.tokens.emplace(std::string(ns), *bytes);
    }
    return info;
}

CCManager::CCManager(std::shared_ptr<Registry> registry, Policy policy, ManagerSettings settings,
                     Clock clock)
    : registry_(std::move(registry)), policy_(std::move(policy)), settings_(std::move(settings)),
      clock_(std::move(clock)) {
    if (!settings_.state_dir.empty()) {
        replay_ = std::make_unique<ReplayStore>(settings_.state_dir / "replay.log");
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
        challenge, site_identity(settings_.site, settings_.tls_key_sha256.value_or("")));
    for (const auto &record : registry_->plugins()) {
        if (!record.authorizer ||
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
    if (registry_->startup_failure()) {
        throw std::runtime_error(settings_.site + ": " + *registry_->startup_failure());
    }
    registration_ = generate(new_challenge());
    logging::write(LogLevel::info, "cc-manager",
                   settings_.site + ": bootstrap generated " +
                       std::to_string(registration_->tokens.size()) + " token(s)");
}

CcInfo CCManager::registration_info() {
    if (!registration_) {
        bootstrap();
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

Verdict CCManager::appraise(const CcInfo &info, const std::string &authenticated_site,
                            const std::string &role,
                            const std::optional<Challenge> &expected_challenge, bool replay) {
    Verdict verdict;
    verdict.site = authenticated_site;
    auto refuse = [&](const std::string &reason) {
        verdict.reasons.push_back(authenticated_site + ": " + reason);
    };
    if (info.site != authenticated_site) {
        refuse("evidence names site \"" + info.site + "\" but the sender is \"" +
               authenticated_site + "\"");
    }
    if (expected_challenge && info.challenge != *expected_challenge) {
        refuse("evidence is bound to another challenge than the one issued");
    }
    const int64_t now = clock_();
    for (const auto &ns : policy_.required_namespaces(authenticated_site, role)) {
        if (info.tokens.count(ns) == 0) {
            refuse("required namespace " + ns + " is missing");
        }
    }
    size_t policy_failures = 0;
    const ReportData expected = report_data_for(info.challenge, site_identity(authenticated_site));
    for (const auto &[ns, token] : info.tokens) {
        if (!policy_.knows(ns)) {
            refuse(ns + ": namespace not in this site's policy");
            continue;
        }
        const int64_t expiration =
            policy_.token_expiration(ns).value_or(settings_.default_token_expiration);
        if (now - info.issued_at > expiration) {
            refuse(ns + ": token issued " + std::to_string(now - info.issued_at) +
                   " s ago is older than token_expiration " + std::to_string(expiration) + " s");
            continue;
        }
        if (info.issued_at > now + 300) {
            refuse(ns + ": token is issued in the future");
            continue;
        }
        const auto authorizer = registry_->find(ns);
        if (!authorizer) {
            refuse(ns + ": no plugin here verifies this namespace");
            continue;
        }
        const auto result = authorizer->verify(token, std::span<const uint8_t, 64>(expected), now);
        if (!result.ok()) {
            refuse(ns + ": " + sdk::status_name(result.status) + ": " + result.message);
            continue;
        }
        const auto claims =
            json::parse(std::string(result.output.begin(), result.output.end())).as_object();
        const auto appraisal = policy_.appraise(authenticated_site, ns, claims);
        for (const auto &failure : appraisal.failures) {
            verdict.reasons.push_back(failure.message());
        }
        policy_failures += appraisal.failures.size();
        if (replay && replay_) {
            std::array<uint8_t, 32> digest{};
            SHA256(token.data(), token.size(), digest.data());
            const std::lock_guard lock(replay_mutex_);
            if (!replay_->check_and_record(digest, info.issued_at + expiration, now)) {
                refuse(ns + ": token was presented before (replay)");
                continue;
            }
        }
        verdict.claims.emplace(ns, claims);
    }
    verdict.accepted = verdict.reasons.empty();
    verdict.authentic = verdict.reasons.size() == policy_failures;
    logging::write(verdict.accepted ? LogLevel::info : LogLevel::warning, "cc-manager",
                   settings_.site + " appraised " + authenticated_site + ": " +
                       (verdict.accepted ? "accepted"
                                         : "rejected (" + std::to_string(verdict.reasons.size()) +
                                               " reason(s))"));
    return verdict;
}

std::vector<Verdict> CCManager::appraise_all(const std::vector<Submission> &submissions,
                                             unsigned threads) {
    std::vector<Verdict> verdicts(submissions.size());
    if (threads == 0) {
        threads = std::max(1U, std::thread::hardware_concurrency());
    }
    threads = static_cast<unsigned>(std::min<size_t>(threads, submissions.size()));
    std::atomic<size_t> next{0};
    std::exception_ptr failure;
    std::mutex failure_mutex;
    auto work = [&] {
        for (size_t i = next++; i < submissions.size(); i = next++) {
            try {
                const auto &s = submissions[i];
                verdicts[i] = appraise(s.info, s.site, s.role, s.challenge, s.replay);
            } catch (...) {
                const std::lock_guard lock(failure_mutex);
                failure = std::current_exception();
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
    if (failure) {
        std::rethrow_exception(failure);
    }
    return verdicts;
}

} // namespace ccattest
