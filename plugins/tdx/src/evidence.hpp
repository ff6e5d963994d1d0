// What a TDX token carries and its wire format.
//
// Token format "ccattest-tdx-v1" (UTF-8 JSON, at most 512 KiB):
//   {"format":"ccattest-tdx-v1","quote":"<base64 of the quote>",
//    "collateral":{"tcb_info":"<base64>","qe_identity":"<base64>",
//                  "tcb_signing_certificate":"<base64 DER>","pck_crl":"<base64 DER>",
//                  "root_ca_crl":"<base64 DER>"}}
// "collateral" and each of its members are optional: what the attester chose to include. tcb_info
// and qe_identity are the exact bytes of the JSON documents Intel's PCS serves (their signatures
// cover those bytes). A token has exactly one spelling: the bytes encode_token writes (no
// whitespace, members in that order, certificates and CRLs in DER, an empty "collateral" object
// omitted). Also accepted: the raw quote (the bytes start with version 4 or 5 as a little-endian
// u16), and an Intel Trust Authority token (a compact JWS, "eyJ...").
#pragma once

#include <ccattest/support/bytes.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ccattest::tdx {

inline constexpr const char *token_format_id = "ccattest-tdx-v1";
inline constexpr size_t max_token_size = size_t{512} << 10U;

enum class TokenForm { ccattest, raw_quote, ita_jwt };

struct CarriedCollateral {
    std::optional<support::Bytes> tcb_info;
    std::optional<support::Bytes> qe_identity;
    std::optional<support::Bytes> tcb_signing_certificate;
    std::optional<support::Bytes> pck_crl;
    std::optional<support::Bytes> root_ca_crl;
};

struct Evidence {
    support::Bytes quote; ///< empty for an Intel Trust Authority token
    CarriedCollateral collateral;
    std::string jwt; ///< the Intel Trust Authority token (form ita_jwt)
    TokenForm form = TokenForm::ccattest;
};

/// Throws sdk::failure(CCATTEST_E_MALFORMED) naming what is wrong for anything but the exact text
/// encode_token writes, a raw quote or an ITA JWT (no whitespace around any of them): bad base64
/// (support::base64 canonical), a member out of order, unknown or repeated, an empty collateral
/// object, a token over max_token_size. Certificates and CRLs must be DER (their content is
/// checked by the verifier).
Evidence decode_token(std::span<const uint8_t> token);
std::string encode_token(const Evidence &evidence);
std::string_view token_form_name(
    TokenForm form) noexcept; ///< "ccattest-tdx-v1", "raw-quote", "intel-trust-authority-jwt"

} // namespace ccattest::tdx
