// What an SNP token carries, its wire format, and the extended-report certificate table.
//
// Token format "ccattest-snp-v1" (UTF-8 JSON, at most 256 KiB):
//   {"format": "ccattest-snp-v1", "report": "<base64 of the 1184-byte report>",
//    "certificates": {"ark": "<base64 DER>", "ask": ..., "vcek": ..., "vlek": ..., "crl": ...}}
// "certificates" and each of its members are optional; they are what the evidence source provided.
// A token has exactly one spelling: the bytes encode_token writes (no whitespace anywhere, members
// in that order, each certificate in DER); a certificate slot the report does not use is refused.
// Also accepted, for interoperability: NVIDIA FLARE's SNP token (standard base64 of the raw report)
// and the raw 1184-byte report itself.
#pragma once

#include "report.hpp"

#include <ccattest/support/bytes.hpp>

#include <optional>
#include <span>
#include <string>

namespace ccattest::snp {

inline constexpr const char *token_format_id = "ccattest-snp-v1";
inline constexpr size_t max_token_size = size_t{256} << 10U;

enum class TokenForm { ccattest, flare_base64, raw_report };

struct Evidence {
    support::Bytes report;
    std::optional<support::Bytes> ark, ask, vcek, vlek, crl;
    TokenForm form = TokenForm::ccattest;
};

/// Throws sdk::failure(CCATTEST_E_MALFORMED) naming what is wrong, for anything but the exact text
/// encode_token writes (or a FLARE token or raw report, with no whitespace around them).
Evidence decode_token(std::span<const uint8_t> token);
/// Throws sdk::failure(CCATTEST_E_MALFORMED) naming the slot when the evidence carries a signing
/// certificate the report's SIGNING_KEY does not use (a VLEK for a VCEK-signed report, or the
/// reverse): nothing would check it, so it could make another token of the same evidence.
void refuse_unused_certificates(const Evidence &evidence, SigningKey signing_key);
/// Drops the signing certificate the report's SIGNING_KEY does not use (a host's certificate table
/// may hold both a VCEK and a VLEK), so generate never writes a token verify refuses.
void drop_unused_certificates(Evidence &evidence);
std::string encode_token(const Evidence &evidence);
std::string_view token_form_name(TokenForm form);

/// The GHCB certificate table (entries of GUID, offset, length; offsets from the table's start; an
/// all-zero entry ends it). Unknown GUIDs are ignored. Throws sdk::failure(CCATTEST_E_MALFORMED).
void read_certificate_table(std::span<const uint8_t> table, Evidence &into);
support::Bytes write_certificate_table(const Evidence &evidence);

} // namespace ccattest::snp
