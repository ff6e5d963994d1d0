// Finds the DCAP collateral a quote needs, first where it is cheapest and most specific: what the
// token carries, then the operator's configured files (read once at start-up, each recognised by
// its content), then Intel's PCS (or a PCCS) through the host's fetch service and its cache.
// Documents are decoded once per distinct byte string. Nothing here checks a signature: the
// verifier does.
#pragma once

#include "collateral.hpp"
#include "evidence.hpp"

#include <ccattest/support/collateral.hpp>
#include <ccattest/support/crypto.hpp>
#include <ccattest/support/decode_cache.hpp>

#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ccattest::tdx {

inline constexpr const char *default_pcs_url = "https://api.trustedservices.intel.com";
inline constexpr const char *default_root_crl_url =
    "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der";

enum class CollateralOrigin { token, configured, cache, network };
std::string_view collateral_origin_name(CollateralOrigin origin) noexcept;

/// A document or CRL found, where it came from, and (fetched) the issuer chain the service sent.
template <typename Item> struct Found {
    std::shared_ptr<const Item> item;
    CollateralOrigin origin = CollateralOrigin::token;
    std::string what; ///< for messages: "token TCB info", a file, a URL
    std::string url;  ///< when fetched
    std::vector<support::Certificate> issuer_chain; ///< from the service's issuer-chain header
};

/// The result of one lookup: the item, or why there is none (for messages).
template <typename Item> struct Lookup {
    std::optional<Found<Item>> found;
    std::string miss_reason;
    ccattest_status miss_status = CCATTEST_OK;
};

/// Throws when a lookup found nothing and that must stop verification: the service could not be
/// asked or did not answer (its status, "<what>: <why>"), or the collateral is required ("no
/// <missing> was found and require_collateral is set (<why>)"). A plain miss returns.
template <typename Item>
void refuse_failed_lookup(const Lookup<Item> &lookup, const std::string &what,
                          const std::string &missing, bool required) {
    if (lookup.found) {
        return;
    }
    if (lookup.miss_status != CCATTEST_OK) {
        throw sdk::failure(lookup.miss_status, what + ": " + lookup.miss_reason);
    }
    if (required) {
        throw sdk::failure(CCATTEST_E_VERIFICATION_FAILED,
                           "no " + missing + " was found and require_collateral is set" +
                               (lookup.miss_reason.empty() ? "" : " (" + lookup.miss_reason + ")"));
    }
}

class CollateralFinder {
public:
    /// Reads and classifies every configured file (a folder: each regular file in it). Throws
    /// sdk::failure(CCATTEST_E_CONFIG) naming a file that cannot be read or is none of: TCB info,
    /// QE identity, certificates, CRLs.
    CollateralFinder(const std::vector<std::filesystem::path> &files,
                     const support::CollateralSource &network, std::string pcs_url,
                     std::string root_crl_url);

    /// The TCB info: the token's (whatever its FMSPC, so a mismatch is reported), else a
    /// configured one for `fmspc` (the highest evaluation number), else PCS.
    /// `may_fetch` false: never the network (a simulated chain: Intel's services know nothing
    /// of it).
    [[nodiscard]] Lookup<TcbInfo>
    tcb_info(const Evidence &evidence, const std::array<uint8_t, 6> &fmspc, bool may_fetch) const;
    [[nodiscard]] Lookup<QeIdentity> qe_identity(const Evidence &evidence, bool may_fetch) const;
    /// The CRL of `issuer` (the PCK CA that issued the PCK, or the root): the token's, a configured
    /// one naming that issuer, else PCS's PCK CRL / Intel's root CA CRL.
    [[nodiscard]] Lookup<support::Crl> crl(const Evidence &evidence,
                                           const support::Certificate &issuer, bool root,
                                           bool may_fetch) const;
    /// Candidate TCB-signing certificates: the token's, then the configured files'.
    [[nodiscard]] std::vector<support::Certificate> certificates(const Evidence &evidence) const;

    /// Tells the host's cache a fetched item holds until `valid_until` (its nextUpdate).
    void keep_until(const std::string &url, int64_t valid_until) const;

private:
    std::shared_ptr<const TcbInfo> decode_tcb_info(const support::Bytes &bytes,
                                                   const std::string &what) const;
    std::shared_ptr<const QeIdentity> decode_qe_identity(const support::Bytes &bytes,
                                                         const std::string &what) const;
    /// A fetch through the host; `found` is filled with the body decoded by `decode`.
    template <typename Item, typename Decode>
    Lookup<Item> fetch(const std::string &url, const std::string &what, const char *chain_header,
                       const Decode &decode) const;
    void classify(const support::Bytes &bytes, const std::string &file);

    const support::CollateralSource &network_;
    std::string pcs_url_;
    std::string root_crl_url_;
    std::vector<Found<TcbInfo>> tcb_infos_;
    std::vector<Found<QeIdentity>> qe_identities_;
    std::vector<Found<support::Crl>> crls_;
    std::vector<support::Certificate> certificates_;
    // What the token and the service give, decoded once per distinct byte string.
    support::DecodeCache<TcbInfo> tcb_infos_decoded_;
    support::DecodeCache<QeIdentity> qe_identities_decoded_;
    support::DecodeCache<support::Crl> crls_decoded_;
    support::DecodeCache<support::Certificate> certificates_decoded_;
};

} // namespace ccattest::tdx
