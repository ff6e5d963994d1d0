// What an SNP token carries, its wire format, and the extended-report certificate table.
//
// Token format "ccattest-snp-v1" (UTF-8 JSON, at most 256 KiB):
//   {"format": "ccattest-snp-v1", "report": "<base64 of the 1184-byte report>",
//    "certificates": {"ark": "<base64 DER>", "ask": ..., "vcek": ..., "vlek": ..., "crl": ...}}
// "certificates" and each of its members are optional; they are what the evidence source provided.
// Also accepted, for interoperability: NVIDIA FLARE's SNP token (standard base64 of the raw report)
// and the raw 1184-byte report itself.
#pragma once

#include <ccattest/common/bytes.hpp>

#include <optional>
#include <span>
#include <string>

namespace ccattest::snp {

inline constexpr const char *token_format_id = "ccattest-snp-v1";
inline constexpr size_t max_token_size = size_t{256} << 10U;

enum class TokenForm { ccattest, flare_base64, raw_report };

struct Evidence {
    common::Bytes report;
    std::optional<common::Bytes> ark, ask, vcek, vlek, crl;
    TokenForm form = TokenForm::ccattest;
};

/// Throws sdk::failure(CCATTEST_E_MALFORMED) naming what is wrong.
Evidence decode_token(std::span<const uint8_t> token);
std::string encode_token(const Evidence &evidence);
std::string_view token_form_name(TokenForm form);

/// The GHCB certificate table (entries of GUID, offset, length; offsets from the table's start; an
/// all-zero entry ends it). Unknown GUIDs are ignored. Throws sdk::failure(CCATTEST_E_MALFORMED).
void read_certificate_table(std::span<const uint8_t> table, Evidence &into);
common::Bytes write_certificate_table(const Evidence &evidence);

} // namespace ccattest::snp
