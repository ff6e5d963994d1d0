// Finding a device's driver and VBIOS RIMs and verifying them: RIMs the token carries and the
// config's rim_files (offered explicitly: one for the same product but another version is refused,
// never compared), then the collateral folders (<RIM id>.xml), then NVIDIA's RIM service through
// the host. Each RIM is verified to the RIM roots (rim.hpp) once per distinct document while its
// chain's window holds.
#pragma once

#include "rim.hpp"
#include "verifier.hpp"

#include <ccattest/support/collateral.hpp>
#include <ccattest/support/decode_cache.hpp>

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

namespace ccattest::gpu {

enum class RimKind { driver, vbios };
std::string_view rim_kind_name(RimKind kind) noexcept; ///< "driver", "VBIOS"

/// What a device needs: the RIM service id and the version the report states.
struct RimWanted {
    RimKind kind = RimKind::driver;
    std::string id;
    std::string version;
    std::string chip; ///< "GH100": a RIM's product must name it
};

struct RimFound {
    std::shared_ptr<const VerifiedRim> rim;
    std::string source; ///< "token", "rim_files", "directory", "cache", "network"
};

struct RimLookup {
    std::optional<RimFound> found;
    std::string miss_reason; ///< why nothing was found (for the claims)
};

class RimFinder {
public:
    /// A RIM offered explicitly (carried in the token, or in rim_files), parsed.
    struct Offered {
        std::shared_ptr<const Rim> rim;
        std::string what;
        std::string source;
        /// Set when a device used it, so a verification can refuse a token whose RIMs go unused
        /// (unchecked bytes would ride along).
        mutable bool used = false;
    };

    /// Reads and parses the config's rim_files (files, or folders of them): throws
    /// sdk::failure(CCATTEST_E_CONFIG) naming a file that cannot be read or is no RIM.
    RimFinder(const VerifierConfig &config, support::Host host);

    /// The token's RIMs (parsed once per distinct document: CCATTEST_E_MALFORMED for one that does
    /// not parse) and the configured ones: what find() is offered for every device of a token.
    std::vector<Offered> offered(std::span<const support::Bytes> carried) const;

    /// The verified RIM for `wanted`. Throws sdk::failure: CCATTEST_E_VERIFICATION_FAILED for an
    /// offered RIM of another version (and none of this one), a RIM whose signature or chain
    /// fails (CCATTEST_E_EXPIRED outside its window), a service answer that is not the RIM asked
    /// for; CCATTEST_E_MALFORMED for a carried RIM that does not parse.
    RimLookup find(const RimWanted &wanted, const std::vector<Offered> &offered,
                   const std::vector<support::Certificate> &anchors, int64_t when) const;

    /// A RIM verified alone (the command line's RIM check).
    std::shared_ptr<const VerifiedRim>
    verify_document(std::span<const uint8_t> xml, const std::string &what,
                    const std::vector<support::Certificate> &anchors, int64_t when) const;

private:
    std::shared_ptr<const Rim> parsed(std::span<const uint8_t> xml, const std::string &what) const;
    /// The RIM verified (rim.hpp's errors name it), from memory while its chain's window holds.
    std::shared_ptr<const VerifiedRim>
    verified(const Rim &rim, const std::vector<support::Certificate> &anchors, int64_t when) const;
    std::optional<RimFound> from_offered(const RimWanted &wanted,
                                         const std::vector<Offered> &offered,
                                         const std::vector<support::Certificate> &anchors,
                                         int64_t when) const;
    RimLookup from_collateral(const RimWanted &wanted,
                              const std::vector<support::Certificate> &anchors, int64_t when) const;

    std::vector<Offered> configured_;
    support::CollateralSource source_;
    std::string service_url_;
    support::DecodeCache<Rim> rims_;
    mutable support::ChainCache chain_cache_;
    mutable std::shared_mutex mutex_;
    mutable std::map<std::array<uint8_t, 32>, std::shared_ptr<const VerifiedRim>> verified_;
};

} // namespace ccattest::gpu
