#include "ocsp_checker.hpp"

#include "verifier.hpp"

#include <mutex>

namespace ccattest::gpu {
using sdk::failure;
using support::Bytes;
using support::Certificate;
using support::OcspResult;

namespace {

constexpr size_t max_ocsp_response = size_t{64} << 10U;
constexpr size_t max_cached_answers = 4096;

// A remembered answer holds from its thisUpdate to its nextUpdate (one without nextUpdate is
// checked again each time).
bool current(const OcspResult &result, int64_t when) {
    return result.this_update <= when && result.next_update && when <= *result.next_update;
}

// The claim names (the issue's): certificateHold is "certificate_hold".
std::string status_name(support::OcspStatus status) {
    switch (status) {
    case support::OcspStatus::good: return "good";
    case support::OcspStatus::revoked: return "revoked";
    case support::OcspStatus::certificate_hold: return "certificate_hold";
    case support::OcspStatus::unknown: break;
    }
    return "unknown";
}

int rank(const std::string &status) {
    if (status == "revoked") {
        return 3;
    }
    if (status == "certificate_hold") {
        return 2;
    }
    return status == "good" ? 0 : 1;
}

} // namespace

std::vector<CarriedOcsp> index_carried(std::span<const Bytes> responses) {
    std::vector<CarriedOcsp> out;
    for (const auto &response : responses) {
        out.push_back({response, support::sha256(response)});
    }
    return out;
}

OcspChecker::OcspChecker(std::vector<std::filesystem::path> collateral,
                         std::optional<std::string> operator_url, support::Host host)
    : source_(host, std::move(collateral), max_ocsp_response),
      operator_url_(std::move(operator_url)) {}

// The operator's responder (a site's mirror or proxy) wins over what the certificate names.
std::string OcspChecker::responder_for(const Certificate &subject) const {
    if (operator_url_) {
        return *operator_url_;
    }
    return support::ocsp_responder_url(subject).value_or(default_ocsp_url);
}

std::optional<OcspResult> OcspChecker::fetched(const Certificate &subject,
                                               const Certificate &issuer, int64_t when) const {
    support::CollateralQuery query;
    query.what = "OCSP answer for " + support::describe_certificate(subject);
    query.file_names = {subject.serial_hex() + ".ocsp"};
    query.url = responder_for(subject);
    query.post_body = support::ocsp_request(subject, issuer);
    query.content_type = "application/ocsp-request";
    const support::CollateralLookup lookup = source_.find(query);
    if (!lookup.item) {
        return std::nullopt;
    }
    // A folder's or the responder's answer that does not check is no answer: graded as
    // not_checked, never as good.
    try {
        return support::check_ocsp_response(lookup.item->data, subject, issuer, when);
    } catch (const failure &) {
        return std::nullopt;
    }
}

std::optional<OcspResult> OcspChecker::carried_answer(const Certificate &subject,
                                                      const Certificate &issuer,
                                                      const std::vector<CarriedOcsp> &carried,
                                                      int64_t when) const {
    for (const auto &entry : carried) {
        const Key key{entry.sha256, subject.sha256()};
        {
            const std::shared_lock lock(mutex_);
            if (const auto found = carried_.find(key); found != carried_.end()) {
                if (!found->second) {
                    continue; // another certificate's answer
                }
                if (current(*found->second, when)) {
                    entry.used = true;
                    return found->second;
                }
            }
        }
        std::optional<OcspResult> result;
        try {
            result = support::check_ocsp_response(entry.response, subject, issuer, when);
        } catch (const failure &e) {
            if (e.status() == CCATTEST_E_EXPIRED) {
                entry.used = true; // this certificate's answer, stale at this time: not remembered
                continue;
            }
        }
        remember(carried_, key, result);
        if (result) {
            entry.used = true;
            return result;
        }
    }
    return std::nullopt;
}

std::optional<OcspResult> OcspChecker::answer(const Certificate &subject, const Certificate &issuer,
                                              const std::vector<CarriedOcsp> &carried,
                                              int64_t when) const {
    // The token's answers come first: a newer answer there (a revocation) is never hidden by an
    // older one remembered from the responder.
    if (auto result = carried_answer(subject, issuer, carried, when)) {
        return result;
    }
    const Key key{subject.sha256(), issuer.sha256()};
    {
        const std::shared_lock lock(mutex_);
        if (const auto found = fetched_.find(key);
            found != fetched_.end() && found->second && current(*found->second, when)) {
            return found->second;
        }
    }
    auto result = fetched(subject, issuer, when);
    if (result && result->next_update) {
        remember(fetched_, key, result);
    }
    return result;
}

void OcspChecker::remember(std::map<Key, std::optional<OcspResult>> &cache, const Key &key,
                           const std::optional<OcspResult> &result) const {
    const std::unique_lock lock(mutex_);
    if (cache.size() >= max_cached_answers) {
        cache.clear();
    }
    cache[key] = result;
}

void OcspChecker::check(const std::vector<Certificate> &path,
                        const std::vector<CarriedOcsp> &carried, int64_t when,
                        ChainRevocation &into) const {
    for (size_t i = 0; i + 1 < path.size(); ++i) {
        CertificateRevocation outcome{path[i].subject_cn(), "not_checked", std::nullopt};
        if (const auto result = answer(path[i], path[i + 1], carried, when)) {
            outcome.status = status_name(result->status);
            outcome.reason = result->revocation_reason;
        }
        into.certificates.push_back(std::move(outcome));
    }
}

void summarise(ChainRevocation &revocation) {
    int worst = revocation.certificates.empty() ? 1 : 0;
    for (const auto &certificate : revocation.certificates) {
        worst = std::max(worst, rank(certificate.status));
    }
    static constexpr const char *names[] = {"good", "not_checked", "certificate_hold", "revoked"};
    revocation.status = names[worst];
}

} // namespace ccattest::gpu
