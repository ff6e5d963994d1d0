// OCSP for the certificates of a device chain and of RIM signing chains (every certificate but the
// root): answers carried in the token, kept in a collateral folder (<serial hex>.ocsp, DER), or
// asked of the certificate's responder (its AIA, else the configured one) through the host with a
// POST. Each answer is checked at the verification time (support/ocsp.hpp); verified answers are
// kept in memory until their nextUpdate.
#pragma once

#include <ccattest/support/collateral.hpp>
#include <ccattest/support/ocsp.hpp>

#include <array>
#include <map>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace ccattest::gpu {

struct CertificateRevocation {
    std::string subject;
    std::string status; ///< "good", "revoked", "certificate_hold", "unknown", "not_checked"
    std::optional<std::string> reason;
};

struct ChainRevocation {
    /// "good" (every certificate good), "revoked", "certificate_hold", "not_checked" (some
    /// certificate without an answer, or one the responder does not know).
    std::string status = "not_checked";
    std::vector<CertificateRevocation> certificates;
};

/// An OCSP answer a token carries, with its SHA-256 (computed once per verification).
struct CarriedOcsp {
    std::span<const uint8_t> response;
    std::array<uint8_t, 32> sha256{};
    /// Set when it answered a certificate of the token (current or not), so a verification can
    /// refuse a token carrying an answer that answers nothing (unchecked bytes would ride along).
    mutable bool used = false;
};
std::vector<CarriedOcsp> index_carried(std::span<const support::Bytes> responses);

class OcspChecker {
public:
    /// `operator_url`: config.hpp's ocsp_url, when the operator set one.
    OcspChecker(std::vector<std::filesystem::path> collateral,
                std::optional<std::string> operator_url, support::Host host);

    /// The answers for every certificate of `path` (leaf first, anchor last) but the anchor.
    void check(const std::vector<support::Certificate> &path,
               const std::vector<CarriedOcsp> &carried, int64_t when, ChainRevocation &into) const;

private:
    std::optional<support::OcspResult> answer(const support::Certificate &subject,
                                              const support::Certificate &issuer,
                                              const std::vector<CarriedOcsp> &carried,
                                              int64_t when) const;
    std::optional<support::OcspResult> carried_answer(const support::Certificate &subject,
                                                      const support::Certificate &issuer,
                                                      const std::vector<CarriedOcsp> &carried,
                                                      int64_t when) const;
    std::optional<support::OcspResult> fetched(const support::Certificate &subject,
                                               const support::Certificate &issuer,
                                               int64_t when) const;

    [[nodiscard]] std::string responder_for(const support::Certificate &subject) const;

    support::CollateralSource source_;
    std::optional<std::string> operator_url_;
    using Key = std::pair<std::array<uint8_t, 32>, std::array<uint8_t, 32>>;
    void remember(std::map<Key, std::optional<support::OcspResult>> &cache, const Key &key,
                  const std::optional<support::OcspResult> &result) const;

    mutable std::shared_mutex mutex_;
    /// (SHA-256 of a carried answer, of the certificate asked about): its checked result, or
    /// nullopt when it is not an answer for that certificate.
    mutable std::map<Key, std::optional<support::OcspResult>> carried_;
    /// (certificate, issuer): the answer of a folder or the responder.
    mutable std::map<Key, std::optional<support::OcspResult>> fetched_;
};

/// Combines per-certificate answers into the chain's status (revoked over hold over not_checked
/// over good).
void summarise(ChainRevocation &revocation);

} // namespace ccattest::gpu
