// NVIDIA Remote Attestation Service (NRAS) results: a detached EAT, the JSON array
//   [["JWT", "<overall JWS>"], {"<device id>": "<device JWS>", ...}]
// where the overall token's "submods" names each device token's SHA-256 digest. Verified with the
// support library's JOSE module: ES384 only, keys by kid from NRAS's JWKS (a configured file, or
// fetched through the host), issuer pinned, expiry at the verification time; every device token
// verified and its digest matched; claims mapped to the names of local verification.
#pragma once

#include <ccattest/support/collateral.hpp>
#include <ccattest/support/jose.hpp>
#include <ccattest/support/plugin_adapter.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ccattest::gpu {

struct NrasConfig {
    std::optional<std::filesystem::path> jwks_file;
    std::string jwks_url = "https://nras.attestation.nvidia.com/.well-known/jwks.json";
    std::string issuer = "https://nras.attestation.nvidia.com";
    int64_t clock_skew_s = 60;
};

class NrasVerifier {
public:
    /// Throws sdk::failure(CCATTEST_E_CONFIG) for an unreadable or malformed jwks_file.
    NrasVerifier(NrasConfig config, support::Host host);

    /// Claims {"mode":"nras", "devices":[...], "device_count", "all_verified", "issuer",
    /// "issued_at", "expires_at", "evidence_digest"} of a valid EAT whose every device's nonce
    /// equals `expected_nonce` (32 bytes; empty: not checked). Throws sdk::failure naming the
    /// problem (CCATTEST_E_MALFORMED, CCATTEST_E_VERIFICATION_FAILED, CCATTEST_E_EXPIRED,
    /// CCATTEST_E_BINDING_MISMATCH).
    boost::json::object verify(std::string_view eat, std::span<const uint8_t> expected_nonce,
                               int64_t when) const;

    /// The EAT's parts decoded, not checked.
    boost::json::object inspect(std::string_view eat) const;

private:
    /// The configured keys, or the fetched set (cached; fetched again when older than
    /// fetched_keys_max_age_s by the host's clock).
    std::vector<support::Jwk> keys() const;
    /// The fetched set fetched again past the host's cache, for a token whose kid it lacks; at
    /// most once per refetch_interval_s (a forged kid must not make every token a fetch).
    std::vector<support::Jwk> refetched_keys(const std::string &kid) const;
    /// verify_jwt of one part (ES384, the issuer, the times), a fresh JWKS once for a new kid.
    support::VerifiedJwt verify_part(std::string_view token, const std::string &what,
                                     int64_t when) const;

    static constexpr int64_t fetched_keys_max_age_s = 3600;
    static constexpr int64_t refetch_interval_s = 60;

    NrasConfig config_;
    support::Host host_;
    support::CollateralSource network_;
    std::vector<support::Jwk> configured_keys_;
    mutable std::mutex fetched_mutex_;
    mutable std::vector<support::Jwk> fetched_keys_;
    mutable std::optional<int64_t> fetched_at_;   ///< host clock; nullopt: never fetched
    mutable std::optional<int64_t> refetched_at_; ///< host clock of the last refetch
};

} // namespace ccattest::gpu
