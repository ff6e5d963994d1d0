// Intel Trust Authority tokens: a JWT (PS384) that Intel's attestation service issued after
// verifying a TDX quote, checked with the support library's JOSE module against Intel's JWKS (a
// configured file, or fetched through the host), issuer pinned, expiry at the verification time;
// its TDX claims are mapped to this plugin's claim names.
#pragma once

#include <ccattest/support/collateral.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ccattest::tdx {

struct ItaConfig {
    std::optional<std::filesystem::path> jwks_file; ///< else fetched from jwks_url (online sites)
    std::string jwks_url = "https://portal.trustauthority.intel.com/certs";
    std::string issuer = "https://portal.trustauthority.intel.com";
};

/// The claims of an authentic ITA token, in this plugin's names (quote_version absent; tee_type
/// "TDX"; mr_td, rtmr0..3, td_attributes {...}, tcb_status, advisory_ids, tcb_date, report_data,
/// ...), plus "ita" {"issuer", "jti", "expires"} and "evidence_digest" (SHA-256 of the JWS
/// signing input). Throws sdk::failure: CCATTEST_E_VERIFICATION_FAILED (signature, issuer,
/// algorithm, report data), CCATTEST_E_EXPIRED, CCATTEST_E_MALFORMED,
/// CCATTEST_E_VERIFICATION_FAILED naming why when no JWKS can be had (offline without jwks_file).
boost::json::object verify_ita_token(std::string_view jwt, const ItaConfig &config,
                                     const support::CollateralSource &collateral,
                                     std::span<const uint8_t> expected_report_data, int64_t when);

} // namespace ccattest::tdx
